//! The automatic checks as a durable job. Every signup inserts a row in `verification_jobs`
//! (`register_applicant`, in the signup's own transaction). A worker on any app server leases a
//! batch (the rows' `available_at` moves ahead under a token of the worker's own, taken with
//! `FOR UPDATE SKIP LOCKED`), asks the civil registry outside any transaction, then in one
//! transaction gathers the other facts, decides, and stores the decisions of the jobs it still
//! holds. A worker that dies leaves its jobs to the next once the lease runs out; one that comes
//! back late records nothing (its token is gone).
//!
//! When the registry cannot answer, the job waits (`last_error` says so, for the funnel) and is
//! tried again after a pause that grows to at most ten minutes: an outage refuses nobody.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    decide,
    registry::{CivilRegistry, RegistryFinding, RegistryUnavailable},
    Decision, Facts,
};
use crate::{
    domain::{ExclusionCategory, Gender, Nik},
    error::AppError,
};

/// `verification_jobs.last_error` of a job waiting for the civil registry.
pub const WAITING_FOR_REGISTRY: &str = "dukcapil-tidak-tersedia";

/// How long a worker holds the jobs it leased before another may take them.
const LEASE_SECONDS: f64 = 300.0;

/// One leased job.
#[derive(Clone, Debug)]
pub struct LeasedJob {
    pub applicant_id: Uuid,
    pub nik: String,
}

/// A worker's batch, held under its token.
#[derive(Debug)]
pub struct Lease {
    token: Uuid,
    pub jobs: Vec<LeasedJob>,
}

/// What one batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Jobs leased.
    pub leased: usize,
    /// Decisions stored.
    pub decided: usize,
    /// Jobs put back to wait for the registry.
    pub waiting: usize,
    /// Jobs whose lease had passed to another worker: nothing recorded for them here.
    pub fenced: usize,
}

impl std::ops::AddAssign for BatchReport {
    fn add_assign(&mut self, other: BatchReport) {
        self.leased += other.leased;
        self.decided += other.decided;
        self.waiting += other.waiting;
        self.fenced += other.fenced;
    }
}

/// Leases up to `limit` due jobs, oldest first (applicant ids are UUIDv7, in time order). Rows another worker is leasing at this moment
/// are skipped, not waited for.
pub async fn lease(conn: &mut PgConnection, now: DateTime<Utc>, limit: i64) -> Result<Lease, AppError> {
    let token = Uuid::new_v4();
    let jobs = sqlx::query!(
        r#"update verification_jobs j set available_at = $1 + make_interval(secs => $3), lease_token = $4
           from applicants a
           where a.id = j.applicant_id and j.applicant_id in (
               select applicant_id from verification_jobs where available_at <= $1
               order by applicant_id limit $2 for update skip locked)
           returning j.applicant_id, a.nik"#,
        now,
        limit,
        LEASE_SECONDS,
        token
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| LeasedJob {
        applicant_id: row.applicant_id,
        nik: row.nik,
    })
    .collect();
    Ok(Lease { token, jobs })
}

/// What the registry said for each leased job: a finding (`None` for a malformed NIK, which is
/// refused without asking), or that it could not be asked.
pub type Findings = Vec<(Uuid, Result<Option<RegistryFinding>, RegistryUnavailable>)>;

/// Asks the registry about every leased job at once (the registry client caps the calls in
/// flight).
pub async fn ask_registry(registry: &impl CivilRegistry, lease: &Lease) -> Findings {
    let lookups = lease.jobs.iter().map(|job| async move {
        let finding = match Nik::parse(&job.nik) {
            Ok(nik) => registry.lookup(nik.as_str()).await.map(Some),
            Err(_) => Ok(None),
        };
        (job.applicant_id, finding)
    });
    futures_util::future::join_all(lookups).await
}

