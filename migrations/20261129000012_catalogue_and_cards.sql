-- The training catalogue (platforms, providers, trainings), participants' cards and purchases.

-- Trigram search finds a title from a misspelt or partial word; pg_trgm is a trusted extension,
-- so the database's owner may create it.
create extension if not exists pg_trgm;

-- The partner digital platforms (the 8 of 2020). Operators import trainings per platform.
create table platforms (
    code text primary key check (code ~ '^[a-z0-9-]{2,40}$'),
    name text not null unique check (length(name) between 2 and 100)
);
insert into platforms (code, name) values
    ('tokopedia', 'Tokopedia'), ('bukalapak', 'Bukalapak'), ('skill-academy', 'Skill Academy'),
    ('maubelajarapa', 'MauBelajarApa'), ('pintaria', 'Pintaria'), ('sekolahmu', 'Sekolahmu'),
    ('pijar-mahir', 'Pijar Mahir'), ('sisnaker', 'Sisnaker');

-- Training providers (lembaga pelatihan). A provider owned by the platform that sells its
-- trainings has a conflict of interest, which the catalogue shows.
create table providers (
    id integer generated always as identity primary key,
    name text not null unique check (length(name) between 2 and 150),
    owned_by_platform text references platforms (code)
);

-- The mean of a distribution of 1-5 star ratings ({ones, twos, threes, fours, fives}); null
-- when there is none.
create function rating_mean(counts integer[]) returns numeric language sql immutable parallel safe as $$
    select (counts[1] + 2 * counts[2] + 3 * counts[3] + 4 * counts[4] + 5 * counts[5])::numeric
           / nullif(counts[1] + counts[2] + counts[3] + counts[4] + counts[5], 0)
$$;

create table trainings (
    id integer generated always as identity primary key,
    platform_code text not null references platforms (code),
    -- The platform's own id: imports are idempotent by it.
    platform_course_id text not null check (length(platform_course_id) between 1 and 100),
    provider_id integer not null references providers (id),
    category_code text not null references training_categories (code),
    title text not null check (length(title) between 3 and 200),
    description text not null check (length(description) between 1 and 5000),
    -- Rupiah, whole.
    price bigint not null check (price between 0 and 100000000),
    hours smallint not null check (hours between 1 and 1000),
    mode text not null check (mode in ('video-mandiri', 'webinar-langsung', 'campuran')),
    level text not null check (level in ('pemula', 'menengah', 'mahir')),
    outcomes text[] not null check (cardinality(outcomes) between 1 and 10),
    -- Ratings, filled by the reviews feature: how many reviews gave 1, 2, 3, 4 and 5 stars.
    rating_counts integer[] not null default '{0,0,0,0,0}'
        check (cardinality(rating_counts) = 5 and 0 <= all (rating_counts)),
    purchases integer not null default 0 check (purchases >= 0),
    hidden_at timestamptz,
    hidden_reason text check (hidden_reason is null or length(hidden_reason) between 1 and 500),
    check ((hidden_at is null) = (hidden_reason is null)),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    -- Indonesian stemming (PostgreSQL's snowball "indonesian"): "pemasaran" finds "pasar".
    search tsvector generated always as (
        setweight(to_tsvector('indonesian', title), 'A') || setweight(to_tsvector('indonesian', description), 'B')
    ) stored,
    unique (platform_code, platform_course_id)
);
create index trainings_search on trainings using gin (search);
create index trainings_title_trigrams on trainings using gin (title gin_trgm_ops);
create index trainings_visible_by_category on trainings (category_code, price) where hidden_at is null;

-- A participant's card: selected in a wave, a 16-digit number and a training balance. One card
-- per applicant. The balance can never go below zero, whatever the timing of purchases.
create table cards (
    id uuid primary key,
    applicant_id uuid not null unique references applicants (id),
    wave_id integer not null references waves (id),
    card_number char(16) not null unique check (card_number ~ '^[0-9]{16}$'),
    initial_balance bigint not null check (initial_balance >= 0),
    balance bigint not null check (balance >= 0 and balance <= initial_balance),
    accepted_at timestamptz not null,
    -- The first purchase must happen by then, or the card is revoked and its balance returned.
    first_purchase_due_at timestamptz not null check (first_purchase_due_at > accepted_at),
    -- Set by the first purchase, on this row, so that the revocation job and a purchase racing
    -- it see each other (a purchase row inserted concurrently would be invisible to the job).
    first_purchased_at timestamptz check (first_purchased_at >= accepted_at),
    revoked_at timestamptz,
    returned_balance bigint check (returned_balance >= 0),
    check ((revoked_at is null) = (returned_balance is null)),
    check (revoked_at is null or balance = 0)
);
-- The revocation job looks only at cards that may be due.
create index cards_unrevoked_by_due on cards (first_purchase_due_at) where revoked_at is null and first_purchased_at is null;

-- A training bought with a card. A retried purchase carries the same idempotency key and finds
-- this row instead of charging again; a card buys a training once.
create table purchases (
    id uuid primary key,
    card_id uuid not null references cards (id),
    training_id integer not null references trainings (id),
    price bigint not null check (price >= 0),
    idempotency_key uuid not null,
    -- Given to the platform to start the training; unguessable.
    voucher_code text not null unique check (voucher_code ~ '^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$'),
    purchased_at timestamptz not null,
    unique (card_id, idempotency_key),
    unique (card_id, training_id)
);
create index purchases_by_training on purchases (training_id);
