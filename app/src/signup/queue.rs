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

/// Who is signing up: an account the caller already knows, or the session (by its token hash)
/// that the batch itself resolves, saving the request a round trip of its own.
#[derive(Clone, Debug)]
pub enum Signer {
    Account(Uuid),
    Session(Vec<u8>),
}

/// What became of one signup.
#[derive(Debug, PartialEq, Eq)]
pub enum SignupOutcome {
    /// The session was not (or no longer) signed in: nothing was registered.
    SignedOut,
    Decided {
        account_id: Uuid,
        registration: Registration,
    },
}

struct Pending {
    signer: Signer,
    key: Uuid,
    application: SignupApplication,
    now: DateTime<Utc>,
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
            signer,
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
                let alone = std::slice::from_ref(&pending);
                let outcome = match register_batch(pool, alone).await {
                    Ok(mut outcomes) if outcomes.len() == 1 => outcomes.remove(0),
                    Ok(_) => Err(AppError::internal("register_signups: not one answer for one signup")),
                    Err(error) => Err(error.into()),
                };
                let _ = pending.answer.send(outcome);
            }
        }
    }
}

async fn register_batch(pool: &PgPool, batch: &[Pending]) -> Result<Vec<Result<SignupOutcome, AppError>>, sqlx::Error> {
    let column = |f: fn(&Pending) -> String| batch.iter().map(f).collect::<Vec<String>>();
    let (account_ids, session_hashes): (Vec<Option<Uuid>>, Vec<Option<Vec<u8>>>) = batch
        .iter()
        .map(|p| match &p.signer {
            Signer::Account(id) => (Some(*id), None),
            Signer::Session(hash) => (None, Some(hash.clone())),
        })
        .unzip();
    let rows = sqlx::query!(
        r#"select outcome as "outcome!", reference, account_id from register_signups(
               $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"#,
        &batch.iter().map(|p| p.key).collect::<Vec<_>>(),
        &account_ids as &[Option<Uuid>],
        &session_hashes as &[Option<Vec<u8>>],
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
        .map(|row| match (row.outcome.as_str(), row.account_id) {
            ("signed-out", _) => Ok(SignupOutcome::SignedOut),
            (outcome, Some(account_id)) => Ok(SignupOutcome::Decided {
                account_id,
                registration: db::registration_of(outcome, row.reference)?,
            }),
            (outcome, None) => Err(AppError::internal(format!(
                "register_signups: {outcome} without an account"
            ))),
        })
        .collect())
}
