-- Finishing a training: progress and completion reported by the partner platforms (signed
-- requests), and the certificate a completion gives (app::completion).

-- A platform's API keys. The secret is never stored: it is derived from the server's secret
-- and the key id (HMAC), shown once when the key is made. A leaked database gives no
-- platform's secret; rotating means a new key and revoking the old one.
create table platform_keys (
    key_id text primary key check (key_id ~ '^pk_[a-z0-9]{20}$'),
    platform_code text not null references platforms (code),
    created_at timestamptz not null,
    created_by text not null,
    revoked_at timestamptz
);
create index platform_keys_by_platform on platform_keys (platform_code);

-- Where a purchase's training stands, as its platform reported it.
alter table purchases
    add column started_at timestamptz,
    add column progress_percent smallint not null default 0 check (progress_percent between 0 and 100),
    add column completed_at timestamptz,
    add constraint purchases_started_before_completed check (completed_at is null or completed_at >= started_at),
    add constraint purchases_completed_in_full check (completed_at is null or progress_percent = 100);

-- Every event a platform sent, once: the platform's event id makes a resent event (a retry
-- after a lost response, or a replayed request) change nothing.
create table platform_events (
    platform_code text not null references platforms (code),
    event_id text not null check (length(event_id) between 1 and 100),
    purchase_id uuid not null references purchases (id),
    kind text not null check (kind in ('mulai', 'kemajuan', 'selesai')),
    progress_percent smallint not null check (progress_percent between 0 and 100),
    occurred_at timestamptz not null,
    received_at timestamptz not null,
    -- SHA-256 of the request body: the same event id with another body is refused.
    body_digest char(64) not null check (body_digest ~ '^[0-9a-f]{64}$'),
    primary key (platform_code, event_id)
);
create index platform_events_by_purchase on platform_events (purchase_id);

-- An electronic certificate, one per completed purchase. The code is random (unguessable) and
-- is what the public verification page and the QR code carry.
create table certificates (
    code text primary key check (code ~ '^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$'),
    purchase_id uuid not null unique references purchases (id),
    issued_at timestamptz not null,
    revoked_at timestamptz,
    revoked_reason text check (length(revoked_reason) between 5 and 500),
    check ((revoked_at is null) = (revoked_reason is null))
);
