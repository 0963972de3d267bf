//! The test in PostgreSQL: the bank, attempts, answers and scoring.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::{
    bank, AnswerChoice, QuestionView, Section, TestResult, TestView, COMPOSITION, LIKERT_SCALE, QUESTIONS_PER_TEST,
    TIME_LIMIT_MINUTES,
};
use crate::{domain::VerificationStatus, error::AppError, state::AppState};

/// Loads the question bank (idempotent: questions are keyed by their code). Returns how many
/// questions were added.
pub async fn load_bank(pool: &PgPool) -> Result<u64, AppError> {
    let mut codes = Vec::new();
    let mut sections = Vec::new();
    let mut prompts = Vec::new();
    // Options as one JSON array per question: unnest cannot take an array of arrays of varying length.
    let mut options = Vec::new();
    let mut correct = Vec::new();
    let mut reversed = Vec::new();
    for item in bank::ability_items() {
        codes.push(item.code);
        sections.push(item.section.code().to_owned());
        prompts.push(item.prompt);
        options.push(serde_json::json!(item.options));
        correct.push(Some(i16::try_from(item.correct).map_err(AppError::internal)?));
        reversed.push(false);
    }
    for statement in bank::motivation_statements() {
        codes.push(statement.code);
        sections.push(Section::Motivation.code().to_owned());
        prompts.push(statement.text);
        options.push(serde_json::json!(LIKERT_SCALE));
        correct.push(None);
        reversed.push(statement.reversed);
    }
    let added = sqlx::query!(
        r#"insert into test_questions (code, section, prompt, options, correct_option, reversed)
           select code, section, prompt, array(select jsonb_array_elements_text(options)), correct_option, reversed
           from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::smallint[], $6::bool[])
                as q (code, section, prompt, options, correct_option, reversed)
           on conflict (code) do nothing"#,
        &codes,
        &sections,
        &prompts,
        &options,
        &correct as &[Option<i16>],
        &reversed
    )
    .execute(pool)
    .await?;
    Ok(added.rows_affected())
}

/// The wave an applicant takes the test for: the one whose joining window is open now.
pub async fn open_wave(executor: impl PgExecutor<'_>, now: DateTime<Utc>) -> Result<Option<(i32, String)>, AppError> {
    Ok(sqlx::query!(
        "select id, name from waves where join_opens_at <= $1 and join_closes_at > $1 order by join_opens_at limit 1",
        now
    )
    .fetch_optional(executor)
    .await?
    .map(|w| (w.id, w.name)))
}

