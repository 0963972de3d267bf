-- The rights UU No. 27/2022 gives every data subject: to correct a contact detail and to have
-- their data deleted.

-- A change of email waits for the code sent to the new address. Only an HMAC of the code is
-- kept; a change not confirmed within its lifetime is void.
create table email_changes (
    id uuid primary key,
    account_id uuid not null references accounts (id),
    new_email text not null check (new_email = lower(new_email) and length(new_email) <= 254),
    code_hash bytea not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    failed_attempts smallint not null default 0 check (failed_attempts between 0 and 5),
    confirmed_at timestamptz,
    check (expires_at > created_at)
);
-- One change waits at a time: a new request replaces the one before.
create unique index email_changes_one_pending on email_changes (account_id) where confirmed_at is null;

-- A request to delete one's data. The job carries it out (what the law lets go goes at once)
-- and records until when the rest is kept, and why.
create table deletion_requests (
    id bigint generated always as identity primary key,
    account_id uuid not null references accounts (id),
    requested_at timestamptz not null,
    carried_out_at timestamptz,
    -- What is kept, until when (null: nothing is kept).
    kept_until date,
    check (kept_until is null or carried_out_at is not null)
);
-- A request asked twice (a double click, a retried post) is one request.
create unique index deletion_requests_one_open on deletion_requests (account_id) where carried_out_at is null;

-- When an applicant's contact and profile details were erased at their request (the values
-- left in their place are blanks, not data). The name, NIK, KK and birth date stay until the
-- request's `kept_until`.
alter table applicants add column erased_at timestamptz;
