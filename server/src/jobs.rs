//! Background work. Everything a job does is in PostgreSQL, claimed with
//! `FOR UPDATE SKIP LOCKED`, so several app servers can run the jobs side by side and a restart
//! loses nothing.

use std::{sync::Arc, time::Duration};

use app::state::AppState;
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use sqlx::PgPool;

/// How outgoing email leaves the portal.
pub enum Mailer {
    /// No SMTP server configured: messages stay in the outbox for the development mailbox page.
    DevMailbox,
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn from_config(smtp_url: Option<&str>, from: &str) -> Result<Mailer, String> {
        match smtp_url {
            None => Ok(Mailer::DevMailbox),
            Some(url) => Ok(Mailer::Smtp {
                transport: Box::new(
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                        .map_err(|e| format!("PRAKERJA_SMTP_URL: {e}"))?
                        .build(),
                ),
                from: from.parse().map_err(|e| format!("PRAKERJA_MAIL_FROM: {e}"))?,
            }),
        }
    }
}

/// Sends pending outbox messages, a batch at a time.
pub async fn deliver_outbox_batch(pool: &PgPool, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let batch = sqlx::query!(
        r#"select id, recipient, subject, body from outbox_messages
           where sent_at is null and available_at <= now()
           order by id limit 50 for update skip locked"#
    )
    .fetch_all(&mut *tx)
    .await?;
    for message in &batch {
        let result = match mailer {
            Mailer::DevMailbox => Ok(()),
            Mailer::Smtp { transport, from } => {
                send(
                    transport,
                    from,
                    &message.recipient,
                    &message.subject,
                    message.body.as_deref().unwrap_or(""),
                )
                .await
            }
        };
        match result {
            // Once delivered by SMTP the body (it may hold a sign-in code) is no longer kept.
            Ok(()) => {
                let keep_body = matches!(mailer, Mailer::DevMailbox);
                sqlx::query!(
                    "update outbox_messages set sent_at = now(), body = case when $2 then body end, last_error = null where id = $1",
                    message.id,
                    keep_body
                )
                .execute(&mut *tx)
                .await?;
            }
            Err(error) => {
                tracing::warn!(message_id = message.id, %error, "email not sent; will retry");
                sqlx::query!(
                    r#"update outbox_messages set attempts = attempts + 1, last_error = $2,
                       available_at = now() + least(interval '1 hour', interval '10 seconds' * power(2, attempts))
                       where id = $1"#,
                    message.id,
                    error
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(batch.len())
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let email = Message::builder()
        .from(from.clone())
        .to(to.parse().map_err(|e| format!("recipient: {e}"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| e.to_string())?;
    transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
}

/// Deletes what has expired: sessions, challenges, rate-limit windows, old idempotency keys,
/// stale drafts and delivered messages.
pub async fn housekeeping(state: &AppState) -> Result<(), app::error::AppError> {
    let now = state.clock.now();
    app::session::delete_expired(&state.pool, now).await?;
    app::auth::db::delete_expired_challenges(&state.pool, now).await?;
    sqlx::query!(
        "delete from rate_limit_windows where window_started_at < $1",
        now - chrono::Duration::days(1)
    )
    .execute(&state.pool)
    .await?;
    sqlx::query!(
        "delete from idempotency_keys where created_at < $1",
        now - chrono::Duration::days(7)
    )
    .execute(&state.pool)
    .await?;
    // Drafts hold personal data typed but never sent: keep them 30 days.
    sqlx::query!(
        "delete from signup_drafts where updated_at < $1",
        now - chrono::Duration::days(30)
    )
    .execute(&state.pool)
    .await?;
    sqlx::query!(
        "delete from outbox_messages where sent_at < $1",
        now - chrono::Duration::days(7)
    )
    .execute(&state.pool)
    .await?;
    // Deletion requests: what the law lets go goes now.
    let deleted = app::my_data::rights::db::carry_out_deletions(&state.pool, now).await?;
    if deleted > 0 {
        tracing::info!(requests = deleted, "carried out deletion requests");
    }
    // Holders of unused cards are reminded 7 and 2 days before the revocation.
    let reminded = app::cards::db::remind_unused_cards(&state.pool, now, &state.settings.public_url).await?;
    if reminded > 0 {
        tracing::info!(reminders = reminded, "reminded holders of unused cards");
    }
    // Cards whose first purchase did not come in time are revoked, and their balance returned.
    let revoked = app::cards::db::revoke_overdue_cards(&state.pool, now).await?;
    if !revoked.is_empty() {
        let returned: i64 = revoked.iter().map(|r| r.returned_balance.whole()).sum();
        tracing::info!(
            cards = revoked.len(),
            returned_rupiah = returned,
            "revoked cards without a first purchase in time"
        );
    }
    Ok(())
}

/// Applicants a verification worker leases at a time (their registry lookups run side by side,
/// up to the client's cap), and the workers of one server: while one waits for the registry,
/// the other writes its decisions. (`prakerja verification drain` runs the same by default.)
const VERIFICATION_BATCH: i64 = 500;
const VERIFICATION_WORKERS: usize = 2;

/// Above this pace (100 signups a second on this server) the automatic checks pause.
const RUSH_SIGNUPS_PER_HALF_SECOND: u64 = 50;

/// Starts the background jobs of one app server.
pub fn spawn(
    state: AppState,
    mailer: Arc<Mailer>,
    published: Arc<crate::published::PublishedFiles>,
    registry: Arc<app::verification::registry::HttpRegistry>,
    rail: Arc<app::payouts::rail::HttpRail>,
) {
    let pool = state.pool.clone();
    let publisher = state.pool.clone();
    tokio::spawn(async move {
        // A closed wave's public files, written to disk within seconds of the close, so that
        // downloads never wait on (or hold) the database.
        loop {
            if let Err(error) = published.write_drawn(&publisher).await {
                tracing::warn!(%error, "writing the waves' public files failed; will retry");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    tokio::spawn(async move {
        loop {
            match deliver_outbox_batch(&pool, &mailer).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox delivery failed"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let issuer = state.pool.clone();
    tokio::spawn(async move {
        // The cards of a closed wave, a block per transaction, right after the close.
        loop {
            match app::waves::db::issue_pending_block(&issuer).await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "issuing cards failed; will retry"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let notifier = state.pool.clone();
    tokio::spawn(async move {
        // After a draw, everyone's outcome email is queued in batches (millions take minutes,
        // not one long transaction).
        loop {
            match app::waves::db::notify_outcomes(&notifier, 2_000).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "queueing wave outcome emails failed; will retry"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    let payer = state.clone();
    let payer_rail = rail.clone();
    tokio::spawn(async move {
        // Incentive payouts: due installments through the outbox to the payout rail, each
        // transfer under its stable reference, every unknown outcome asked about first.
        loop {
            match app::payouts::job::run_payouts(&payer.pool, &*payer_rail, &*payer.clock, 500).await {
                Ok(run) if run.did_work() => {
                    tracing::info!(
                        queued = run.queued,
                        paid = run.paid,
                        refused = run.refused,
                        unknown = run.unknown,
                        asked = run.asked,
                        held = run.held,
                        fenced = run.fenced,
                        "incentive payouts"
                    );
                    continue;
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "incentive payouts failed; will retry"),
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });
    let reconciler = state.clone();
    tokio::spawn(async move {
        // Once a day, yesterday's transfers (WIB) against the rail's statement. Several servers
        // may do it: a day reconciled again replaces its findings.
        loop {
            let yesterday = app::domain::wib::date_in_program_tz(reconciler.clock.now()) - chrono::Days::new(1);
            match app::payouts::reconciliation::last_reconciled(&reconciler.pool).await {
                Ok(last) if last.is_some_and(|day| day >= yesterday) => {}
                Ok(_) => {
                    let now = reconciler.clock.now();
                    match app::payouts::reconciliation::reconcile(&reconciler.pool, &*rail, yesterday, now).await {
                        Ok(done) => tracing::info!(
                            day = %done.day,
                            rail = done.rail_transfers,
                            ledger = done.ledger_transfers,
                            differences = done.differences.len(),
                            "payout reconciliation"
                        ),
                        Err(error) => tracing::warn!(%error, "payout reconciliation failed; will retry"),
                    }
                }
                Err(error) => tracing::warn!(%error, "payout reconciliation failed; will retry"),
            }
            tokio::time::sleep(Duration::from_secs(15 * 60)).await;
        }
    });
    for _ in 0..VERIFICATION_WORKERS {
        let verifier = state.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            // The signup batcher counts what it received: a fast count means a rush. (A server
            // built without the batcher never waits.)
            let queue = verifier.services.get::<app::signup::queue::SignupQueue>().ok();
            let received = || queue.map_or(0, |queue| queue.received());
            let mut signups_seen = received();
            loop {
                // In a rush the checks wait (their jobs are safe in the table) and the database's
                // CPU goes to taking signups; they catch up as soon as the pace drops.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let signups_now = received();
                let in_a_rush = signups_now - signups_seen > RUSH_SIGNUPS_PER_HALF_SECOND;
                signups_seen = signups_now;
                if in_a_rush {
                    continue;
                }
                // An open circuit breaker means the registry is away: wait for its cool-down
                // instead of leasing jobs only to put them back.
                if registry.is_holding_back() {
                    continue;
                }
                loop {
                    let batch = app::verification::jobs::run_batch(
                        &verifier.pool,
                        &*registry,
                        verifier.clock.now(),
                        VERIFICATION_BATCH,
                    )
                    .await;
                    match batch {
                        Ok((report, _)) => {
                            if report.waiting > 0 {
                                tracing::warn!(
                                    waiting = report.waiting,
                                    "the civil registry did not answer; those checks wait"
                                );
                            }
                            let full = report.leased as i64 == VERIFICATION_BATCH;
                            if !full || report.waiting > 0 || received() - signups_seen > RUSH_SIGNUPS_PER_HALF_SECOND {
                                break;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "verification batch failed; will retry");
                            break;
                        }
                    }
                }
            }
        });
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(error) = housekeeping(&state).await {
                tracing::warn!(%error, "housekeeping failed");
            }
        }
    });
}