/// Decides the jobs with a finding and stores the decisions; puts the others back to wait.
/// Only jobs still held under the lease's token are touched.
pub async fn record(
    pool: &PgPool,
    lease: &Lease,
    findings: Findings,
    now: DateTime<Utc>,
) -> Result<BatchReport, AppError> {
    let mut answered = Vec::new();
    let mut unanswered = Vec::new();
    for (applicant_id, finding) in findings {
        match finding {
            Ok(finding) => answered.push((applicant_id, finding)),
            Err(error) => {
                tracing::debug!(%error, "the civil registry could not be asked; the job waits");
                unanswered.push(applicant_id);
            }
        }
    }
    let mut tx = pool.begin().await?;
    let ids: Vec<Uuid> = answered.iter().map(|(id, _)| *id).collect();
    // The jobs this worker still holds, taken out of the queue; the rest belong to another now.
    let held = sqlx::query_scalar!(
        "delete from verification_jobs where applicant_id = any($1) and lease_token = $2 returning applicant_id",
        &ids,
        lease.token
    )
    .fetch_all(&mut *tx)
    .await?;
    let held: std::collections::HashSet<Uuid> = held.into_iter().collect();
    let decided = decide_and_store(&mut tx, answered.into_iter().filter(|(id, _)| held.contains(id)), now).await?;
    let waiting = sqlx::query!(
        r#"update verification_jobs set attempts = attempts + 1, last_error = $3, lease_token = null,
               available_at = $4::timestamptz
                   + least(interval '10 minutes', interval '5 seconds' * power(2, least(attempts, 10)))
           where applicant_id = any($1) and lease_token = $2"#,
        &unanswered,
        lease.token,
        WAITING_FOR_REGISTRY,
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    tx.commit().await?;
    Ok(BatchReport {
        leased: lease.jobs.len(),
        decided,
        waiting,
        fenced: lease.jobs.len().saturating_sub(decided + waiting),
    })
}

async fn decide_and_store(
    conn: &mut PgConnection,
    answered: impl Iterator<Item = (Uuid, Option<RegistryFinding>)>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut findings: std::collections::HashMap<Uuid, Option<RegistryFinding>> = answered.collect();
    if findings.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = findings.keys().copied().collect();
    let rows = sqlx::query!(
        r#"select a.id, a.nik, a.full_name, a.kk, a.birth_date, a.gender, a.registered_at,
                  (select count(*) from family_card_slots s where s.kk = a.kk) as "on_family_card!",
                  exists(select 1 from nik_claims c where c.nik = a.nik and c.applicant_id <> a.id) as "registered_before!",
                  (select e.category from exclusions e where e.nik = a.nik) as exclusion
           from applicants a where a.id = any($1)"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut decided_ids = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    // Reason codes contain no commas; one string per applicant keeps the insert a single statement.
    let mut reasons = Vec::with_capacity(rows.len());
    // The registry's record of those sent to a person, shown to the operator beside their answers.
    let mut doubtful = Vec::new();
    for row in rows {
        let registry = findings.remove(&row.id).flatten();
        let facts = Facts {
            nik: row.nik,
            full_name: row.full_name,
            birth_date: row.birth_date,
            gender: Gender::parse(&row.gender).map_err(AppError::internal)?,
            family_card: row.kk,
            registered_on: crate::domain::wib::date_in_program_tz(row.registered_at),
            applicants_on_family_card: u32::try_from(row.on_family_card).unwrap_or(u32::MAX),
            nik_registered_before: row.registered_before,
            exclusion: row.exclusion.as_deref().and_then(|c| ExclusionCategory::parse(c).ok()),
            registry,
        };
        let decision = decide(&facts);
        if let (Decision::Manual(_), Some(RegistryFinding::Found(resident))) = (&decision, facts.registry) {
            doubtful.push((row.id, resident));
        }
        let (status, codes) = decision.status_and_reasons();
        decided_ids.push(row.id);
        statuses.push(status.code().to_owned());
        reasons.push(codes.join(","));
    }
    sqlx::query!(
        r#"insert into verifications (applicant_id, status, reasons, decided_at)
           select id, status, string_to_array(reasons, ','), $4
           from unnest($1::uuid[], $2::text[], $3::text[]) as d (id, status, reasons)
           on conflict (applicant_id) do nothing"#,
        &decided_ids,
        &statuses,
        &reasons,
        now
    )
    .execute(&mut *conn)
    .await?;
    for (applicant_id, resident) in doubtful {
        sqlx::query!(
            r#"insert into registry_records (applicant_id, full_name, birth_date, gender, kk, alive, checked_at)
               values ($1, $2, $3, $4, $5, $6, $7)
               on conflict (applicant_id) do update set full_name = excluded.full_name,
                   birth_date = excluded.birth_date, gender = excluded.gender, kk = excluded.kk,
                   alive = excluded.alive, checked_at = excluded.checked_at"#,
            applicant_id,
            resident.full_name,
            resident.birth_date,
            resident.gender,
            resident.family_card,
            resident.life == super::registry::LifeStatus::Alive,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(decided_ids.len())
}

/// How one worker's batch spent its time.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchTiming {
    pub total: Duration,
    /// Waiting for the registry's answers.
    pub registry: Duration,
}

impl std::ops::AddAssign for BatchTiming {
    fn add_assign(&mut self, other: BatchTiming) {
        self.total += other.total;
        self.registry += other.registry;
    }
}

/// Runs batches, each at the time `now` gives, until one leases nothing or decides nothing (the
/// registry is away: what is left waits for the background job). Returns the sums.
pub async fn drain(
    pool: &PgPool,
    registry: &impl CivilRegistry,
    now: impl Fn() -> DateTime<Utc>,
    limit: i64,
) -> Result<(BatchReport, BatchTiming), AppError> {
    let (mut report, mut timing) = (BatchReport::default(), BatchTiming::default());
    loop {
        let (batch, spent) = run_batch(pool, registry, now(), limit).await?;
        report += batch;
        timing += spent;
        if batch.leased == 0 || batch.decided == 0 {
            return Ok((report, timing));
        }
    }
}

/// One worker's turn: lease a batch, ask the registry, decide and record.
pub async fn run_batch(
    pool: &PgPool,
    registry: &impl CivilRegistry,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<(BatchReport, BatchTiming), AppError> {
    let started = Instant::now();
    let lease = {
        let mut conn = pool.acquire().await?;
        lease(&mut conn, now, limit).await?
    };
    if lease.jobs.is_empty() {
        return Ok((BatchReport::default(), BatchTiming::default()));
    }
    let asked = Instant::now();
    let findings = ask_registry(registry, &lease).await;
    let registry_time = asked.elapsed();
    let report = record(pool, &lease, findings, now).await?;
    Ok((
        report,
        BatchTiming {
            total: started.elapsed(),
            registry: registry_time,
        },
    ))
}
