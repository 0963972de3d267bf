//! The verification job queue against a real PostgreSQL: every signup gets a job, workers never
//! take the same job, and each applicant ends with exactly one decision.
#![cfg(feature = "ssr")]

mod support;

use app::{signup::db as signup_db, verification::jobs};
use chrono::NaiveDate;
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
async fn two_workers_never_take_the_same_job(pool: PgPool) {
    for n in 0..40 {
        register(&pool, n, None, None).await;
    }
    // Worker A holds its claim (its transaction is open) while worker B claims.
    let mut a = pool.begin().await.unwrap();
    let taken_by_a = jobs::claim(&mut a, now(), 25).await.unwrap();
    let mut b = pool.begin().await.unwrap();
    let taken_by_b = jobs::claim(&mut b, now(), 25).await.unwrap();
    assert_eq!(taken_by_a.len(), 25);
    assert_eq!(taken_by_b.len(), 15, "B gets only what A does not hold");
    assert!(taken_by_a.iter().all(|id| !taken_by_b.contains(id)));
    jobs::verify_claimed(&mut a, &taken_by_a, now()).await.unwrap();
    jobs::verify_claimed(&mut b, &taken_by_b, now()).await.unwrap();
    a.commit().await.unwrap();
    b.commit().await.unwrap();
    assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 0);
    assert_eq!(count(&pool, "select count(*) from verifications").await, 40);
}

#[sqlx::test(migrations = "../migrations")]
async fn workers_racing_decide_each_applicant_once(pool: PgPool) {
    for n in 0..60 {
        register(&pool, n, None, None).await;
    }
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut decided = 0;
                loop {
                    let n = jobs::run_batch(&pool, now(), 7).await.unwrap();
                    if n == 0 {
                        return decided;
                    }
                    decided += n;
                }
            })
        })
        .collect();
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(total, 60, "every job was decided by exactly one worker");
    assert_eq!(count(&pool, "select count(*) from verifications").await, 60);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_left_by_a_crashed_worker_is_taken_by_the_next(pool: PgPool) {
    register(&pool, 1, None, None).await;
    let mut crashed = pool.begin().await.unwrap();
    assert_eq!(jobs::claim(&mut crashed, now(), 10).await.unwrap().len(), 1);
    // When the server dies mid-batch, PostgreSQL rolls its transaction back. Rolled back here
    // explicitly: a dropped sqlx transaction is rolled back later, in the background, and until
    // then its claim would still hold the row.
    crashed.rollback().await.unwrap();
    assert_eq!(jobs::run_batch(&pool, now(), 10).await.unwrap(), 1);
    assert_eq!(count(&pool, "select count(*) from verifications").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn decisions_carry_their_reasons(pool: PgPool) {
    let verified = register(&pool, 1, None, None).await;
    let mismatch = register(&pool, 2, NaiveDate::from_ymd_opt(1991, 6, 15), None).await;
    let placeholder = register(&pool, 3, NaiveDate::from_ymd_opt(1990, 1, 1), None).await;
    let excluded = register(&pool, 4, None, None).await;
    sqlx::query!(
        "insert into exclusions (nik, category, source, imported_at) select nik, 'asn', 'uji', now() from applicants where id = $1",
        excluded
    )
    .execute(&pool)
    .await
    .unwrap();
    jobs::run_batch(&pool, now(), 100).await.unwrap();
    let decision = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query!("select status, reasons from verifications where applicant_id = $1", id)
                .fetch_one(&pool)
                .await
                .map(|r| (r.status, r.reasons))
                .unwrap()
        }
    };
    assert_eq!(decision(verified).await, ("terverifikasi".into(), vec![]));
    assert_eq!(
        decision(mismatch).await,
        ("ditolak".into(), vec!["nik-tanggal-lahir".into()])
    );
    assert_eq!(
        decision(placeholder).await,
        ("periksa-manual".into(), vec!["tanggal-lahir-perlu-dicek".into()])
    );
    assert_eq!(
        decision(excluded).await,
        ("ditolak".into(), vec!["dikecualikan:asn".into()])
    );
}