/// The wave this applicant takes the test for now: an open wave where an operator granted them
/// another attempt they have not used, else the open wave that opened first (joining windows may
/// overlap, and a grant must not be lost to a wave opened later).
async fn wave_for_test(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(i32, String)>, AppError> {
    Ok(sqlx::query!(
        r#"select w.id, w.name from waves w
           where w.join_opens_at <= $1 and w.join_closes_at > $1
           order by exists (
                        select 1 from test_attempt_grants g
                        where g.applicant_id = $2 and g.wave_id = w.id
                          and not exists (select 1 from test_attempts t where t.grant_id = g.id)
                    ) desc,
                    w.join_opens_at
           limit 1"#,
        now,
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|w| (w.id, w.name)))
}

/// The applicant behind an account, and whether they are verified.
async fn applicant(conn: &mut PgConnection, account_id: Uuid) -> Result<Option<(Uuid, bool)>, AppError> {
    Ok(sqlx::query!(
        r#"select a.id, v.status as "status?" from applicants a
           left join verifications v on v.applicant_id = a.id where a.account_id = $1"#,
        account_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| (r.id, r.status.as_deref() == Some(VerificationStatus::Verified.code()))))
}

struct Unfinished {
    id: Uuid,
    deadline_at: DateTime<Utc>,
}

async fn unfinished_attempt(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Option<Unfinished>, AppError> {
    Ok(sqlx::query!(
        "select id, deadline_at from test_attempts where applicant_id = $1 and finished_at is null for update",
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| Unfinished {
        id: r.id,
        deadline_at: r.deadline_at,
    }))
}

async fn unused_grant(conn: &mut PgConnection, applicant_id: Uuid, wave_id: i32) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select g.id from test_attempt_grants g
           where g.applicant_id = $1 and g.wave_id = $2
             and not exists (select 1 from test_attempts t where t.grant_id = g.id)
           order by g.granted_at limit 1"#,
        applicant_id,
        wave_id
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// What /tes shows now. An attempt whose deadline has passed is scored on the way.
pub async fn current_view(state: &AppState, account_id: Uuid) -> Result<TestView, AppError> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let Some((applicant_id, verified)) = applicant(&mut tx, account_id).await? else {
        return Ok(TestView::NotRegistered);
    };
    if !verified {
        return Ok(TestView::NotVerified);
    }
    if let Some(attempt) = unfinished_attempt(&mut tx, applicant_id).await? {
        if attempt.deadline_at > now {
            if let Some(question) = next_question(&mut tx, attempt.id, attempt.deadline_at - now).await? {
                tx.commit().await?;
                return Ok(TestView::Question(question));
            }
            finish(&mut tx, attempt.id, now, state.settings.test_pass_mark).await?;
        } else {
            finish(&mut tx, attempt.id, attempt.deadline_at, state.settings.test_pass_mark).await?;
        }
    }
    let wave = wave_for_test(&mut tx, applicant_id, now).await?;
    let latest = latest_result(&mut tx, applicant_id).await?;
    let view = match (wave, latest) {
        (Some((wave_id, wave_name)), latest) => {
            if unused_grant(&mut tx, applicant_id, wave_id).await?.is_some() {
                TestView::Ready {
                    wave_name,
                    retake: true,
                }
            } else {
                match latest {
                    // This wave's result, or a pass from an earlier wave (it carries over).
                    Some((result_wave, result)) if result_wave == wave_id || result.passed => {
                        TestView::Finished(result)
                    }
                    _ => TestView::Ready {
                        wave_name,
                        retake: false,
                    },
                }
            }
        }
        (None, Some((_, result))) => TestView::Finished(result),
        (None, None) => TestView::NoOpenWave,
    };
    tx.commit().await?;
    Ok(view)
}

/// The first unanswered question of an attempt, or `None` when all are answered.
async fn next_question(
    conn: &mut PgConnection,
    attempt_id: Uuid,
    remaining: Duration,
) -> Result<Option<QuestionView>, AppError> {
    let row = sqlx::query!(
        r#"select u.position as "position!", q.section, q.prompt, q.options
           from test_attempts t
           cross join unnest(t.question_ids) with ordinality as u (question_id, position)
           join test_questions q on q.id = u.question_id
           where t.id = $1
             and not exists (select 1 from test_answers a where a.attempt_id = t.id and a.position = u.position)
           order by u.position limit 1"#,
        attempt_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(QuestionView {
        attempt: attempt_id.to_string(),
        position: u8::try_from(row.position).map_err(AppError::internal)?,
        total: QUESTIONS_PER_TEST as u8,
        section: Section::parse(&row.section).map_err(AppError::internal)?,
        prompt: row.prompt,
        options: row.options,
        remaining_seconds: remaining.num_seconds(),
        errors: Default::default(),
    }))
}

/// The applicant's most recent finished attempt, with its wave.
async fn latest_result(conn: &mut PgConnection, applicant_id: Uuid) -> Result<Option<(i32, TestResult)>, AppError> {
    let row = sqlx::query!(
        r#"select t.wave_id, w.name as wave_name, t.ability_score as "ability_score!", t.ability_total as "ability_total!",
                  t.pass_mark as "pass_mark!", t.passed as "passed!", t.finished_at as "finished_at!", t.deadline_at,
                  (select count(*) from test_answers a where a.attempt_id = t.id) as "answered!"
           from test_attempts t join waves w on w.id = t.wave_id
           where t.applicant_id = $1 and t.finished_at is not null
           order by t.finished_at desc limit 1"#,
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| {
        let answered = i16::try_from(r.answered).unwrap_or(i16::MAX);
        (
            r.wave_id,
            TestResult {
                ability_score: r.ability_score,
                ability_total: r.ability_total,
                pass_mark: r.pass_mark,
                passed: r.passed,
                answered,
                timed_out: r.finished_at >= r.deadline_at
                    && usize::try_from(answered).unwrap_or(0) < QUESTIONS_PER_TEST,
                wave_name: r.wave_name,
            },
        )
    }))
}

