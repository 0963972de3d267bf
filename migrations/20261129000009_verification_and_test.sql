-- Verification of applicants (automatic checks in a durable job, a manual queue for operators)
-- and the short online test.

-- A session belongs to an applicant's account or to an operator, never both.
alter table sessions add column operator_id uuid references operators (id) on delete cascade;
alter table sessions add constraint sessions_one_kind_of_user check (account_id is null or operator_id is null);

-- One automatic-verification job per applicant, claimed with FOR UPDATE SKIP LOCKED, so any
-- number of app servers work through it side by side and a restart loses nothing.
create table verification_jobs (
    applicant_id uuid primary key references applicants (id) on delete cascade,
    available_at timestamptz not null,
    attempts integer not null default 0 check (attempts >= 0),
    last_error text
);

-- Applicants who signed up before this migration are checked too.
insert into verification_jobs (applicant_id, available_at) select id, registered_at from applicants;

-- The current decision on each applicant. `decided_by` is null when the automatic checks
-- decided; operators' decisions (and what they replaced) are in the audit log.
create table verifications (
    applicant_id uuid primary key references applicants (id) on delete cascade,
    status text not null check (status in ('terverifikasi', 'ditolak', 'periksa-manual')),
    -- Reason codes (app::verification::Reason): a refusal or a manual case always says why.
    reasons text[] not null,
    check ((status = 'terverifikasi') = (cardinality(reasons) = 0)),
    decided_by uuid references operators (id),
    decided_at timestamptz not null
);
create index verifications_status on verifications (status, decided_at);

-- Waves (gelombang). The test is taken for the wave whose joining window has not closed yet;
-- quotas and the draw come with the waves feature.
create table waves (
    id integer generated always as identity primary key,
    name text not null unique check (length(name) between 1 and 100),
    join_opens_at timestamptz not null,
    join_closes_at timestamptz not null,
    created_at timestamptz not null,
    check (join_closes_at > join_opens_at)
);

-- The question bank. Answer keys live only here and in the server's code; the browser gets a
-- question's prompt and options, never `correct_option`.
create table test_questions (
    id integer generated always as identity primary key,
    code text not null unique,
    section text not null check (section in ('numerasi', 'verbal', 'logika', 'motivasi')),
    prompt text not null unique,
    options text[] not null check (cardinality(options) between 2 and 5),
    correct_option smallint,
    -- Motivation statements: agreeing shows low motivation.
    reversed boolean not null default false,
    check ((section = 'motivasi') = (correct_option is null)),
    check (correct_option is null or correct_option between 0 and cardinality(options) - 1)
);

-- An operator's permission for one more attempt in a wave (audited).
create table test_attempt_grants (
    id uuid primary key,
    applicant_id uuid not null references applicants (id) on delete cascade,
    wave_id integer not null references waves (id),
    granted_by uuid not null references operators (id),
    reason text not null check (length(reason) between 1 and 500),
    granted_at timestamptz not null,
    unique (id, applicant_id, wave_id)
);

create table test_attempts (
    id uuid primary key,
    applicant_id uuid not null references applicants (id) on delete cascade,
    wave_id integer not null references waves (id),
    -- The first attempt in a wave needs no grant; each further one uses a grant, once.
    grant_id uuid unique,
    foreign key (grant_id, applicant_id, wave_id) references test_attempt_grants (id, applicant_id, wave_id),
    -- The questions drawn for this applicant, in the order they are shown.
    question_ids integer[] not null check (cardinality(question_ids) = 18),
    started_at timestamptz not null,
    -- Enforced by the server: no answer is taken after it.
    deadline_at timestamptz not null check (deadline_at > started_at),
    finished_at timestamptz,
    ability_score smallint check (ability_score >= 0),
    ability_total smallint check (ability_total > 0),
    motivation_score smallint,
    pass_mark smallint,
    passed boolean,
    check ((finished_at is null) = (passed is null)),
    check ((finished_at is null) = (ability_score is null))
);
create unique index test_attempts_first_in_wave on test_attempts (applicant_id, wave_id) where grant_id is null;
create unique index test_attempts_one_unfinished on test_attempts (applicant_id) where finished_at is null;

-- Answers, saved one by one as they are given. The first answer to a question stands (a
-- replayed post changes nothing).
create table test_answers (
    attempt_id uuid not null references test_attempts (id) on delete cascade,
    position smallint not null check (position between 1 and 18),
    chosen_option smallint not null check (chosen_option between 0 and 4),
    answered_at timestamptz not null,
    primary key (attempt_id, position)
);
