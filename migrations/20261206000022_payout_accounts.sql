-- Where incentives are paid, and what the payout rail did with each transfer
-- (app::incentive::account, app::incentive::payouts, app::incentive::reconciliation).

-- A participant's payout account: a bank account or an e-wallet, with the holder's name the
-- rail gave for it and how that name compared with the applicant's. An account whose holder's
-- name is not the applicant's waits for an operator ('diperiksa'); only an operator's decision
-- makes it active or refuses it. A change keeps the old row (`replaced_at`) and starts a
-- cooling-off period (`usable_from`), so a stolen session cannot redirect the next payout at once.
create table payout_accounts (
    id bigint generated always as identity primary key,
    applicant_id uuid not null references applicants (id),
    kind text not null check (kind in ('bank', 'dompet')),
    provider text not null check (length(provider) between 2 and 20),
    number text not null check (number ~ '^\+?[0-9]{8,16}$'),
    holder_name text not null check (length(holder_name) between 1 and 200),
    name_match text not null check (name_match in ('sama', 'mirip', 'beda')),
    status text not null check (status in ('aktif', 'diperiksa', 'ditolak')),
    linked_at timestamptz not null,
    usable_from timestamptz not null check (usable_from >= linked_at),
    decided_by text,
    decided_at timestamptz,
    decision_note text check (length(decision_note) between 5 and 500),
    replaced_at timestamptz,
    check ((decided_by is null) = (decided_at is null)),
    -- A holder's name that is not the applicant's is active only by an operator's decision.
    check (status <> 'aktif' or name_match = 'sama' or decided_at is not null),
    check (status <> 'ditolak' or decision_note is not null)
);
-- One current account per participant.
create unique index payout_accounts_current on payout_accounts (applicant_id) where replaced_at is null;
create index payout_accounts_to_check on payout_accounts (linked_at)
    where status = 'diperiksa' and replaced_at is null;

-- Payouts are sent under references of their own: a new one only after the rail refused the
-- last (an unknown outcome is asked about, never sent anew under another reference).
alter table incentive_payouts add column next_attempt smallint not null default 1 check (next_attempt >= 1);
alter table incentive_payouts add unique (applicant_id, installment, amount);

-- Every transfer asked of the rail, by its reference (the rail's idempotency key). While its
-- outcome is unknown (`outcome` null) the payout job asks the rail about it before anything
-- else. At most one open and at most one paid transfer per installment, whatever the workers do.
create table incentive_transfers (
    reference text primary key,
    applicant_id uuid not null,
    installment smallint not null,
    amount bigint not null,
    payout_account_id bigint not null references payout_accounts (id),
    requested_at timestamptz not null,
    outcome text check (outcome in ('dibayar', 'ditolak')),
    -- The rail's time of the outcome: the day its statement lists it under.
    settled_at timestamptz,
    rail_reference text,
    refusal_reason text check (length(refusal_reason) <= 500),
    foreign key (applicant_id, installment, amount)
        references incentive_payouts (applicant_id, installment, amount),
    check ((outcome is null) = (settled_at is null)),
    check ((outcome is null) = (rail_reference is null)),
    check ((outcome = 'ditolak') = (refusal_reason is not null))
);
create unique index incentive_transfers_one_open on incentive_transfers (applicant_id, installment)
    where outcome is null;
create unique index incentive_transfers_one_paid on incentive_transfers (applicant_id, installment)
    where outcome = 'dibayar';
create index incentive_transfers_by_installment on incentive_transfers (applicant_id, installment);
create index incentive_transfers_settled on incentive_transfers (settled_at);

-- The daily reconciliation: the ledger's transfers of a day (WIB) against the rail's statement
-- of that day, and every difference found. Run again, a day's findings are replaced.
create table reconciliations (
    day date primary key,
    ran_at timestamptz not null,
    rail_transfers integer not null check (rail_transfers >= 0),
    ledger_transfers integer not null check (ledger_transfers >= 0),
    differences integer not null check (differences >= 0)
);
create table reconciliation_differences (
    day date not null references reconciliations (day) on delete cascade,
    reference text not null,
    kind text not null check (kind in ('hanya-di-rail', 'hanya-di-buku', 'status-beda', 'jumlah-beda')),
    ledger text,
    rail text,
    primary key (day, reference)
);
