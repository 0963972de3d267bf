-- Complaints (pengaduan): filed by an applicant about one of their records, answered by
-- operators within a service-level time counted in working days (WIB, the program's holidays
-- skipped), closed with an outcome. Every message is kept.
create table complaints (
    id uuid primary key,
    reference text not null unique check (reference ~ '^PGD-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    account_id uuid not null references accounts (id),
    category text not null check (category in ('verifikasi', 'tes', 'hasil-undian', 'pembelian',
        'penyelesaian-pelatihan', 'sertifikat', 'insentif', 'lainnya')),
    -- The record it is about, as the applicant's page named it (`gelombang:3`), and what that
    -- record said when the complaint was filed.
    about text check (length(about) <= 100),
    about_summary text check (length(about_summary) <= 500),
    check ((about is null) = (about_summary is null)),
    body text not null check (length(body) between 20 and 2000),
    -- A resent form (a double click, a retry after a dropped connection) is the same complaint.
    idempotency_key uuid not null,
    filed_at timestamptz not null,
    answer_due_at timestamptz not null check (answer_due_at > filed_at),
    first_answered_at timestamptz,
    closed_at timestamptz,
    outcome text check (outcome in ('diselesaikan', 'dijelaskan', 'ditolak')),
    check ((closed_at is null) = (outcome is null)),
    unique (account_id, idempotency_key)
);
-- The operators' queue: open complaints, soonest due first.
create index complaints_open_by_due on complaints (answer_due_at) where closed_at is null;
create index complaints_by_account on complaints (account_id, filed_at desc);

create table complaint_messages (
    id bigint generated always as identity primary key,
    complaint_id uuid not null references complaints (id),
    -- `peserta`, or the operator's audit name (`operator:…`).
    author text not null check (length(author) between 1 and 100),
    body text not null check (length(body) between 1 and 2000),
    written_at timestamptz not null
);
create index complaint_messages_of on complaint_messages (complaint_id, id);
