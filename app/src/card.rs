//! A participant's card as its holder sees it: read by the catalogue (the balance to spend), the
//! wave standing (the card a selection gave) and the purchases page. The cards feature sells
//! with it; this is what the others read.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Rupiah;

/// A participant's card, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    pub id: Uuid,
    /// Only the last four digits: the number buys trainings.
    pub masked_number: String,
    pub balance: Rupiah,
    pub initial_balance: Rupiah,
    /// Not revoked, and its first purchase not past due.
    pub usable: bool,
    pub revoked: bool,
    /// "10 Januari 2027 10.00 WIB" while no purchase has been made yet.
    pub first_purchase_due: Option<String>,
}

/// The card of an account's applicant, if they are a participant.
#[cfg(feature = "ssr")]
pub async fn card_of_account(
    pool: &sqlx::PgPool,
    account_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<CardView>, crate::error::AppError> {
    let row = sqlx::query!(
        "select c.id, c.card_number, c.balance, c.initial_balance, c.revoked_at, c.first_purchased_at,
                c.first_purchase_due_at
         from cards c join applicants a on a.id = c.applicant_id
         where a.account_id = $1",
        account_id
    )
    .fetch_optional(pool)
    .await?;
    let amount =
        |value: i64| Rupiah::from_whole(value).ok_or_else(|| crate::error::AppError::internal("amount out of range"));
    row.map(|r| {
        let revoked = r.revoked_at.is_some();
        let due = r.first_purchased_at.is_none().then_some(r.first_purchase_due_at);
        Ok(CardView {
            id: r.id,
            masked_number: format!("•••• •••• •••• {}", &r.card_number[12..]),
            balance: amount(r.balance)?,
            initial_balance: amount(r.initial_balance)?,
            usable: !revoked && due.is_none_or(|due| due > now),
            revoked,
            first_purchase_due: due.map(crate::domain::wib::format_wib),
        })
    })
    .transpose()
}
