-- Reviews of finished trainings (their stars feed the catalogue's ratings), operators'
-- moderation, and the incentive paid after the first finished and reviewed training
-- (app::reviews, app::incentive).

-- The spread of a provider's ratings over all its trainings, and of each platform's service.
alter table providers add column rating_counts integer[] not null default '{0,0,0,0,0}'
    check (cardinality(rating_counts) = 5 and 0 <= all (rating_counts));
alter table platforms add column service_rating_counts integer[] not null default '{0,0,0,0,0}'
    check (cardinality(service_rating_counts) = 5 and 0 <= all (service_rating_counts));

-- One review per purchase, only of a finished training whose certificate stands (the trigger
-- below). The number is what
-- operators name a review by.
create table reviews (
    id bigint generated always as identity unique,
    purchase_id uuid primary key references purchases (id),
    training_stars smallint not null check (training_stars between 1 and 5),
    service_stars smallint not null check (service_stars between 1 and 5),
    body text not null check (length(body) between 30 and 2000),
    written_at timestamptz not null,
    -- Hidden by an operator: the text is no longer shown and its stars no longer count.
    hidden_at timestamptz,
    hidden_reason text check (length(hidden_reason) between 5 and 500),
    hidden_by text,
    check ((hidden_at is null) = (hidden_reason is null) and (hidden_at is null) = (hidden_by is null))
);

create function reviews_only_of_finished_trainings() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from purchases p join certificates c on c.purchase_id = p.id
                   where p.id = new.purchase_id and p.completed_at is not null and c.revoked_at is null) then
        raise exception 'a review needs a finished training with a valid certificate' using errcode = 'check_violation';
    end if;
    return new;
end
$$;
create trigger reviews_only_of_finished_trainings before insert on reviews
    for each row execute function reviews_only_of_finished_trainings();

-- A review's stars count in its training's, its provider's and its platform's spread while it
-- is shown; whoever writes the row, the spreads follow.
create function reviews_feed_ratings() returns trigger language plpgsql as $$
declare
    delta integer;
    stars smallint;
    service smallint;
    purchase_training integer;
begin
    if tg_op = 'INSERT' then
        delta := case when new.hidden_at is null then 1 else 0 end;
    elsif (old.hidden_at is null) = (new.hidden_at is null) then
        return new;
    else
        delta := case when new.hidden_at is null then 1 else -1 end;
    end if;
    if delta = 0 then
        return new;
    end if;
    stars := new.training_stars;
    service := new.service_stars;
    select training_id into purchase_training from purchases where id = new.purchase_id;
    update trainings set rating_counts[stars] = rating_counts[stars] + delta where id = purchase_training;
    update providers set rating_counts[stars] = rating_counts[stars] + delta
        where id = (select provider_id from trainings where id = purchase_training);
    update platforms set service_rating_counts[service] = service_rating_counts[service] + delta
        where code = (select platform_code from trainings where id = purchase_training);
    return new;
end
$$;
create trigger reviews_feed_ratings after insert or update of hidden_at on reviews
    for each row execute function reviews_feed_ratings();
-- What a participant wrote stays as written: moderation hides, it never edits.
create function reviews_keep_their_words() returns trigger language plpgsql as $$
begin
    if (new.purchase_id, new.training_stars, new.service_stars, new.body, new.written_at)
       is distinct from (old.purchase_id, old.training_stars, old.service_stars, old.body, old.written_at) then
        raise exception 'a review is not edited' using errcode = 'check_violation';
    end if;
    return new;
end
$$;
create trigger reviews_keep_their_words before update on reviews
    for each row execute function reviews_keep_their_words();

-- The incentive. A participant's schedule is made once, when their first finished training
-- is reviewed: `months` installments of `monthly_amount` (whole rupiah, configurable).
create table incentive_schedules (
    applicant_id uuid primary key references applicants (id),
    review_purchase_id uuid not null unique references reviews (purchase_id),
    monthly_amount bigint not null check (monthly_amount > 0),
    months smallint not null check (months between 1 and 24),
    scheduled_at timestamptz not null
);

-- The ledger's debit side: what is owed, and from when. Once due, an installment is queued for
-- payment (`queued_at`, with its payout row); one not yet queued is cancelled when the
-- certificate that earned it is revoked. Both are updates of this row, so a cancellation and
-- the payout job decide one after the other: queued is paid, cancelled is not.
create table incentive_installments (
    applicant_id uuid not null references incentive_schedules (applicant_id),
    installment smallint not null check (installment >= 1),
    amount bigint not null check (amount > 0),
    due_at timestamptz not null,
    queued_at timestamptz,
    cancelled_at timestamptz,
    cancelled_reason text,
    primary key (applicant_id, installment),
    unique (applicant_id, installment, amount),
    check (queued_at is null or cancelled_at is null),
    check ((cancelled_at is null) = (cancelled_reason is null))
);
-- The payout job reads only what is waiting, however long the ledger grows.
create index incentive_installments_waiting on incentive_installments (due_at)
    where queued_at is null and cancelled_at is null;

-- The credit side, and the outbox to the payment rail: one payout per installment (the primary
-- key: nothing is paid twice, whatever the workers do), of exactly the installment's amount (the
-- foreign key carries the amount). `sent_at` is when the rail took it; while a worker hands it
-- to the rail, `available_at` is pushed ahead (a lease), so no other worker takes it meanwhile.
create table incentive_payouts (
    applicant_id uuid not null,
    installment smallint not null,
    amount bigint not null,
    queued_at timestamptz not null,
    available_at timestamptz not null,
    attempts integer not null default 0 check (attempts >= 0),
    sent_at timestamptz,
    rail_reference text,
    last_error text,
    primary key (applicant_id, installment),
    foreign key (applicant_id, installment, amount)
        references incentive_installments (applicant_id, installment, amount),
    check ((sent_at is null) = (rail_reference is null))
);
create index incentive_payouts_pending on incentive_payouts (available_at) where sent_at is null;

-- What each participant is owed and has been paid; `outstanding` is never below zero.
create view incentive_balances as
    select i.applicant_id,
           coalesce(sum(i.amount) filter (where i.cancelled_at is null), 0) as scheduled,
           coalesce(sum(i.amount) filter (where i.cancelled_at is not null), 0) as cancelled,
           coalesce(sum(p.amount) filter (where p.sent_at is not null), 0) as paid,
           coalesce(sum(i.amount) filter (where i.cancelled_at is null), 0)
               - coalesce(sum(p.amount) filter (where p.sent_at is not null), 0) as outstanding
    from incentive_installments i
    left join incentive_payouts p using (applicant_id, installment)
    group by i.applicant_id;
