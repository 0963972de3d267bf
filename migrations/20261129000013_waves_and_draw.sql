-- Waves with a quota and a fair, auditable draw (app::waves; the algorithm is the `draw` crate).
--
-- Citus: wave_entries is distributed by applicant_id (colocated with applicants, verifications
-- and cards, which the close joins); the draw's blocks are keyed by wave and read whole by the
-- close and the downloads, so they stay on the coordinator (or are distributed by wave_id).

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

-- The draw's ranks, in blocks of consecutive draw ids: a row per up to 1,024 entries of the pool,
-- not per entry, so that the close writes a pool of millions in about a second (a row and an
-- index entry per applicant took over a minute here). Rank r is selected when r <= the wave's
-- selected_count. Written once, by the close.
create table wave_rank_blocks (
    wave_id integer not null references waves (id),
    first_draw_id bigint not null,
    draw_ids bigint[] not null,
    tiers smallint[] not null,
    ranks integer[] not null,
    check (cardinality(draw_ids) between 1 and 1024 and cardinality(tiers) = cardinality(draw_ids)
           and cardinality(ranks) = cardinality(draw_ids) and draw_ids[1] = first_draw_id),
    primary key (wave_id, first_draw_id)
);

-- The selected in rank order, in blocks of up to 1,024 (the result file).
create table wave_result_blocks (
    wave_id integer not null references waves (id),
    first_rank integer not null check (first_rank >= 1),
    draw_ids bigint[] not null,
    tiers smallint[] not null,
    check (cardinality(draw_ids) between 1 and 1024 and cardinality(tiers) = cardinality(draw_ids)),
    primary key (wave_id, first_rank)
);

-- Entries the close left out of the pool, with the first check they failed.
create table wave_ineligible (
    wave_id integer not null references waves (id),
    draw_id bigint not null,
    failed_check text not null check (failed_check in ('tidak-terverifikasi', 'daftar-pengecualian', 'sudah-peserta')),
    primary key (wave_id, draw_id)
);

create function draw_results_are_final() returns trigger language plpgsql as $$
begin
    raise exception 'a draw''s results are written once, by the close';
end;
$$;
create trigger wave_rank_blocks_final before update on wave_rank_blocks
    for each row execute function draw_results_are_final();
create trigger wave_result_blocks_final before update on wave_result_blocks
    for each row execute function draw_results_are_final();
create trigger wave_ineligible_final before update on wave_ineligible
    for each row execute function draw_results_are_final();

create function waves_are_never_deleted() returns trigger language plpgsql as $$
begin
    raise exception 'waves are never deleted: their draws are public';
end;
$$;
create trigger waves_no_delete before delete on waves
    for each row execute function waves_are_never_deleted();
create trigger waves_no_truncate before truncate on waves
    for each statement execute function waves_are_never_deleted();

