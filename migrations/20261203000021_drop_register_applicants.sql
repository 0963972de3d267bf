-- `register_applicants` (the first batch function, 20261129000005) is called by nothing since
-- `register_signups` (20261129000011) took its place: the signup queue calls `register_signups`,
-- which hands the unusual signups to `register_applicant`.
drop function if exists register_applicants(
    uuid[], uuid[], uuid[], text[], text[], text[], text[], date[], text[], text[], text[], text[], text[], text[],
    text[], text[], timestamp with time zone[]
);
