//! Reviews in PostgreSQL. The rating spreads follow the reviews by trigger; the rule that only
//! a finished training is reviewed, once per purchase, is the table's.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::{HiddenReview, NewReview, PublishedReview, RatingSpread, TrainingReviews};
use crate::{
    domain::{IncentivePlan, OperatorReason},
    error::AppError,
};

/// Reviews shown on a training's page, newest first.
const REVIEWS_SHOWN: i64 = 50;

/// A purchase of this account, for its review page.
pub struct PurchaseForReview {
    pub training_id: i32,
    pub title: String,
    pub platform: String,
    pub finished: bool,
    /// Why its certificate was revoked, if it was.
    pub certificate_revoked: Option<String>,
    pub review: Option<PublishedReview>,
    /// Why operators hid the review, if they did.
    pub hidden_reason: Option<String>,
}

fn stars(value: i16) -> u8 {
    u8::try_from(value).unwrap_or_default()
}

/// `None` when the purchase is not this account's (or does not exist).
pub async fn purchase_for_review(
    executor: impl PgExecutor<'_>,
    account_id: Uuid,
    purchase: Uuid,
) -> Result<Option<PurchaseForReview>, AppError> {
    let row = sqlx::query!(
        r#"select t.id as training_id, t.title, pl.name as platform, p.completed_at, ce.revoked_reason as "revoked_reason?",
                  r.id as "number?", r.training_stars as "training_stars?", r.service_stars as "service_stars?",
                  r.body as "body?", r.written_at as "written_at?", r.hidden_reason as "hidden_reason?"
           from purchases p
           left join certificates ce on ce.purchase_id = p.id
           join cards c on c.id = p.card_id
           join applicants a on a.id = c.applicant_id
           join trainings t on t.id = p.training_id
           join platforms pl on pl.code = t.platform_code
           left join reviews r on r.purchase_id = p.id
           where p.id = $1 and a.account_id = $2"#,
        purchase,
        account_id
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| PurchaseForReview {
        training_id: r.training_id,
        title: r.title,
        platform: r.platform,
        finished: r.completed_at.is_some(),
        certificate_revoked: r.revoked_reason,
        hidden_reason: r.hidden_reason,
        review: match (r.number, r.training_stars, r.service_stars, r.body, r.written_at) {
            (Some(number), Some(training), Some(service), Some(body), Some(at)) => Some(PublishedReview {
                number,
                training_stars: stars(training),
                service_stars: stars(service),
                body,
                written_on: crate::domain::wib::format_wib_date(at),
            }),
            _ => None,
        },
    }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written {
        incentive_scheduled: bool,
    },
    /// One review per purchase: this one has it already (a resent form lands here).
    AlreadyWritten,
    NotFinished,
    CertificateRevoked,
    NotYours,
}

/// Writes a review and, when it is the participant's first, schedules their incentive: both or
/// neither. The purchase row is locked first, so two posts of the same form are decided one
/// after the other.
pub async fn write(
    pool: &PgPool,
    account_id: Uuid,
    purchase: Uuid,
    review: &NewReview,
    plan: &IncentivePlan,
    now: DateTime<Utc>,
) -> Result<WriteOutcome, AppError> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query!(
        r#"select c.applicant_id, p.completed_at, ce.revoked_at as "revoked_at?" from purchases p
           join cards c on c.id = p.card_id join applicants a on a.id = c.applicant_id
           left join certificates ce on ce.purchase_id = p.id
           where p.id = $1 and a.account_id = $2
           for update of p"#,
        purchase,
        account_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else {
        return Ok(WriteOutcome::NotYours);
    };
    if found.completed_at.is_none() {
        return Ok(WriteOutcome::NotFinished);
    }
    if found.revoked_at.is_some() {
        return Ok(WriteOutcome::CertificateRevoked);
    }
    let inserted = sqlx::query!(
        "insert into reviews (purchase_id, training_stars, service_stars, body, written_at)
         values ($1, $2, $3, $4, $5) on conflict (purchase_id) do nothing",
        purchase,
        i16::from(review.training_stars.get()),
        i16::from(review.service_stars.get()),
        review.body.as_str(),
        now
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(WriteOutcome::AlreadyWritten);
    }
    let incentive_scheduled = crate::incentive::db::schedule(&mut tx, found.applicant_id, purchase, plan, now).await?;
    tx.commit().await?;
    Ok(WriteOutcome::Written { incentive_scheduled })
}

/// Hides a review (audited): its text is no longer shown and its stars no longer count. False
/// when there is no shown review with that number.
pub async fn hide(
    pool: &PgPool,
    number: i64,
    reason: &OperatorReason,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let hidden = sqlx::query!(
        "update reviews set hidden_at = $2, hidden_reason = $3, hidden_by = $4
         where id = $1 and hidden_at is null returning purchase_id, training_stars",
        number,
        now,
        reason.as_str(),
        actor
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(hidden) = hidden else {
        return Ok(false);
    };
    crate::audit::record(
        &mut *tx,
        actor,
        "reviews.hide",
        &format!("review:{number}"),
        Some(serde_json::json!({ "purchase_id": hidden.purchase_id, "training_stars": hidden.training_stars })),
        Some(serde_json::json!({ "reason": reason.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

fn spread(counts: Vec<i32>) -> RatingSpread {
    let mut spread = [0; 5];
    for (slot, n) in spread.iter_mut().zip(counts) {
        *slot = n;
    }
    RatingSpread(spread)
}

/// A shown training's ratings and reviews; `None` when there is no such training to show.
pub async fn training_reviews(pool: &PgPool, training_id: i32) -> Result<Option<TrainingReviews>, AppError> {
    let Some(training) = sqlx::query!(
        r#"select t.title, pr.name as provider, pl.name as platform, t.rating_counts,
                  pr.rating_counts as provider_counts, pl.service_rating_counts
           from trainings t join providers pr on pr.id = t.provider_id join platforms pl on pl.code = t.platform_code
           where t.id = $1 and t.hidden_at is null"#,
        training_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query!(
        r#"select r.id, r.training_stars, r.service_stars, r.body, r.written_at, r.hidden_at, r.hidden_reason
           from reviews r join purchases p on p.id = r.purchase_id
           where p.training_id = $1 order by r.written_at desc, r.id desc limit $2"#,
        training_id,
        REVIEWS_SHOWN
    )
    .fetch_all(pool)
    .await?;
    let mut reviews = Vec::new();
    let mut hidden = Vec::new();
    for r in rows {
        match (r.hidden_at, r.hidden_reason) {
            (Some(at), Some(reason)) => hidden.push(HiddenReview {
                number: r.id,
                hidden_on: crate::domain::wib::format_wib_date(at),
                reason,
            }),
            _ => reviews.push(PublishedReview {
                number: r.id,
                training_stars: stars(r.training_stars),
                service_stars: stars(r.service_stars),
                body: r.body,
                written_on: crate::domain::wib::format_wib_date(r.written_at),
            }),
        }
    }
    Ok(Some(TrainingReviews {
        training_id,
        title: training.title,
        provider: training.provider,
        platform: training.platform,
        training: spread(training.rating_counts),
        provider_spread: spread(training.provider_counts),
        service: spread(training.service_rating_counts),
        reviews,
        hidden,
    }))
}

/// The newest reviews, for moderation.
pub struct ReviewForModeration {
    pub number: i64,
    pub training: String,
    pub training_stars: i16,
    pub service_stars: i16,
    pub body: String,
    pub written_at: DateTime<Utc>,
    pub hidden_reason: Option<String>,
}

pub async fn newest(pool: &PgPool, limit: i64) -> Result<Vec<ReviewForModeration>, AppError> {
    Ok(sqlx::query_as!(
        ReviewForModeration,
        r#"select r.id as number, t.title as training, r.training_stars, r.service_stars, r.body, r.written_at, r.hidden_reason
           from reviews r join purchases p on p.id = r.purchase_id join trainings t on t.id = p.training_id
           order by r.id desc limit $1"#,
        limit
    )
    .fetch_all(pool)
    .await?)
}
