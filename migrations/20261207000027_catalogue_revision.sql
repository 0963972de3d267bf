-- Every portal process searches the catalogue from a snapshot in memory. The catalogue's
-- revision counts its edits (imports, hidden and shown trainings, providers' owners, platform
-- names), bumped by statement triggers in the editing transaction, and each edit notifies
-- `catalogue_changed` when it commits. The counters (purchases, ratings) are left out: they
-- change with every purchase and review, and a notice takes a database-wide lock at commit; the
-- processes' version check digests them instead.
create table catalogue_revision (
    only_row boolean primary key default true check (only_row),
    revision bigint not null
);
insert into catalogue_revision (only_row, revision) values (true, 0);

create function catalogue_edited() returns trigger language plpgsql as $$
begin
    update catalogue_revision set revision = revision + 1;
    perform pg_notify('catalogue_changed', '');
    return null;
end
$$;

create trigger trainings_added_or_removed after insert or delete or truncate on trainings
    for each statement execute function catalogue_edited();
create trigger trainings_edited
    after update of platform_code, provider_id, category_code, title, description, price, hours, mode, level,
        outcomes, hidden_at
    on trainings for each statement execute function catalogue_edited();
create trigger providers_edited after insert or delete or truncate or update of name, owned_by_platform on providers
    for each statement execute function catalogue_edited();
create trigger platforms_edited after insert or delete or truncate or update of code, name on platforms
    for each statement execute function catalogue_edited();
