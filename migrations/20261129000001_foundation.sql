-- Foundation: accounts, sign-in codes, sessions, the outbox, the registration schedule,
-- applicants and the constraints that back the signup rules.

-- Reference data (under Citus these become reference tables, copied to every node).
create table provinces (
    code char(2) primary key check (code ~ '^[0-9]{2}$'),
    name text not null unique
);

insert into provinces (code, name) values
    ('11', 'Aceh'), ('12', 'Sumatera Utara'), ('13', 'Sumatera Barat'), ('14', 'Riau'), ('15', 'Jambi'),
    ('16', 'Sumatera Selatan'), ('17', 'Bengkulu'), ('18', 'Lampung'), ('19', 'Kepulauan Bangka Belitung'),
    ('21', 'Kepulauan Riau'), ('31', 'DKI Jakarta'), ('32', 'Jawa Barat'), ('33', 'Jawa Tengah'),
    ('34', 'DI Yogyakarta'), ('35', 'Jawa Timur'), ('36', 'Banten'), ('51', 'Bali'),
    ('52', 'Nusa Tenggara Barat'), ('53', 'Nusa Tenggara Timur'), ('61', 'Kalimantan Barat'),
    ('62', 'Kalimantan Tengah'), ('63', 'Kalimantan Selatan'), ('64', 'Kalimantan Timur'),
    ('65', 'Kalimantan Utara'), ('71', 'Sulawesi Utara'), ('72', 'Sulawesi Tengah'),
    ('73', 'Sulawesi Selatan'), ('74', 'Sulawesi Tenggara'), ('75', 'Gorontalo'), ('76', 'Sulawesi Barat'),
    ('81', 'Maluku'), ('82', 'Maluku Utara'), ('91', 'Papua'), ('92', 'Papua Barat'), ('93', 'Papua Selatan'),
    ('94', 'Papua Tengah'), ('95', 'Papua Pegunungan'), ('96', 'Papua Barat Daya');

create table training_categories (
    code text primary key,
    name text not null unique
);

insert into training_categories (code, name) values
    ('pemasaran-digital', 'Pemasaran digital'), ('bahasa-inggris-kerja', 'Bahasa Inggris untuk kerja'),
    ('barista', 'Barista dan minuman'), ('menjahit', 'Menjahit dan tata busana'),
    ('pembukuan-umkm', 'Pembukuan usaha mikro'), ('jualan-online', 'Jualan online'),
    ('pemrograman-web', 'Pemrograman web'), ('pengemudi-daring', 'Pengemudi transportasi daring'),
    ('pengolahan-makanan', 'Pengolahan makanan'), ('desain-grafis', 'Desain grafis'),
    ('tata-rias', 'Tata rias dan kecantikan'), ('administrasi-perkantoran', 'Administrasi perkantoran'),
    ('teknisi-listrik', 'Teknisi listrik dan elektronik'), ('pertanian-modern', 'Pertanian dan peternakan modern'),
    ('layanan-pelanggan', 'Layanan pelanggan'), ('fotografi-video', 'Fotografi dan video'),
    ('kewirausahaan', 'Kewirausahaan');

-- Registration schedule, in the program's time zone (Asia/Jakarta, WIB).
-- A weekly rule opens registration on an ISO weekday (1 = Monday) between two local times.
create table registration_weekly_hours (
    id bigint generated always as identity primary key,
    iso_weekday smallint not null check (iso_weekday between 1 and 7),
    opens_at time not null,
    closes_at time not null,
    check (closes_at > opens_at),
    unique (iso_weekday, opens_at)
);

-- The article's schedule: every week, Monday to Thursday, 08:00-16:00 WIB.
insert into registration_weekly_hours (iso_weekday, opens_at, closes_at) values
    (1, '08:00', '16:00'), (2, '08:00', '16:00'), (3, '08:00', '16:00'), (4, '08:00', '16:00');

-- Exceptions override the weekly rules: 'closed' (holidays) wins over everything, 'open'
-- (extra days) opens registration outside the weekly hours.
create table registration_exceptions (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('open', 'closed')),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    note text not null check (length(note) between 1 and 200),
    created_at timestamptz not null default now(),
    check (ends_at > starts_at)
);
create index registration_exceptions_ends_at on registration_exceptions (ends_at);

-- Accounts: one per email address (normalised to lower case by the domain type).
create table accounts (
    id uuid primary key,
    email text not null unique check (email = lower(email) and length(email) <= 254),
    created_at timestamptz not null default now()
);

