//! The verification job queue against a real PostgreSQL: every signup gets a job, workers never
//! lease the same job, a late worker records nothing, and a job the registry could not answer
//! waits. (The whole run against the registry simulator: server/tests/registry_http.rs.)
#![cfg(feature = "ssr")]

mod support;

use app::{
    signup::db as signup_db,
    verification::{
        jobs,
        registry::{LifeStatus, RegistryFinding, RegistryUnavailable, Resident},
    },
};
use chrono::{Duration, NaiveDate};
use sqlx::PgPool;
use support::{count, now};
use uuid::Uuid;

/// Registers applicant `n` (NIK born 1990 + n days) on its own family card, or on `kk`; with
/// `birth_date`, the record then says another date than the NIK.
async fn register(pool: &PgPool, n: u16, birth_date: Option<NaiveDate>, kk: Option<&str>) -> Uuid {
    let kk = kk
        .map(str::to_owned)
        .unwrap_or_else(|| format!("317401010110{:04}", n + 1));
    let application = support::application(n, &kk);
    let account = support::account(pool).await;
    signup_db::register(pool, account, Uuid::new_v4(), &application, now())
        .await
        .unwrap();
    let id = sqlx::query_scalar!("select id from applicants where account_id = $1", account)
        .fetch_one(pool)
        .await
        .unwrap();
    // The form refuses a birth date that disagrees with the NIK; records that came another way
    // (a correction, an import from an earlier program year) are checked again here.
    if let Some(birth_date) = birth_date {
        sqlx::query!("update applicants set birth_date = $2 where id = $1", id, birth_date)
            .execute(pool)
            .await
            .unwrap();
    }
    id
}

#[sqlx::test(migrations = "../migrations")]
async fn every_signup_gets_a_job_in_its_own_transaction(pool: PgPool) {
    for n in 0..3 {
        register(&pool, n, None, None).await;
    }
    assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn two_workers_never_lease_the_same_job(pool: PgPool) {
    for n in 0..40 {
        register(&pool, n, None, None).await;
    }
    // Worker A's lease is taken while worker B's statement runs at the same moment.
    let (mut a, mut b) = (pool.acquire().await.unwrap(), pool.acquire().await.unwrap());
    let (taken_by_a, taken_by_b) = tokio::join!(jobs::lease(&mut a, now(), 25), jobs::lease(&mut b, now(), 25));
    let (taken_by_a, taken_by_b) = (ids(&taken_by_a.unwrap()), ids(&taken_by_b.unwrap()));
    assert_eq!(
        taken_by_a.len() + taken_by_b.len(),
        40,
        "{} + {}",
        taken_by_a.len(),
        taken_by_b.len()
    );
    assert!(taken_by_a.iter().all(|id| !taken_by_b.contains(id)));
    let mut c = pool.acquire().await.unwrap();
    assert!(
        jobs::lease(&mut c, now(), 25).await.unwrap().jobs.is_empty(),
        "all are leased"
    );
}

fn ids(lease: &jobs::Lease) -> Vec<Uuid> {
    lease.jobs.iter().map(|job| job.applicant_id).collect()
}

/// The registry's answer that agrees with what applicant `id` gave.
async fn agreeing_finding(pool: &PgPool, id: Uuid) -> Result<Option<RegistryFinding>, RegistryUnavailable> {
    let a = sqlx::query!(
        "select nik, kk, full_name, birth_date, gender from applicants where id = $1",
        id
    )
    .fetch_one(pool)
    .await
    .unwrap();
    Ok(Some(RegistryFinding::Found(Resident {
        nik: a.nik,
        family_card: a.kk,
        full_name: a.full_name,
        birth_date: a.birth_date,
        gender: a.gender,
        life: LifeStatus::Alive,
    })))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_left_by_a_dead_worker_is_taken_when_its_lease_ends_and_the_late_worker_records_nothing(pool: PgPool) {
    let id = register(&pool, 1, None, None).await;
    let mut conn = pool.acquire().await.unwrap();
    let dead = jobs::lease(&mut conn, now(), 10).await.unwrap();
    assert_eq!(ids(&dead), vec![id]);
    assert!(jobs::lease(&mut conn, now() + Duration::minutes(4), 10)
        .await
        .unwrap()
        .jobs
        .is_empty());
    let next = jobs::lease(&mut conn, now() + Duration::minutes(6), 10).await.unwrap();
    assert_eq!(ids(&next), vec![id], "the lease ran out");

    // The first worker comes back with its answer: nothing of it is recorded.
    let late = jobs::record(&pool, &dead, vec![(id, agreeing_finding(&pool, id).await)], now())
        .await
        .unwrap();
    assert_eq!((late.decided, late.fenced), (0, 1));
    assert_eq!(count(&pool, "select count(*) from verifications").await, 0);
    let current = jobs::record(&pool, &next, vec![(id, agreeing_finding(&pool, id).await)], now())
        .await
        .unwrap();
    assert_eq!((current.decided, current.fenced), (1, 0));
    assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_the_registry_could_not_answer_waits_and_nobody_is_refused(pool: PgPool) {
    let id = register(&pool, 1, None, None).await;
    let mut conn = pool.acquire().await.unwrap();
    let lease = jobs::lease(&mut conn, now(), 10).await.unwrap();
    let report = jobs::record(&pool, &lease, vec![(id, Err(RegistryUnavailable::Status(503)))], now())
        .await
        .unwrap();
    assert_eq!((report.decided, report.waiting), (0, 1));
    assert_eq!(count(&pool, "select count(*) from verifications").await, 0);
    let waiting = sqlx::query!("select attempts, last_error, available_at from verification_jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(waiting.attempts, 1);
    assert_eq!(waiting.last_error.as_deref(), Some(jobs::WAITING_FOR_REGISTRY));
    assert_eq!(waiting.available_at, now() + Duration::seconds(5), "tried again soon");
    assert!(jobs::lease(&mut conn, now() + Duration::seconds(4), 10)
        .await
        .unwrap()
        .jobs
        .is_empty());
    assert_eq!(
        ids(&jobs::lease(&mut conn, now() + Duration::seconds(5), 10).await.unwrap()),
        vec![id]
    );
}
