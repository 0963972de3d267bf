-- "NIK saya dipakai orang lain": the owner of a NIK that someone else registered files a dispute;
-- operators decide it. While a dispute is open, the record holding the NIK is held: it is not
-- drawn in a wave, and no incentive is paid to it.

create table nik_disputes (
    id uuid primary key,
    -- Shown to the claimant and to operators (SNG-XXXX-XXXX).
    reference text not null unique check (reference ~ '^SNG-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    nik char(16) not null check (nik ~ '^[0-9]{16}$'),
    claimant_account_id uuid not null references accounts (id) on delete cascade,
    -- The record that held the NIK when the dispute was filed (none: nobody did).
    holder_applicant_id uuid references applicants (id) on delete set null,
    statement text not null check (length(statement) between 30 and 2000),
    -- A retried post (double click, replay after a dropped connection) files one dispute.
    idempotency_key uuid not null unique,
    filed_at timestamptz not null,
    status text not null default 'terbuka' check (status in ('terbuka', 'dikabulkan', 'ditolak')),
    decided_at timestamptz,
    decided_by uuid references operators (id),
    decision_note text check (length(decision_note) between 5 and 500),
    check ((status = 'terbuka') = (decided_at is null)),
    check ((status = 'terbuka') = (decided_by is null)),
    check ((status = 'terbuka') = (decision_note is null))
);

-- One open dispute per NIK and claimant; the queue reads the open ones oldest first, and holds
-- look them up by NIK.
create unique index nik_disputes_one_open_per_claimant on nik_disputes (nik, claimant_account_id)
    where status = 'terbuka';
create index nik_disputes_open_by_nik on nik_disputes (nik) where status = 'terbuka';
create index nik_disputes_open_by_age on nik_disputes (filed_at) where status = 'terbuka';
create index nik_disputes_by_claimant on nik_disputes (claimant_account_id, filed_at);

-- A close may now leave an entry out because its NIK is disputed.
alter table wave_ineligible drop constraint wave_ineligible_failed_check_check;
alter table wave_ineligible add constraint wave_ineligible_failed_check_check
    check (failed_check in ('tidak-terverifikasi', 'daftar-pengecualian', 'sudah-peserta', 'nik-disengketakan'));