/// Scores an attempt and closes it. Unanswered ability questions count as wrong.
pub async fn finish(
    conn: &mut PgConnection,
    attempt_id: Uuid,
    finished_at: DateTime<Utc>,
    pass_mark: i16,
) -> Result<(), AppError> {
    let score = sqlx::query!(
        r#"select count(*) filter (where q.correct_option is not null) as "total!",
                  count(*) filter (where a.chosen_option = q.correct_option) as "correct!",
                  coalesce(sum(case when q.section = 'motivasi' then
                      case when q.reversed then 5 - a.chosen_option else a.chosen_option + 1 end end), 0) as "motivation!"
           from test_attempts t
           cross join unnest(t.question_ids) with ordinality as u (question_id, position)
           join test_questions q on q.id = u.question_id
           left join test_answers a on a.attempt_id = t.id and a.position = u.position
           where t.id = $1"#,
        attempt_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let correct = i16::try_from(score.correct).map_err(AppError::internal)?;
    sqlx::query!(
        r#"update test_attempts set finished_at = $2, ability_score = $3, ability_total = $4, motivation_score = $5,
               pass_mark = $6, passed = $3::smallint >= $6::smallint
           where id = $1 and finished_at is null"#,
        attempt_id,
        finished_at,
        correct,
        i16::try_from(score.total).map_err(AppError::internal)?,
        i16::try_from(score.motivation).map_err(AppError::internal)?,
        pass_mark
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Why an applicant may not start the test now (the sentence shown above the form).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartRefusal {
    #[error("Anda belum terdaftar.")]
    NotRegistered,
    #[error("Tes dapat diikuti setelah data Anda terverifikasi.")]
    NotVerified,
    #[error("Belum ada gelombang yang dibuka.")]
    NoOpenWave,
    #[error("Anda sudah lulus tes.")]
    AlreadyPassed,
    #[error(
        "Anda sudah mengikuti tes untuk gelombang ini. Tes dapat diulang pada gelombang berikutnya, atau bila \
         petugas memberi izin."
    )]
    TakenThisWave,
}

/// Starts (or resumes) the applicant's attempt. `Ok(Err(refusal))`: the applicant may not start.
pub async fn start(state: &AppState, account_id: Uuid) -> Result<Result<(), StartRefusal>, AppError> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let Some((applicant_id, verified)) = applicant(&mut tx, account_id).await? else {
        return Ok(Err(StartRefusal::NotRegistered));
    };
    if !verified {
        return Ok(Err(StartRefusal::NotVerified));
    }
    // Serialises two starts of the same applicant (a double click): the second sees the first.
    sqlx::query!("select id from applicants where id = $1 for update", applicant_id)
        .fetch_one(&mut *tx)
        .await?;
    if unfinished_attempt(&mut tx, applicant_id).await?.is_some() {
        return Ok(Ok(()));
    }
    let Some((wave_id, _)) = wave_for_test(&mut tx, applicant_id, now).await? else {
        return Ok(Err(StartRefusal::NoOpenWave));
    };
    let grant = unused_grant(&mut tx, applicant_id, wave_id).await?;
    if grant.is_none() {
        if let Some((result_wave, result)) = latest_result(&mut tx, applicant_id).await? {
            if result.passed {
                return Ok(Err(StartRefusal::AlreadyPassed));
            }
            if result_wave == wave_id {
                return Ok(Err(StartRefusal::TakenThisWave));
            }
        }
    }
    let sections: Vec<String> = COMPOSITION.iter().map(|(s, _)| s.code().to_owned()).collect();
    let counts: Vec<i64> = COMPOSITION.iter().map(|(_, n)| *n as i64).collect();
    // Drawn per applicant: neighbours see different tests.
    let questions = sqlx::query_scalar!(
        r#"select q.id as "id!" from (
               select id, section, row_number() over (partition by section order by random()) as n from test_questions
           ) q
           join unnest($1::text[], $2::bigint[]) with ordinality as c (section, count, place) on c.section = q.section
           where q.n <= c.count
           order by c.place, q.n"#,
        &sections,
        &counts
    )
    .fetch_all(&mut *tx)
    .await?;
    if questions.len() != QUESTIONS_PER_TEST {
        return Err(AppError::internal("the question bank is not loaded"));
    }
    sqlx::query!(
        r#"insert into test_attempts (id, applicant_id, wave_id, grant_id, question_ids, started_at, deadline_at)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        Uuid::now_v7(),
        applicant_id,
        wave_id,
        grant,
        &questions,
        now,
        now + Duration::minutes(TIME_LIMIT_MINUTES)
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub enum AnswerOutcome {
    Saved,
    Invalid(String),
    /// The deadline had passed: nothing was saved and the attempt is scored.
    TooLate,
}

/// Saves one answer of the applicant's own attempt.
pub async fn answer(
    state: &AppState,
    account_id: Uuid,
    attempt_id: Uuid,
    position: u8,
    raw_choice: &str,
) -> Result<AnswerOutcome, AppError> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let attempt = sqlx::query!(
        r#"select t.deadline_at, t.finished_at,
                  (select cardinality(q.options) from test_questions q where q.id = t.question_ids[$3]) as option_count
           from test_attempts t join applicants a on a.id = t.applicant_id
           where t.id = $1 and a.account_id = $2 for update of t"#,
        attempt_id,
        account_id,
        i32::from(position)
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if attempt.finished_at.is_some() {
        // A page left open after the attempt ended: nothing more is taken.
        return Ok(if now >= attempt.deadline_at {
            AnswerOutcome::TooLate
        } else {
            AnswerOutcome::Saved
        });
    }
    if now >= attempt.deadline_at {
        finish(&mut tx, attempt_id, attempt.deadline_at, state.settings.test_pass_mark).await?;
        tx.commit().await?;
        return Ok(AnswerOutcome::TooLate);
    }
    // No question at that position (a forged post).
    let option_count = attempt.option_count.ok_or(AppError::BadRequest)?;
    let choice = match AnswerChoice::parse(raw_choice, usize::try_from(option_count).unwrap_or(0)) {
        Ok(choice) => choice,
        Err(error) => return Ok(AnswerOutcome::Invalid(error.to_string())),
    };
    sqlx::query!(
        r#"insert into test_answers (attempt_id, position, chosen_option, answered_at) values ($1, $2, $3, $4)
           on conflict (attempt_id, position) do nothing"#,
        attempt_id,
        i16::from(position),
        i16::from(choice.index()),
        now
    )
    .execute(&mut *tx)
    .await?;
    let answered = sqlx::query_scalar!(
        r#"select count(*) as "n!" from test_answers where attempt_id = $1"#,
        attempt_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if usize::try_from(answered).unwrap_or(0) >= QUESTIONS_PER_TEST {
        finish(&mut tx, attempt_id, now, state.settings.test_pass_mark).await?;
    }
    tx.commit().await?;
    Ok(AnswerOutcome::Saved)
}

/// Why an operator's permission for another attempt was not recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    #[error("Tidak ada gelombang yang dibuka.")]
    NoOpenWave,
    #[error("{reference} sudah punya izin tes ulang yang belum dipakai.")]
    UnusedGrant { reference: String },
}

/// An operator's permission for one more attempt in the open wave, recorded in the audit log.
/// `Ok(Err(refusal))`: nothing to grant.
pub async fn grant_attempt(
    pool: &PgPool,
    applicant_id: Uuid,
    operator_id: Uuid,
    actor: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), GrantRefusal>, AppError> {
    let mut tx = pool.begin().await?;
    let Some((wave_id, wave_name)) = open_wave(&mut *tx, now).await? else {
        return Ok(Err(GrantRefusal::NoOpenWave));
    };
    let reference = sqlx::query_scalar!(
        "select reference from applicants where id = $1 for update",
        applicant_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if unused_grant(&mut tx, applicant_id, wave_id).await?.is_some() {
        return Ok(Err(GrantRefusal::UnusedGrant { reference }));
    }
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"insert into test_attempt_grants (id, applicant_id, wave_id, granted_by, reason, granted_at)
           values ($1, $2, $3, $4, $5, $6)"#,
        id,
        applicant_id,
        wave_id,
        operator_id,
        reason,
        now
    )
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        actor,
        "test.grant-attempt",
        &reference,
        None,
        Some(serde_json::json!({ "grant": id, "wave": wave_name, "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
