-- Operators: the program's staff, who sign in with a password (argon2id) and act in a role.
create table operators (
    id uuid primary key,
    username text not null unique check (username ~ '^[a-z0-9._-]{3,40}$'),
    display_name text not null check (length(display_name) between 1 and 100),
    password_hash text not null check (password_hash like '$argon2id$%'),
    role text not null check (role in ('verifikator', 'admin-program')),
    created_at timestamptz not null,
    disabled_at timestamptz
);