-- One-time sign-in codes. Only an HMAC of the code is stored.
create table sign_in_challenges (
    id uuid primary key,
    email text not null,
    code_hash bytea not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    failed_attempts smallint not null default 0 check (failed_attempts between 0 and 5),
    consumed_at timestamptz,
    check (expires_at > created_at)
);
create index sign_in_challenges_expires_at on sign_in_challenges (expires_at);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored, so a
-- leaked table cannot be replayed as cookies.
create table sessions (
    token_hash bytea primary key check (length(token_hash) = 32),
    account_id uuid references accounts (id) on delete cascade,
    challenge_id uuid references sign_in_challenges (id) on delete set null,
    -- Errors and values of the last form posted without JavaScript, shown once on the next page.
    flash jsonb,
    -- Where to return after signing in (a local path, never personal data).
    return_to text check (return_to like '/%'),
    created_at timestamptz not null,
    expires_at timestamptz not null,
    check (expires_at > created_at)
);
create index sessions_expires_at on sessions (expires_at);
create index sessions_account_id on sessions (account_id);

-- Fixed-window counters for rate limits (code sending, sign-in attempts). Keys are HMACs, never
-- raw email addresses or IP addresses.
create table rate_limit_windows (
    key text primary key,
    window_started_at timestamptz not null,
    hits integer not null check (hits >= 0)
);

-- Outgoing messages, written in the same transaction as the change that causes them and sent
-- by a worker (SMTP when configured; otherwise kept for the development mailbox page).
create table outbox_messages (
    id bigint generated always as identity primary key,
    channel text not null check (channel in ('email')),
    recipient text not null,
    subject text not null,
    body text,
    created_at timestamptz not null default now(),
    available_at timestamptz not null default now(),
    attempts integer not null default 0 check (attempts >= 0),
    sent_at timestamptz,
    last_error text
);
create index outbox_messages_pending on outbox_messages (available_at) where sent_at is null;

-- Applicants. `id` is the pseudonymous applicant id (published in wave draws, never the NIK).
create table applicants (
    id uuid primary key,
    account_id uuid not null unique references accounts (id),
    reference text not null unique check (reference ~ '^PK-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
    nik char(16) not null check (nik ~ '^[0-9]{16}$'),
    kk char(16) not null check (kk ~ '^[0-9]{16}$' and kk <> nik),
    full_name text not null check (length(full_name) between 2 and 100),
    birth_date date not null,
    gender char(1) not null check (gender in ('L', 'P')),
    birth_place text not null,
    province_code char(2) not null references provinces (code),
    city text not null,
    mobile text not null check (mobile ~ '^\+628[0-9]{8,11}$'),
    education text not null,
    employment_status text not null check (employment_status in
        ('pencari-kerja', 'korban-phk', 'pekerja-terdampak-covid', 'umk-terdampak-covid', 'pekerja')),
    interests text[] not null check (cardinality(interests) between 1 and 5),
    registered_at timestamptz not null
);
create index applicants_registered_at on applicants (registered_at);

-- A NIK can register once. The rule lives in its own table keyed by NIK so that it stays a
-- single-shard constraint when the database is distributed (Citus: distribute by nik).
create table nik_claims (
    nik char(16) primary key,
    applicant_id uuid not null unique references applicants (id) on delete cascade
);

-- At most two NIKs per family card: a card has two numbered slots, so a third signup finds
-- both taken whatever the timing. Keyed by KK (Citus: distribute by kk).
create table family_card_slots (
    kk char(16) not null,
    slot smallint not null check (slot in (1, 2)),
    applicant_id uuid not null unique references applicants (id) on delete cascade,
    primary key (kk, slot)
);

-- Signup answers saved step by step (the form works without JavaScript, one step per page).
create table signup_drafts (
    account_id uuid primary key references accounts (id) on delete cascade,
    draft jsonb not null,
    updated_at timestamptz not null
);

-- Idempotency keys: a retried submission returns the stored outcome instead of acting twice.
create table idempotency_keys (
    key uuid primary key,
    account_id uuid not null references accounts (id) on delete cascade,
    operation text not null,
    outcome jsonb,
    created_at timestamptz not null default now()
);
create index idempotency_keys_created_at on idempotency_keys (created_at);

-- Append-only audit log of operator actions (who, what, when, before/after).
create table audit_log (
    id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    actor text not null,
    action text not null,
    subject text not null,
    before jsonb,
    after jsonb
);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end;
$$;

create trigger audit_log_no_update before update or delete on audit_log
    for each row execute function audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_is_append_only();
