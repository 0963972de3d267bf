//! The cards of a closed wave, issued after the close by a job: a block of holders at a time,
//! each block's cards inserted and the block deleted in one transaction. Several portal
//! processes run the job side by side (`FOR UPDATE SKIP LOCKED`); a crash rolls back the block
//! it was in, which the next run issues. `cards.applicant_id` is unique: nobody gets two.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{domain::Rupiah, error::AppError};

/// Holders per pending block: small enough that a block's transaction is short (a crash redoes
/// little), large enough that a million cards are a few hundred transactions.
const CARD_BLOCK: usize = 4096;

/// Writes the selected applicants of a close as pending blocks, in applicant order: the card
/// numbers follow that order, so both the applicant index and the card-number index of `cards`
/// grow in order when the blocks are issued.
pub(super) async fn queue_cards(conn: &mut PgConnection, wave_id: i32, mut holders: Vec<Uuid>) -> Result<(), AppError> {
    holders.sort_unstable();
    let mut copy = conn
        .copy_in_raw(
            "copy wave_pending_cards (wave_id, first_sequence, holders, holder_count) from stdin with (format binary)",
        )
        .await?;
    let mut rows = crate::pg_copy::BinaryCopyWriter::new();
    for (index, block) in holders.chunks(CARD_BLOCK).enumerate() {
        rows.row(4);
        rows.int4(wave_id);
        rows.int8((index * CARD_BLOCK + 1) as i64);
        rows.uuid_array(block.iter().copied());
        rows.int4(i32::try_from(block.len()).map_err(AppError::internal)?);
        if rows.len() >= crate::pg_copy::SEND_AT {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}

/// Whether a block taken by the job may be one another worker holds.
#[derive(Clone, Copy)]
pub(super) enum Waiting {
    /// The job: leave a block another worker is issuing.
    SkipLocked,
    /// The close: wait for it, so that every earlier card exists before the pool is frozen.
    WaitForIt,
}

/// Issues the next pending block in its own transaction: how many cards it gave, or `None` when
/// nothing is pending (or every pending block is being issued by another worker).
pub async fn issue_pending_block(pool: &PgPool) -> Result<Option<u64>, AppError> {
    let mut tx = pool.begin().await?;
    // A block's lookups are thousands of index probes the planner prices high enough to
    // compile (16 ms of JIT for 40 ms of work).
    sqlx::query!("set local jit = off").execute(&mut *tx).await?;
    let issued = issue_next_block(&mut tx, Waiting::SkipLocked).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Issues every pending block this worker can take; returns how many cards it issued.
pub async fn issue_pending_cards(pool: &PgPool) -> Result<u64, AppError> {
    let mut total = 0;
    while let Some(issued) = issue_pending_block(pool).await? {
        total += issued;
    }
    Ok(total)
}

/// Cards of closed waves still waiting for the job, by wave.
pub async fn pending_cards(pool: &PgPool) -> Result<Vec<(i32, i64)>, AppError> {
    Ok(sqlx::query!(
        r#"select wave_id, sum(holder_count)::bigint as "pending!" from wave_pending_cards group by wave_id order by wave_id"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| (row.wave_id, row.pending))
    .collect())
}

struct PendingBlock {
    wave_id: i32,
    first_sequence: i64,
    holders: Vec<Uuid>,
    balance: i64,
    drawn_at: DateTime<Utc>,
    first_purchase_days: i32,
}

async fn next_block(conn: &mut PgConnection, waiting: Waiting) -> Result<Option<PendingBlock>, AppError> {
    // Two statements, as `SKIP LOCKED` cannot be a parameter.
    let block = match waiting {
        Waiting::SkipLocked => {
            sqlx::query_as!(
                PendingBlock,
                r#"select p.wave_id, p.first_sequence, p.holders, w.balance, w.drawn_at as "drawn_at!",
                      w.first_purchase_days::integer as "first_purchase_days!"
               from wave_pending_cards p join waves w on w.id = p.wave_id
               order by p.wave_id, p.first_sequence limit 1 for update of p skip locked"#
            )
            .fetch_optional(&mut *conn)
            .await?
        }
        Waiting::WaitForIt => {
            sqlx::query_as!(
                PendingBlock,
                r#"select p.wave_id, p.first_sequence, p.holders, w.balance, w.drawn_at as "drawn_at!",
                      w.first_purchase_days::integer as "first_purchase_days!"
               from wave_pending_cards p join waves w on w.id = p.wave_id
               order by p.wave_id, p.first_sequence limit 1 for update of p"#
            )
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(block)
}

/// Takes one pending block, inserts its cards and deletes it, in the caller's transaction.
pub(super) async fn issue_next_block(conn: &mut PgConnection, waiting: Waiting) -> Result<Option<u64>, AppError> {
    let Some(block) = next_block(conn, waiting).await? else {
        return Ok(None);
    };
    // A holder who has a card already (issued by hand since the close), or whose record is
    // gone, is passed over; the others keep the sequence number of their place in the block.
    // Each is looked up by index: written as `[not] exists`, the planner hashed every card
    // (a million by the end of a wave) for each block.
    let to_issue = sqlx::query!(
        r#"select h.holder as "holder!", h.place as "place!"
           from unnest($1::uuid[]) with ordinality as h (holder, place)
           where (select a.id from applicants a where a.id = h.holder) is not null
             and (select c.id from cards c where c.applicant_id = h.holder) is null
           order by h.place"#,
        &block.holders
    )
    .fetch_all(&mut *conn)
    .await?;
    let balance = Rupiah::from_whole(block.balance).ok_or_else(|| AppError::internal("balance out of range"))?;
    let due = block.drawn_at + Duration::days(i64::from(block.first_purchase_days));
    let mut cards = Vec::with_capacity(to_issue.len());
    for row in &to_issue {
        let sequence = u64::try_from(block.first_sequence + row.place - 1).map_err(AppError::internal)?;
        cards.push((row.holder, card_number_for(block.wave_id, sequence)?));
    }
    replace_taken_numbers(conn, block.wave_id, &mut cards).await?;
    insert_cards(conn, block.wave_id, &cards, balance, block.drawn_at, due).await?;
    sqlx::query!(
        "delete from wave_pending_cards where wave_id = $1 and first_sequence = $2",
        block.wave_id,
        block.first_sequence
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(cards.len() as u64))
}

/// The card number of the `sequence`th holder of wave `wave_id`'s cards (counted in the order of
/// their applicant ids): 8, the wave (4 digits), the sequence (10 digits), a Luhn check digit.
/// Unique by construction. A card number is not a secret: buying needs its owner signed in.
fn card_number_for(wave_id: i32, sequence: u64) -> Result<String, AppError> {
    if !(0..10_000).contains(&wave_id) || sequence >= 10_000_000_000 {
        return Err(AppError::internal("wave or sequence too large for a card number"));
    }
    let body = format!("8{wave_id:04}{sequence:010}");
    let mut digits = [0u8; 15];
    for (digit, byte) in digits.iter_mut().zip(body.bytes()) {
        *digit = byte - b'0';
    }
    Ok(format!(
        "{body}{}",
        crate::domain::card_number::luhn_check_digit(&digits)
    ))
}

/// A card issued by hand may hold a number of this block's range: the few that clash get a
/// random number outside the wave's range instead. Checked first, so that the block goes in as
/// one plain COPY (`on conflict` would cost a check of every unique index per row).
async fn replace_taken_numbers(
    conn: &mut PgConnection,
    wave_id: i32,
    cards: &mut [(Uuid, String)],
) -> Result<(), AppError> {
    let (Some(first), Some(last)) = (cards.first(), cards.last()) else {
        return Ok(());
    };
    let taken: std::collections::HashSet<String> = sqlx::query_scalar!(
        r#"select card_number as "card_number!" from cards where card_number >= $1 and card_number <= $2"#,
        first.1,
        last.1
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let prefix = format!("8{wave_id:04}");
    for (_, number) in cards.iter_mut().filter(|(_, number)| taken.contains(number.as_str())) {
        loop {
            let random = crate::domain::card_number::new_card_number();
            // Outside the wave's range, so outside `taken` too.
            if !random.starts_with(&prefix) {
                *number = random;
                break;
            }
        }
    }
    Ok(())
}

/// Inserts a block's cards with the wave's balance: one binary COPY, in applicant order.
async fn insert_cards(
    conn: &mut PgConnection,
    wave_id: i32,
    cards: &[(Uuid, String)],
    balance: Rupiah,
    accepted_at: DateTime<Utc>,
    first_purchase_due_at: DateTime<Utc>,
) -> Result<(), AppError> {
    if cards.is_empty() {
        return Ok(());
    }
    let mut copy = conn
        .copy_in_raw(
            "copy cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                         first_purchase_due_at) from stdin with (format binary)",
        )
        .await?;
    let mut rows = crate::pg_copy::BinaryCopyWriter::new();
    for (applicant, number) in cards {
        rows.row(8);
        rows.uuid(Uuid::now_v7());
        rows.uuid(*applicant);
        rows.int4(wave_id);
        rows.text(number);
        rows.int8(balance.whole());
        rows.int8(balance.whole());
        rows.timestamptz(accepted_at);
        rows.timestamptz(first_purchase_due_at);
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}
