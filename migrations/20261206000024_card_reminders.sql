-- Reminders sent to card holders who have not bought their first training: 7 and 2 days before
-- the card is revoked. One row per card and reminder, so each is sent once whatever the number
-- of workers running the job.
create table card_reminders (
    card_id uuid not null references cards (id),
    days_before smallint not null check (days_before in (7, 2)),
    sent_at timestamptz not null,
    primary key (card_id, days_before)
);
