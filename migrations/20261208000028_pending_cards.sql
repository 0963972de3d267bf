-- The close commits the decision, not the cards (docs/waves.md): it writes the selected
-- applicants here, in blocks in applicant order, in its own transaction; a job issues each
-- block's cards and deletes the block in one transaction, so a block is either pending or
-- issued, never half of each, and a crash loses nothing. The next close issues what is still
-- pending before it freezes its pool ("already a participant" must see every card).
create table wave_pending_cards (
    wave_id integer not null references waves (id),
    -- The card-number sequence of the block's first holder (numbers follow applicant order).
    first_sequence bigint not null check (first_sequence >= 1),
    holders uuid[] not null check (cardinality(holders) >= 1),
    -- Kept beside the array, so the console counts what is pending without reading it.
    holder_count integer not null check (holder_count = cardinality(holders)),
    primary key (wave_id, first_sequence)
);
