//! Group commit of signups. Submissions that arrive together are registered in one statement
//! and one commit: under a rush a batch fills while the previous one commits; alone, a signup is
//! a batch of one and waits for nobody. Each signup is answered only after its batch committed.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

use super::{
    db::{self, Registration},
    SignupApplication,
};
use crate::error::AppError;

struct Pending {
    account_id: Uuid,
    key: Uuid,
    application: SignupApplication,
    now: DateTime<Utc>,
    answer: oneshot::Sender<Result<Registration, AppError>>,
}

pub struct SignupQueue {
    sender: mpsc::Sender<Pending>,
    /// Signups handed to this queue since it started (background jobs read the pace of signups).
    received: AtomicU64,
}

impl SignupQueue {
    /// `workers` batches may be committing at once (each holds one connection while it does);
    /// a batch holds at most `max_batch` signups.
    pub fn start(pool: PgPool, workers: usize, max_batch: usize) -> Arc<SignupQueue> {
        let (sender, receiver) = mpsc::channel(max_batch * workers * 4);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..workers {
            tokio::spawn(work(pool.clone(), receiver.clone(), max_batch));
        }
        Arc::new(SignupQueue {
            sender,
            received: AtomicU64::new(0),
        })
    }

    /// How many signups this queue has received since it started.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Registers one applicant, in whatever batch it lands.
    pub async fn register(
        &self,
        account_id: Uuid,
        key: Uuid,
        application: SignupApplication,
        now: DateTime<Utc>,
    ) -> Result<Registration, AppError> {
        self.received.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            account_id,
            key,
            application,
            now,
            answer,
        };
        self.sender
            .send(pending)
            .await
            .map_err(|_| AppError::internal("signup queue stopped"))?;
        answered
            .await
            .map_err(|_| AppError::internal("signup queue dropped a signup"))?
    }
}

async fn work(pool: PgPool, receiver: Arc<Mutex<mpsc::Receiver<Pending>>>, max_batch: usize) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        commit(&pool, batch).await;
    }
}

async fn commit(pool: &PgPool, mut batch: Vec<Pending>) {
    // Every batch takes family-card slots in the same order, so two batches committing at once
    // (here or on another app server) can wait for each other but never deadlock. Family members
    // often register together, and a deadlock costs PostgreSQL's deadlock_timeout (1 s) to notice.
    batch.sort_by(|a, b| a.application.kk.as_str().cmp(b.application.kk.as_str()));
    match register_batch(pool, &batch).await {
        Ok(outcomes) if outcomes.len() == batch.len() => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.answer.send(outcome);
            }
        }
        // The whole statement failed (a deadlock with another batch, a lost connection): no row of
        // it was committed. Each signup is tried alone, so one cannot fail the others.
        _ => {
            for pending in batch {
                let outcome =
                    db::register(pool, pending.account_id, pending.key, &pending.application, pending.now).await;
                let _ = pending.answer.send(outcome);
            }
        }
    }
}

async fn register_batch(pool: &PgPool, batch: &[Pending]) -> Result<Vec<Result<Registration, AppError>>, sqlx::Error> {
    let column = |f: fn(&Pending) -> String| batch.iter().map(f).collect::<Vec<String>>();
    let rows = sqlx::query!(
        r#"select outcome as "outcome!", reference from register_applicants(
               $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"#,
        &batch.iter().map(|p| p.key).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.account_id).collect::<Vec<_>>(),
        // Time-ordered ids: a rush appends to the end of the primary-key index instead of
        // touching random pages of it (fewer pages written per commit).
        &batch.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
        &batch.iter().map(|_| db::new_reference()).collect::<Vec<_>>(),
        &column(|p| p.application.nik.as_str().to_owned()),
        &column(|p| p.application.kk.as_str().to_owned()),
        &column(|p| p.application.full_name.as_str().to_owned()),
        &batch
            .iter()
            .map(|p| p.application.birth_date.date())
            .collect::<Vec<_>>(),
        &column(|p| p.application.gender.code().to_owned()),
        &column(|p| p.application.birth_place.as_str().to_owned()),
        &column(|p| p.application.province.code().to_owned()),
        &column(|p| p.application.city.as_str().to_owned()),
        &column(|p| p.application.mobile.as_str().to_owned()),
        &column(|p| p.application.education.code().to_owned()),
        &column(|p| p.application.employment.code().to_owned()),
        &column(|p| p.application.interests.codes().join(",")),
        &batch.iter().map(|p| p.now).collect::<Vec<_>>(),
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| db::registration_of(&row.outcome, row.reference))
        .collect())
}
