-- Verification asks the civil registry (app::verification::registry) outside any transaction:
-- a worker leases its jobs (`available_at` moved ahead under a token of its own), asks, and
-- records decisions only for the jobs it still holds. A job the registry could not answer
-- waits with last_error 'dukcapil-tidak-tersedia' (the funnel counts them).
-- Jobs are still taken in applicant-id order through the primary key (no index more per
-- signup in the launch rush).
alter table verification_jobs add column lease_token uuid;

-- The registry's record of an applicant sent to a person (a name close to the registry's,
-- say), shown to the operator beside the applicant's answers. Only these are kept: the
-- registry's data on everyone else is used for the decision and not stored.
create table registry_records (
    applicant_id uuid primary key references applicants (id) on delete cascade,
    full_name text not null,
    birth_date date not null,
    gender char(1) not null check (gender in ('L', 'P')),
    kk char(16) not null check (kk ~ '^[0-9]{16}$'),
    alive boolean not null,
    checked_at timestamptz not null
);
