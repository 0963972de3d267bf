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

// The queue's callers name who signs up and read what became of it.
pub use super::db::{Signer, SignupOutcome};
use super::{
    db::{self, Signup},
    SignupApplication,
};
use crate::error::AppError;

/// Pauses before sending a batch again after the database was out of reach: together about two
/// seconds, enough for a cut connection (a fresh one works at once), not for a leader change.
const UNREACHABLE_RETRY_PAUSES: [std::time::Duration; 3] = [
    std::time::Duration::from_millis(250),
    std::time::Duration::from_millis(500),
    std::time::Duration::from_millis(1_250),
];

struct Pending {
    signup: Signup,
    answer: oneshot::Sender<Result<SignupOutcome, AppError>>,
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
        signer: Signer,
        key: Uuid,
        application: SignupApplication,
        now: DateTime<Utc>,
    ) -> Result<SignupOutcome, AppError> {
        self.received.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            signup: Signup {
                signer,
                key,
                application,
                now,
            },
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
    batch.sort_by(|a, b| a.signup.application.kk.as_str().cmp(b.signup.application.kk.as_str()));
    let signups: Vec<&Signup> = batch.iter().map(|p| &p.signup).collect();
    let mut registered = db::register_signups(pool, &signups).await;
    // The connection was lost or the database is changing leaders: whether the commit landed is
    // unknown, but every signup carries its idempotency key, so sending the batch again can only
    // find what landed or add what did not. Past these pauses the applicant is told to wait
    // (503) and their browser's queue sends it again.
    for pause in UNREACHABLE_RETRY_PAUSES {
        match &registered {
            Err(error) if crate::error::is_database_unreachable(error) => {
                tokio::time::sleep(pause).await;
                registered = db::register_signups(pool, &signups).await;
            }
            _ => break,
        }
    }
    match registered {
        Ok(outcomes) if outcomes.len() == batch.len() => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.answer.send(outcome);
            }
        }
        // Still out of reach: each is told to wait, without trying them one by one.
        Err(error) if crate::error::is_database_unreachable(&error) => {
            let refusal = AppError::from(error);
            for pending in batch {
                let _ = pending.answer.send(Err(refusal.clone()));
            }
        }
        // The whole statement failed (a deadlock with another batch, a lost connection): no row of
        // it was committed. Each signup is tried alone, so one cannot fail the others.
        _ => {
            for pending in batch {
                let outcome = match db::register_signups(pool, &[&pending.signup]).await {
                    Ok(mut outcomes) if outcomes.len() == 1 => outcomes.remove(0),
                    Ok(_) => Err(AppError::internal("register_signups: not one answer for one signup")),
                    Err(error) => Err(error.into()),
                };
                let _ = pending.answer.send(outcome);
            }
        }
    }
}
