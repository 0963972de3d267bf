-- "This is a shared device", chosen on the first page: nothing personal is kept in the browser.
alter table sessions add column shared_device boolean not null default false;

-- A form posted after the session expired (JavaScript off): kept here while the applicant signs
-- in again, then put back into the form.
alter table sessions add column carried_form jsonb;
