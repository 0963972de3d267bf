-- Trust (issue 20): what an outside probe got through.

-- Platform keys' secrets come from master secrets of their own, by version, so they rotate
-- apart from the secret of sign-in codes. Keys made before this used version 1.
alter table platform_keys
    add column secret_version smallint not null default 1 check (secret_version between 1 and 999);
alter table platform_keys alter column secret_version drop default;

-- A completion reported sooner than the minimum study time is not certified by itself: it
-- waits here for an operator, who issues the certificate or refuses it with a reason.
create table completion_reviews (
    purchase_id uuid primary key references purchases (id),
    study_minutes integer not null check (study_minutes >= 0),
    required_minutes integer not null check (required_minutes > 0),
    held_at timestamptz not null,
    decision text check (decision in ('terbit', 'ditolak')),
    decision_reason text check (length(decision_reason) between 5 and 500),
    decided_by uuid references operators (id),
    decided_at timestamptz,
    check ((decision is null) = (decided_at is null) and (decision is null) = (decided_by is null)),
    check (decision is distinct from 'ditolak' or decision_reason is not null)
);
create index completion_reviews_waiting on completion_reviews (held_at) where decision is null;

-- The database refuses a certificate for a completion that waits for an operator or was refused.
create function certificates_need_an_approved_completion() returns trigger language plpgsql as $$
begin
    if exists (select 1 from completion_reviews
               where purchase_id = new.purchase_id and decision is distinct from 'terbit') then
        raise exception 'the completion of purchase % is held for an operator', new.purchase_id
            using errcode = 'check_violation';
    end if;
    return new;
end $$;
create trigger certificates_need_an_approved_completion before insert on certificates
    for each row execute function certificates_need_an_approved_completion();

-- Payouts: the worker handing a payout to the rail holds a lease under a token of its own; an
-- outcome is recorded only under the token that holds the lease (a stalled worker whose lease
-- another took over records nothing). A payout whose participant is no longer eligible (the
-- certificate revoked, the card revoked, the NIK on the exclusion list) is held with the reason
-- and checked again a day later.
alter table incentive_payouts
    add column lease_token uuid,
    add column held_reason text check (length(held_reason) between 1 and 200);
