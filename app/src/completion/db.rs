//! Platform keys, progress events and certificates in PostgreSQL.

use chrono::{DateTime, Utc};
use rand::Rng;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{CertificateCode, EventKind, ProgressEvent, StudyRule, EVENT_CLOCK_SKEW_SECS};
use crate::error::AppError;

/// A new key id: `pk_` and 20 random lowercase letters and digits.
pub fn new_key_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("pk_{tail}")
}

/// Makes a key for a platform (audited), its secret derived from master secret
/// `secret_version`; `None` when there is no such platform.
pub async fn create_key(
    pool: &PgPool,
    platform_code: &str,
    secret_version: i16,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let mut tx = pool.begin().await?;
    let key_id = new_key_id();
    let created = sqlx::query_scalar!(
        "insert into platform_keys (key_id, platform_code, created_at, created_by, secret_version)
         select $1, code, $3, $4, $5 from platforms where code = $2
         returning key_id",
        key_id,
        platform_code,
        now,
        actor,
        secret_version
    )
    .fetch_optional(&mut *tx)
    .await?;
    if created.is_none() {
        return Ok(None);
    }
    crate::audit::record(
        &mut *tx,
        actor,
        "platform_keys.create",
        platform_code,
        None,
        Some(serde_json::json!({ "key_id": key_id, "secret_version": secret_version })),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(key_id))
}

