//! The automatic checks as a durable job. Every signup inserts a row in `verification_jobs`
//! (`register_applicant`, in the signup's own transaction); workers on any app server claim rows with
//! `FOR UPDATE SKIP LOCKED`, gather the facts, decide, store the decision and delete the job in
//! one transaction. A crash before the commit leaves the job for the next worker.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{decide, Facts};
use crate::{
    domain::{ExclusionCategory, Gender},
    error::AppError,
};

/// Claims up to `limit` due jobs for the caller's transaction. Rows another worker holds are
/// skipped, not waited for.
pub async fn claim(conn: &mut PgConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select applicant_id from verification_jobs where available_at <= $1
           order by applicant_id limit $2 for update skip locked"#,
        now,
        limit
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Decides the claimed applicants, stores the decisions and removes their jobs.
pub async fn verify_claimed(conn: &mut PgConnection, applicants: &[Uuid], now: DateTime<Utc>) -> Result<(), AppError> {
    if applicants.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query!(
        r#"select a.id, a.nik, a.birth_date, a.gender, a.registered_at,
                  (select count(*) from family_card_slots s where s.kk = a.kk) as "on_family_card!",
                  exists(select 1 from nik_claims c where c.nik = a.nik and c.applicant_id <> a.id) as "registered_before!",
                  (select e.category from exclusions e where e.nik = a.nik) as exclusion
           from applicants a where a.id = any($1)"#,
        applicants
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    // Reason codes contain no commas; one string per applicant keeps the insert a single statement.
    let mut reasons = Vec::with_capacity(rows.len());
    for row in rows {
        let facts = Facts {
            nik: row.nik,
            birth_date: row.birth_date,
            gender: Gender::parse(&row.gender).map_err(AppError::internal)?,
            registered_on: crate::domain::wib::date_in_program_tz(row.registered_at),
            applicants_on_family_card: u32::try_from(row.on_family_card).unwrap_or(u32::MAX),
            nik_registered_before: row.registered_before,
            exclusion: row.exclusion.as_deref().and_then(|c| ExclusionCategory::parse(c).ok()),
        };
        let (status, codes) = decide(&facts).status_and_reasons();
        ids.push(row.id);
        statuses.push(status.code().to_owned());
        reasons.push(codes.join(","));
    }
    sqlx::query!(
        r#"insert into verifications (applicant_id, status, reasons, decided_at)
           select id, status, string_to_array(reasons, ','), $4
           from unnest($1::uuid[], $2::text[], $3::text[]) as d (id, status, reasons)
           on conflict (applicant_id) do nothing"#,
        &ids,
        &statuses,
        &reasons,
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from verification_jobs where applicant_id = any($1)", applicants)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One worker's turn: claim a batch, decide it, commit. Returns how many applicants it decided.
pub async fn run_batch(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let claimed = claim(&mut tx, now, limit).await?;
    verify_claimed(&mut tx, &claimed, now).await?;
    tx.commit().await?;
    Ok(claimed.len())
}
