-- The close of a wave within 15 seconds for 4 million entries (app::waves::db::close).

-- A card's wave is checked once per statement instead of by a foreign key: the close inserts a
-- million cards in one statement, and the key's check locked the wave's row a million times
-- (13 s of a 4-million close here). Waves are never deleted, and a card never changes wave, so
-- checking each inserting statement keeps the same guarantee.
alter table cards drop constraint cards_wave_id_fkey;

-- A card's applicant is checked once per inserting statement instead of by a foreign key. The
-- key's check locks every referenced applicant row (FOR KEY SHARE): for a million cards that is
-- a million row locks, each rewriting a page of the applicants' heap and logging it (26 of the
-- close's 34 s of cards here). The same rule, kept another way:
--   * every statement inserting cards checks that each card's applicant exists;
--   * a card never changes applicant (or wave);
--   * an applicant holding a card cannot be deleted.
-- The one case this does not cover is an applicant deleted while a card for them is being
-- issued, in two transactions at once. The portal deletes applicants only inside the signup
-- that inserted them, before they were ever visible to another transaction (and so before
-- anyone could join a wave or hold a card).
alter table cards drop constraint cards_applicant_id_fkey;

create function cards_refer_to_what_exists() returns trigger language plpgsql as $$
begin
    if exists (select 1 from new_cards n where not exists (select 1 from waves w where w.id = n.wave_id)) then
        raise exception 'a card of a wave that does not exist' using errcode = 'foreign_key_violation';
    end if;
    if exists (select 1 from new_cards n where not exists (select 1 from applicants a where a.id = n.applicant_id)) then
        raise exception 'a card of an applicant who does not exist' using errcode = 'foreign_key_violation';
    end if;
    return null;
end;
$$;
create trigger cards_refer_to_what_exists after insert on cards
    referencing new table as new_cards
    for each statement execute function cards_refer_to_what_exists();

create function cards_keep_their_holder() returns trigger language plpgsql as $$
begin
    raise exception 'a card keeps the applicant and the wave it was given to';
end;
$$;
create trigger cards_holder_unchanged before update on cards
    for each row when (old.wave_id is distinct from new.wave_id or old.applicant_id is distinct from new.applicant_id)
    execute function cards_keep_their_holder();

create function applicants_with_a_card_stay() returns trigger language plpgsql as $$
begin
    if exists (select 1 from cards c where c.applicant_id = old.id) then
        raise exception 'an applicant who holds a card is never deleted' using errcode = 'foreign_key_violation';
    end if;
    return old;
end;
$$;
create trigger applicants_with_a_card_stay before delete on applicants
    for each row execute function applicants_with_a_card_stay();

-- Card numbers are digits only: byte order is numeric order, and comparing bytes is cheaper
-- than the database's default collation when a million go into the index.
alter table cards alter column card_number type char(16) collate "C";

-- The draw's blocks are random numbers that do not compress: stored out of line as they are,
-- without first trying to compress each one.
alter table wave_rank_blocks
    alter column draw_ids set storage external,
    alter column ranks set storage external;
alter table wave_result_blocks
    alter column draw_ids set storage external;