/// Revokes a key (audited); false when it was not active.
pub async fn revoke_key(pool: &PgPool, key_id: &str, actor: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let platform = sqlx::query_scalar!(
        "update platform_keys set revoked_at = $2 where key_id = $1 and revoked_at is null returning platform_code",
        key_id,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(platform) = platform else {
        return Ok(false);
    };
    crate::audit::record(
        &mut *tx,
        actor,
        "platform_keys.revoke",
        &platform,
        None,
        Some(serde_json::json!({ "key_id": key_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The platform of an active key, and the version of the master secret its secret comes from.
pub async fn active_key(pool: &PgPool, key_id: &str) -> Result<Option<(String, i16)>, AppError> {
    Ok(sqlx::query!(
        "select platform_code, secret_version from platform_keys where key_id = $1 and revoked_at is null",
        key_id
    )
    .fetch_optional(pool)
    .await?
    .map(|key| (key.platform_code, key.secret_version)))
}

/// Why an authentic event was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventRefusal {
    UnknownVoucher,
    /// The voucher is for a training on another platform.
    OtherPlatform,
    /// Progress or completion before the platform reported the start.
    NotStarted,
    CompletedBeforeStart,
    AlreadyCompleted,
    /// The event id was used before with another body.
    EventIdReused,
    /// Dated ahead of the server's clock by more than a small skew.
    InTheFuture,
    /// Dated before the training was bought (by more than the clock skew).
    BeforePurchase,
    /// Reports less progress than already recorded.
    ProgressBackwards,
}

/// Where the purchase stands after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecorded {
    /// The same event had been recorded before: nothing changed.
    pub duplicate: bool,
    pub progress_percent: i16,
    pub completed_at: Option<DateTime<Utc>>,
    pub certificate: Option<CertificateCode>,
    /// Completed sooner than the minimum study time: an operator decides on the certificate.
    pub held_for_review: bool,
}

/// Records one event of a platform and applies it to its purchase, in one transaction; a
/// completion issues the certificate. The purchase's row is locked first, so two copies of an
/// event arriving together are recorded once.
///
/// A platform key can lie about time, so: no event is dated before the purchase or ahead of the
/// server's clock, progress never goes back, the first start stands, and a completion sooner
/// than `study` after the start *as the portal received it* is held for an operator instead of
/// certified.
pub async fn record_event(
    pool: &PgPool,
    platform_code: &str,
    event: &ProgressEvent,
    body_digest: &str,
    now: DateTime<Utc>,
    study: StudyRule,
) -> Result<Result<EventRecorded, EventRefusal>, AppError> {
    if event.occurred_at > now + chrono::Duration::seconds(EVENT_CLOCK_SKEW_SECS) {
        return Ok(Err(EventRefusal::InTheFuture));
    }
    let mut tx = pool.begin().await?;
    let purchase = sqlx::query!(
        "select p.id, t.platform_code, p.started_at, p.progress_percent, p.completed_at, p.purchased_at, t.hours
         from purchases p join trainings t on t.id = p.training_id
         where p.voucher_code = $1
         for update of p",
        event.voucher.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(purchase) = purchase else {
        return Ok(Err(EventRefusal::UnknownVoucher));
    };
    if purchase.platform_code != platform_code {
        return Ok(Err(EventRefusal::OtherPlatform));
    }
    let earlier = sqlx::query_scalar!(
        r#"select body_digest as "body_digest!" from platform_events where platform_code = $1 and event_id = $2"#,
        platform_code,
        event.event_id.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(earlier) = earlier {
        if earlier != body_digest {
            return Ok(Err(EventRefusal::EventIdReused));
        }
        let certificate = certificate_of(&mut tx, purchase.id).await?;
        let held_for_review = certificate.is_none() && is_held(&mut tx, purchase.id).await?;
        return Ok(Ok(EventRecorded {
            duplicate: true,
            progress_percent: purchase.progress_percent,
            completed_at: purchase.completed_at,
            certificate,
            held_for_review,
        }));
    }
    if purchase.completed_at.is_some() {
        return Ok(Err(EventRefusal::AlreadyCompleted));
    }
    // The same small skew either way: a platform's clock a second behind ours reports a start
    // right after the purchase as just before it.
    if event.occurred_at < purchase.purchased_at - chrono::Duration::seconds(EVENT_CLOCK_SKEW_SECS) {
        return Ok(Err(EventRefusal::BeforePurchase));
    }
    if event.progress_percent < purchase.progress_percent && event.kind != EventKind::Started {
        return Ok(Err(EventRefusal::ProgressBackwards));
    }
    let started_at = match (event.kind, purchase.started_at) {
        // The first start stands: a later one dated further back would shorten the study time.
        (EventKind::Started, started) => Some(started.unwrap_or(event.occurred_at)),
        (_, None) => return Ok(Err(EventRefusal::NotStarted)),
        (EventKind::Completed, Some(started)) if event.occurred_at < started => {
            return Ok(Err(EventRefusal::CompletedBeforeStart))
        }
        (_, started) => started,
    };
    let completed_at = (event.kind == EventKind::Completed).then_some(event.occurred_at);
    let progress_percent = purchase.progress_percent.max(event.progress_percent);
    sqlx::query!(
        "insert into platform_events (platform_code, event_id, purchase_id, kind, progress_percent, occurred_at,
                                      received_at, body_digest)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        platform_code,
        event.event_id.as_str(),
        purchase.id,
        event.kind.code(),
        event.progress_percent,
        event.occurred_at,
        now,
        body_digest
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update purchases set started_at = $2, progress_percent = $3, completed_at = $4 where id = $1",
        purchase.id,
        started_at,
        progress_percent,
        completed_at
    )
    .execute(&mut *tx)
    .await?;
    let mut held_for_review = false;
    let certificate = match (completed_at, started_at) {
        (Some(completed), Some(started)) => {
            // From the start as the portal received it: a platform cannot date it back.
            let start_received = sqlx::query_scalar!(
                "select min(received_at) from platform_events where purchase_id = $1 and kind = 'mulai'",
                purchase.id
            )
            .fetch_one(&mut *tx)
            .await?
            .unwrap_or(now);
            let studied = completed.min(now) - started.max(start_received);
            let study_minutes = i32::try_from(studied.num_minutes().max(0)).unwrap_or(i32::MAX);
            let required_minutes = study.required_minutes(purchase.hours);
            if study_minutes < required_minutes {
                sqlx::query!(
                    "insert into completion_reviews (purchase_id, study_minutes, required_minutes, held_at)
                     values ($1, $2, $3, $4)",
                    purchase.id,
                    study_minutes,
                    required_minutes,
                    now
                )
                .execute(&mut *tx)
                .await?;
                held_for_review = true;
                None
            } else {
                Some(issue_certificate(&mut tx, purchase.id, now).await?)
            }
        }
        _ => None,
    };
    tx.commit().await?;
    Ok(Ok(EventRecorded {
        duplicate: false,
        progress_percent,
        completed_at,
        certificate,
        held_for_review,
    }))
}

async fn is_held(tx: &mut Transaction<'_, Postgres>, purchase_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from completion_reviews where purchase_id = $1 and decision is null) as "held!""#,
        purchase_id
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// A completion waiting for an operator's decision, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldCompletion {
    pub purchase_id: Uuid,
    pub training: String,
    pub platform: String,
    pub study_minutes: i32,
    pub required_minutes: i32,
    pub held_at: DateTime<Utc>,
}

/// The oldest completions waiting for a decision.
pub async fn held_completions(pool: &PgPool, limit: i64) -> Result<Vec<HeldCompletion>, AppError> {
    Ok(sqlx::query_as!(
        HeldCompletion,
        "select r.purchase_id, t.title as training, pl.name as platform, r.study_minutes, r.required_minutes, r.held_at
         from completion_reviews r
         join purchases p on p.id = r.purchase_id
         join trainings t on t.id = p.training_id
         join platforms pl on pl.code = t.platform_code
         where r.decision is null
         order by r.held_at limit $1",
        limit
    )
    .fetch_all(pool)
    .await?)
}

/// What an operator decided about a held completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompletionDecision<'a> {
    Certify,
    Refuse(&'a crate::domain::OperatorReason),
}

/// Decides a held completion (audited): certifies it (the certificate is issued in the same
/// transaction) or refuses it with a reason. `None` when it is not waiting (decided already).
pub async fn decide_completion(
    pool: &PgPool,
    purchase_id: Uuid,
    decision: CompletionDecision<'_>,
    operator_id: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<Option<CertificateCode>>, AppError> {
    let mut tx = pool.begin().await?;
    let (code, reason) = match &decision {
        CompletionDecision::Certify => ("terbit", None),
        CompletionDecision::Refuse(reason) => ("ditolak", Some(reason.as_str())),
    };
    let decided = sqlx::query!(
        "update completion_reviews set decision = $2, decision_reason = $3, decided_by = $4, decided_at = $5
         where purchase_id = $1 and decision is null
         returning study_minutes, required_minutes",
        purchase_id,
        code,
        reason,
        operator_id,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(decided) = decided else {
        return Ok(None);
    };
    let certificate = match decision {
        CompletionDecision::Certify => Some(issue_certificate(&mut tx, purchase_id, now).await?),
        CompletionDecision::Refuse(_) => None,
    };
    crate::audit::record(
        &mut *tx,
        actor,
        "completions.decide",
        &purchase_id.to_string(),
        Some(serde_json::json!({
            "study_minutes": decided.study_minutes,
            "required_minutes": decided.required_minutes,
        })),
        Some(serde_json::json!({
            "decision": code,
            "reason": reason,
            "certificate": certificate.as_ref().map(CertificateCode::as_str),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(certificate))
}

fn new_certificate_code() -> CertificateCode {
    let alphabet = crate::domain::card_number::VOUCHER_ALPHABET;
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..5)
        .map(|_| {
            (0..4)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect()
        })
        .collect();
    CertificateCode::parse(&groups.join("-")).expect("a code from the alphabet parses")
}

async fn issue_certificate(
    tx: &mut Transaction<'_, Postgres>,
    purchase_id: Uuid,
    now: DateTime<Utc>,
) -> Result<CertificateCode, AppError> {
    // 100 random bits: a clash is practically impossible, but retried rather than failed.
    for _ in 0..3 {
        let code = new_certificate_code();
        let inserted = sqlx::query_scalar!(
            "insert into certificates (code, purchase_id, issued_at) values ($1, $2, $3)
             on conflict (code) do nothing returning code",
            code.as_str(),
            purchase_id,
            now
        )
        .fetch_optional(&mut **tx)
        .await?;
        if inserted.is_some() {
            return Ok(code);
        }
    }
    Err(AppError::internal("no free certificate code after three tries"))
}

async fn certificate_of(
    tx: &mut Transaction<'_, Postgres>,
    purchase_id: Uuid,
) -> Result<Option<CertificateCode>, AppError> {
    let code = sqlx::query_scalar!("select code from certificates where purchase_id = $1", purchase_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(code.as_deref().and_then(CertificateCode::parse))
}

/// Revokes a certificate (audited): its public page says so from now on, with the reason.
/// False when no valid certificate has that code.
pub async fn revoke_certificate(
    pool: &PgPool,
    code: &CertificateCode,
    reason: &crate::domain::OperatorReason,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query_scalar!(
        "update certificates set revoked_at = $2, revoked_reason = $3
         where code = $1 and revoked_at is null returning purchase_id",
        code.as_str(),
        now,
        reason.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(purchase_id) = revoked else {
        return Ok(false);
    };
    // The incentive it earned stops, unless another valid, reviewed training earns it too.
    let cancelled = crate::incentive::db::cancel_unqueued(&mut tx, purchase_id, reason.as_str(), now).await?;
    crate::audit::record(
        &mut *tx,
        actor,
        "certificates.revoke",
        code.as_str(),
        Some(serde_json::json!({ "purchase_id": purchase_id })),
        Some(serde_json::json!({ "reason": reason.as_str(), "incentive_installments_cancelled": cancelled })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A platform key as operators see it (never its secret).
pub struct KeyListing {
    pub key_id: String,
    pub platform: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn keys(pool: &PgPool) -> Result<Vec<KeyListing>, AppError> {
    Ok(sqlx::query_as!(
        KeyListing,
        "select k.key_id, p.name as platform, k.created_at, k.created_by, k.revoked_at
         from platform_keys k join platforms p on p.code = k.platform_code
         order by k.revoked_at is not null, p.name, k.created_at desc"
    )
    .fetch_all(pool)
    .await?)
}
