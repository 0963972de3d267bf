//! Cards and purchases in PostgreSQL.

use chrono::{DateTime, Utc};
use rand::Rng;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Purchase, PurchaseLine, PurchaseOutcome, TrainingProgress, VOUCHER_ALPHABET};
pub use crate::card::card_of_account;
use crate::domain::card_number::new_card_number;
use crate::{domain::Rupiah, error::AppError};

/// What a new card is given.
#[derive(Clone, Debug)]
pub struct NewCard {
    pub applicant_id: Uuid,
    pub wave_id: i32,
    pub balance: Rupiah,
    pub accepted_at: DateTime<Utc>,
    pub first_purchase_due_at: DateTime<Utc>,
}

fn new_voucher_code() -> String {
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| char::from(VOUCHER_ALPHABET[rng.random_range(0..VOUCHER_ALPHABET.len())]))
                .collect()
        })
        .collect();
    groups.join("-")
}

/// Gives an applicant their card; an applicant who has one keeps it (idempotent). Returns the
/// card's id.
pub async fn issue_card(conn: &mut PgConnection, card: &NewCard) -> Result<Uuid, AppError> {
    // A clash of random card numbers is rare; try another number then.
    for _ in 0..5 {
        let inserted = sqlx::query_scalar!(
            "insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                                first_purchase_due_at)
             values ($1, $2, $3, $4, $5, $5, $6, $7)
             on conflict do nothing
             returning id",
            Uuid::now_v7(),
            card.applicant_id,
            card.wave_id,
            new_card_number(),
            card.balance.whole(),
            card.accepted_at,
            card.first_purchase_due_at,
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = inserted {
            return Ok(id);
        }
        let existing = sqlx::query_scalar!("select id from cards where applicant_id = $1", card.applicant_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
    }
    Err(AppError::internal("no free card number after 5 tries"))
}

/// A purchase the card made before: the one with this idempotency key, or (with no key) the one
/// of this training; with the card's balance now.
async fn earlier_purchase(
    conn: &mut PgConnection,
    card_id: Uuid,
    key: Option<Uuid>,
    training_id: Option<i32>,
) -> Result<Option<Purchase>, AppError> {
    let row = sqlx::query!(
        "select p.id, p.training_id, p.price, p.voucher_code, c.balance
         from purchases p join cards c on c.id = p.card_id
         where p.card_id = $1 and (p.idempotency_key = $2 or ($2 is null and p.training_id = $3))",
        card_id,
        key,
        training_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| purchase_of(r.id, r.training_id, r.price, r.voucher_code, r.balance))
        .transpose()
}

fn purchase_of(
    id: Uuid,
    training_id: i32,
    price: i64,
    voucher_code: String,
    balance: i64,
) -> Result<Purchase, AppError> {
    let amount = |value: i64| Rupiah::from_whole(value).ok_or_else(|| AppError::internal("amount out of range"));
    Ok(Purchase {
        id,
        training_id,
        price: amount(price)?,
        voucher_code,
        balance_after: amount(balance)?,
    })
}

/// Buys a training with a card, in one transaction. The price is deducted only if the card is
/// valid (not revoked, and its first purchase not past due) and its balance covers it; the
/// `balance >= 0` constraint backs this. A retry with the same `key` returns the first
/// purchase and charges nothing.
pub async fn purchase(
    pool: &PgPool,
    card_id: Uuid,
    training_id: i32,
    key: Uuid,
    now: DateTime<Utc>,
) -> Result<PurchaseOutcome, AppError> {
    let mut tx = pool.begin().await?;
    if let Some(earlier) = earlier_purchase(&mut tx, card_id, Some(key), None).await? {
        return Ok(PurchaseOutcome::Bought(earlier));
    }
    let price = sqlx::query_scalar!(
        "select price from trainings where id = $1 and hidden_at is null",
        training_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(price) = price else {
        return Ok(PurchaseOutcome::TrainingUnavailable);
    };
    // The purchase row first: a concurrent retry with the same key waits on its unique index
    // until this transaction ends, then finds it.
    let purchase_id = Uuid::now_v7();
    let voucher_code = new_voucher_code();
    let inserted = sqlx::query!(
        "insert into purchases (id, card_id, training_id, price, idempotency_key, voucher_code, purchased_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict do nothing",
        purchase_id,
        card_id,
        training_id,
        price,
        key,
        voucher_code,
        now
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        tx.rollback().await?;
        let mut conn = pool.acquire().await?;
        if let Some(earlier) = earlier_purchase(&mut conn, card_id, Some(key), None).await? {
            return Ok(PurchaseOutcome::Bought(earlier));
        }
        if let Some(earlier) = earlier_purchase(&mut conn, card_id, None, Some(training_id)).await? {
            return Ok(PurchaseOutcome::AlreadyBought(earlier));
        }
        return Err(AppError::internal("purchase not recorded: voucher code clash"));
    }
    // Under the card's row lock, so concurrent purchases are charged one after another and each
    // sees the balance the one before it left.
    let charged = sqlx::query_scalar!(
        "update cards
         set balance = balance - $2, first_purchased_at = coalesce(first_purchased_at, $3)
         where id = $1 and revoked_at is null and balance >= $2
           and (first_purchased_at is not null or first_purchase_due_at > $3)
         returning balance",
        card_id,
        price,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(balance_after) = charged else {
        tx.rollback().await?;
        let card = sqlx::query!(
            "select balance, revoked_at, first_purchased_at, first_purchase_due_at from cards where id = $1",
            card_id
        )
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
        let valid =
            card.revoked_at.is_none() && (card.first_purchased_at.is_some() || card.first_purchase_due_at > now);
        if !valid {
            return Ok(PurchaseOutcome::CardRevoked);
        }
        let amount = |value: i64| Rupiah::from_whole(value).ok_or_else(|| AppError::internal("amount out of range"));
        return Ok(PurchaseOutcome::NotEnoughBalance {
            balance: amount(card.balance)?,
            price: amount(price)?,
        });
    };
    sqlx::query!(
        "update trainings set purchases = purchases + 1 where id = $1",
        training_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PurchaseOutcome::Bought(purchase_of(
        purchase_id,
        training_id,
        price,
        voucher_code,
        balance_after,
    )?))
}

/// Days before an unused card is revoked that its holder is reminded by email.
pub const REMINDER_DAYS: [i32; 2] = [7, 2];

/// Reminds by email the holders of cards not yet used, 7 and then 2 days before they are
/// revoked (a card with less than 2 days left gets only the second reminder). Each reminder is
/// recorded with its email in one transaction, so it is sent once, whoever runs the job. Returns
/// how many were queued.
pub async fn remind_unused_cards(pool: &PgPool, now: DateTime<Utc>, public_url: &str) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let due = sqlx::query!(
        r#"with due as (
               select c.id, d.days, c.first_purchase_due_at, c.balance
               from cards c cross join unnest($2::int[]) as d(days)
               where c.revoked_at is null and c.first_purchased_at is null
                 and c.first_purchase_due_at > $1
                 and c.first_purchase_due_at <= $1 + make_interval(days => d.days)
                 -- the earlier reminder is not sent once the later one is due
                 and (d.days = 2 or c.first_purchase_due_at > $1 + interval '2 days')
               order by c.first_purchase_due_at
               limit 5000
           ),
           recorded as (
               insert into card_reminders (card_id, days_before, sent_at)
               select id, days, $1 from due
               on conflict do nothing
               returning card_id, days_before
           )
           select u.email, due.first_purchase_due_at, due.balance, due.days as "days!"
           from recorded join due on due.id = recorded.card_id and due.days = recorded.days_before
           join cards c on c.id = due.id join applicants a on a.id = c.applicant_id
           join accounts u on u.id = a.account_id"#,
        now,
        &REMINDER_DAYS
    )
    .fetch_all(&mut *tx)
    .await?;
    for card in &due {
        let balance = Rupiah::from_whole(card.balance).ok_or_else(|| AppError::internal("amount out of range"))?;
        let when = crate::domain::wib::format_wib(card.first_purchase_due_at);
        let body = format!(
            "Kartu Prakerja Anda belum dipakai membeli pelatihan. Bila sampai {when} belum ada pembelian pertama, \
             kartu dicabut dan saldonya ({balance}) dikembalikan ke negara.\n\n\
             Pilih pelatihan di {public_url}{catalogue}.\n\n\
             Surel ini dikirim otomatis; jangan berikan kode atau kata sandi kepada siapa pun.",
            catalogue = crate::paths::CATALOGUE_PATH,
        );
        let subject = format!("Kartu Prakerja Anda dicabut {} hari lagi bila belum dipakai", card.days);
        crate::outbox::db::enqueue_email(&mut *tx, &card.email, &subject, &body).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// A card revoked for want of a first purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub card_id: Uuid,
    pub returned_balance: Rupiah,
}

/// Revokes every card whose first purchase is past due, returning its balance. Safe to run from
/// any number of workers at once, and against purchases in flight: the condition is on the
/// card's own row, which a purchase updates under the same lock.
pub async fn revoke_overdue_cards(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Revocation>, AppError> {
    let rows = sqlx::query!(
        "update cards set revoked_at = $1, returned_balance = balance, balance = 0
         where revoked_at is null and first_purchased_at is null and first_purchase_due_at <= $1
         returning id, returned_balance as \"returned_balance!\"",
        now
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Revocation {
                card_id: row.id,
                returned_balance: Rupiah::from_whole(row.returned_balance)
                    .ok_or_else(|| AppError::internal("amount out of range"))?,
            })
        })
        .collect()
}

/// A card's purchases, newest first.
pub async fn purchases_of_card(pool: &PgPool, card_id: Uuid) -> Result<Vec<PurchaseLine>, AppError> {
    let rows = sqlx::query!(
        r#"select p.id, t.id as training_id, t.title, pl.name as platform, p.price, p.voucher_code, p.purchased_at,
                  p.started_at, p.progress_percent, c.code as "certificate?", c.revoked_reason as "revoked_reason?",
                  exists (select 1 from reviews r where r.purchase_id = p.id) as "reviewed!",
                  cr.purchase_id is not null and cr.decision is null as "awaiting_review!",
                  case when cr.decision = 'ditolak' then cr.decision_reason end as "refused_reason?"
           from purchases p join trainings t on t.id = p.training_id join platforms pl on pl.code = t.platform_code
           left join certificates c on c.purchase_id = p.id
           left join completion_reviews cr on cr.purchase_id = p.id
           where p.card_id = $1 order by p.purchased_at desc, p.id desc"#,
        card_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PurchaseLine {
                id: r.id,
                training_id: r.training_id,
                title: r.title,
                platform: r.platform,
                price: Rupiah::from_whole(r.price).ok_or_else(|| AppError::internal("amount out of range"))?,
                voucher_code: r.voucher_code,
                purchased_at: crate::domain::wib::format_wib(r.purchased_at),
                progress: match (r.started_at, r.certificate, r.revoked_reason) {
                    (_, None, _) if r.awaiting_review => TrainingProgress::AwaitingReview,
                    (_, None, _) if r.refused_reason.is_some() => TrainingProgress::CompletionRefused {
                        reason: r.refused_reason.unwrap_or_default(),
                    },
                    (_, Some(_), Some(reason)) => TrainingProgress::CertificateRevoked { reason },
                    (_, Some(code), None) => TrainingProgress::Completed {
                        certificate: code,
                        reviewed: r.reviewed,
                    },
                    (Some(_), None, _) => TrainingProgress::InProgress {
                        percent: r.progress_percent,
                    },
                    (None, None, _) => TrainingProgress::NotStarted,
                },
            })
        })
        .collect()
}
