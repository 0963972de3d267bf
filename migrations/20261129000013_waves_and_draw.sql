-- Waves with a quota and a fair, auditable draw (app::waves; the algorithm is the `draw` crate).
--
-- Citus: wave_entries is distributed by applicant_id (colocated with applicants, verifications
-- and cards, which the close joins); wave_outcomes and the tier lists are small per row and keyed
-- by wave, and the close reads them whole, so they can stay on the coordinator or be distributed
-- by draw_id.

alter table waves
    add column quota integer not null default 1000 check (quota between 1 and 10000000),
    -- Rupiah, whole: the training balance of each card the wave gives.
    add column balance bigint not null default 1000000 check (balance between 0 and 100000000),
    add column first_purchase_days smallint not null default 30 check (first_purchase_days between 1 and 365),
    -- A pass from an earlier wave lets the applicant join this one without a new test.
    add column test_carries_over boolean not null default true,
    -- Where the seed will come from, committed when the wave is created (before anyone can
    -- know the value).
    add column seed_source text not null default 'Diumumkan operator sebelum gelombang ditutup.'
        check (length(seed_source) between 10 and 500),
    add column seed text check (length(seed) between 1 and 300),
    add column seed_entered_at timestamptz,
    add column seed_entered_by uuid references operators (id),
    add column drawn_at timestamptz,
    add column pool_digest char(64) check (pool_digest ~ '^[0-9a-f]{64}$'),
    add column result_digest char(64) check (result_digest ~ '^[0-9a-f]{64}$'),
    -- The tier of applicants on no priority list (the last one).
    add column general_tier smallint check (general_tier between 1 and 99),
    add column pool_size integer check (pool_size >= 0),
    add column selected_count integer check (selected_count >= 0),
    -- Per tier {"1": {"pool": n, "selected": n}, ...} and per failed check {"daftar-pengecualian": n, ...}.
    add column tier_counts jsonb,
    add column ineligible_counts jsonb,
    -- Outcome notifications are queued in batches after the draw: the last applicant done.
    add column notified_through uuid,
    add column notified_at timestamptz,
    add constraint waves_seed_recorded check ((seed is null) = (seed_entered_at is null)),
    -- The seed cannot be chosen knowing who joined: it is entered after joining closed.
    add constraint waves_seed_after_joining check (seed_entered_at >= join_closes_at),
    add constraint waves_drawn_with_seed check (drawn_at is null or seed is not null),
    add constraint waves_draw_recorded check (
        (drawn_at is null) = (pool_digest is null) and (drawn_at is null) = (result_digest is null)
        and (drawn_at is null) = (pool_size is null) and (drawn_at is null) = (selected_count is null)
        and (drawn_at is null) = (general_tier is null)),
    add constraint waves_selected_within_quota check (selected_count <= quota and selected_count <= pool_size);
alter table waves alter column quota drop default, alter column balance drop default,
    alter column seed_source drop default;

-- Priority tiers, served before the general pool in the order of their number.
create table wave_tiers (
    wave_id integer not null references waves (id),
    tier smallint not null check (tier between 1 and 98),
    name text not null check (length(name) between 2 and 100),
    primary key (wave_id, tier),
    unique (wave_id, name)
);

-- Who is in a priority tier, by NIK (lists put forward by ministries). A NIK on two lists
-- counts in the one served first.
create table wave_tier_niks (
    wave_id integer not null,
    nik char(16) not null check (nik ~ '^[0-9]{16}$'),
    tier smallint not null,
    primary key (wave_id, nik),
    foreign key (wave_id, tier) references wave_tiers (wave_id, tier)
);

-- Applicants who joined a wave, each with a pseudonymous draw id (random, below 2^63; the
-- published pool shows it as 16 hexadecimal digits and never a NIK).
create table wave_entries (
    wave_id integer not null references waves (id),
    applicant_id uuid not null references applicants (id) on delete cascade,
    draw_id bigint not null check (draw_id >= 0),
    joined_at timestamptz not null,
    primary key (wave_id, applicant_id),
    unique (wave_id, draw_id)
);
create index wave_entries_applicant on wave_entries (applicant_id);

-- What the draw decided for each entry: a rank in the pool, or the check that failed at the
-- close. Selected are ranks up to waves.selected_count. Written once, by the close.
create table wave_outcomes (
    wave_id integer not null references waves (id),
    draw_id bigint not null,
    tier smallint check (tier between 1 and 99),
    rank integer check (rank >= 1),
    failed_check text check (failed_check in ('tidak-terverifikasi', 'daftar-pengecualian', 'sudah-peserta')),
    check ((rank is null) = (failed_check is not null) and (rank is null) = (tier is null)),
    primary key (wave_id, draw_id)
);
create index wave_outcomes_rank on wave_outcomes (wave_id, rank) where rank is not null;

create function wave_outcomes_are_final() returns trigger language plpgsql as $$
begin
    raise exception 'wave_outcomes are written once, by the close';
end;
$$;
create trigger wave_outcomes_no_update before update on wave_outcomes
    for each row execute function wave_outcomes_are_final();
