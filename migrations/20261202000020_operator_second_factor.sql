-- A second factor for every operator (ASVS 2.8): a time-based one-time password (RFC 6238) from
-- an authenticator app, enrolled in the console with a QR code, with single-use recovery codes.

-- The TOTP secret is stored sealed: XOR-ed with a key stream derived from the portal's secret,
-- the operator and a fresh nonce, so a copy of the database alone does not give the codes.
-- `totp_last_step` is the last time step accepted: a code is used once (ASVS 2.8.4).
alter table operators
    add column totp_sealed bytea check (octet_length(totp_sealed) = 20),
    add column totp_nonce bytea check (octet_length(totp_nonce) = 16),
    add column totp_enrolled_at timestamptz,
    add column totp_last_step bigint,
    add constraint operators_totp_sealed_with_nonce check ((totp_sealed is null) = (totp_nonce is null)),
    add constraint operators_totp_enrolled_has_secret check (totp_enrolled_at is null or totp_sealed is not null);

-- A session of an operator counts only once the second factor is given.
alter table sessions add column second_factor_at timestamptz;

-- Recovery codes: an HMAC of each (with the portal's secret), each usable once.
create table operator_recovery_codes (
    operator_id uuid not null references operators (id) on delete cascade,
    code_hash bytea not null check (octet_length(code_hash) = 32),
    used_at timestamptz,
    primary key (operator_id, code_hash)
);
