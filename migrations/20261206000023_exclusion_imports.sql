-- Exclusion-list imports from the console or the command line: one row per file, its progress
-- written as the file streams in (outside the import's own transaction, so other pages see it),
-- its outcome when it is done, and the lines it rejected (number and reason, never the line's
-- text: a rejected line may still hold someone's NIK).
create table exclusion_imports (
    id bigint generated always as identity primary key,
    source text not null check (length(source) between 1 and 200),
    actor text not null check (length(actor) between 1 and 200),
    started_at timestamptz not null,
    -- The request's length, when the client said it (progress is shown against it).
    bytes_expected bigint check (bytes_expected >= 0),
    bytes_read bigint not null default 0 check (bytes_read >= 0),
    lines_read bigint not null default 0 check (lines_read >= 0),
    -- The database's clock: an import whose progress stopped a while ago was cut off.
    progress_at timestamptz not null default now(),
    finished_at timestamptz,
    added bigint check (added >= 0),
    changed bigint check (changed >= 0),
    unchanged bigint check (unchanged >= 0),
    rejected bigint check (rejected >= 0),
    check ((finished_at is null) = (added is null) and (added is null) = (changed is null)
           and (changed is null) = (unchanged is null) and (unchanged is null) = (rejected is null))
);
create index exclusion_imports_newest on exclusion_imports (started_at desc);

create table exclusion_import_rejections (
    import_id bigint not null references exclusion_imports (id) on delete cascade,
    line bigint not null check (line > 0),
    reason text not null check (length(reason) between 1 and 300),
    primary key (import_id, line)
);
