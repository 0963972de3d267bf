//! Creating a wave: its name, dates and quota, the priority lists, and the seed.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::super::{NewWave, NikList, SeedValue, TierName};
use crate::error::AppError;

#[derive(Debug, PartialEq, Eq)]
pub enum CreateWaveError {
    NameTaken,
}

/// Creates a wave (audited). The seed's source is recorded now, before its value can exist.
pub async fn create(
    pool: &PgPool,
    wave: &NewWave,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<i32, CreateWaveError>, AppError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, first_purchase_days,
                            test_carries_over, seed_source)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (name) do nothing returning id",
        wave.name.as_str(),
        wave.window.opens_at,
        wave.window.closes_at,
        now,
        wave.quota.get() as i32,
        wave.balance.whole(),
        wave.first_purchase_days.get() as i16,
        wave.test_carries_over,
        wave.seed_source.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(Err(CreateWaveError::NameTaken));
    };
    crate::audit::record(
        &mut *tx,
        actor,
        "waves.create",
        wave.name.as_str(),
        None,
        Some(serde_json::json!({
            "id": id,
            "join_opens_at": wave.window.opens_at,
            "join_closes_at": wave.window.closes_at,
            "quota": wave.quota.get(),
            "balance": wave.balance.whole(),
            "first_purchase_days": wave.first_purchase_days.get(),
            "test_carries_over": wave.test_carries_over,
            "seed_source": wave.seed_source.as_str(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

#[derive(Debug, PartialEq, Eq)]
pub enum TierError {
    /// The seed is known: the pool's tiers can no longer change.
    SeedEntered,
    NameTaken,
    TooManyTiers,
}

/// Adds a priority tier, served after the existing ones, with its NIKs (audited; the NIKs are
/// counted in the audit log, not copied). A NIK already on an earlier list stays there.
/// Returns the tier's number and how many NIKs it got.
pub async fn add_tier(
    pool: &PgPool,
    wave_id: i32,
    name: &TierName,
    niks: &NikList,
    actor: &str,
) -> Result<Result<(i16, u64), TierError>, AppError> {
    let mut tx = pool.begin().await?;
    let wave = sqlx::query!("select name, seed from waves where id = $1 for update", wave_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(wave) = wave else {
        return Err(AppError::NotFound);
    };
    if wave.seed.is_some() {
        return Ok(Err(TierError::SeedEntered));
    }
    let tier = sqlx::query_scalar!(
        r#"select (coalesce(max(tier), 0) + 1)::smallint as "tier!" from wave_tiers where wave_id = $1"#,
        wave_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if tier > 98 {
        return Ok(Err(TierError::TooManyTiers));
    }
    let inserted = sqlx::query!(
        "insert into wave_tiers (wave_id, tier, name) values ($1, $2, $3) on conflict do nothing",
        wave_id,
        tier,
        name.as_str()
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(Err(TierError::NameTaken));
    }
    let niks: Vec<String> = niks.niks().iter().map(|n| n.as_str().to_owned()).collect();
    let added = sqlx::query!(
        "insert into wave_tier_niks (wave_id, nik, tier) select $1, nik, $2 from unnest($3::text[]) as n (nik)
         on conflict (wave_id, nik) do nothing",
        wave_id,
        tier,
        &niks
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    crate::audit::record(
        &mut *tx,
        actor,
        "waves.add_tier",
        &wave.name,
        None,
        Some(serde_json::json!({ "tier": tier, "name": name.as_str(), "niks": niks.len(), "new_niks": added })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok((tier, added)))
}

#[derive(Debug, PartialEq, Eq)]
pub enum SeedError {
    /// Joining is still open: a seed known now would let someone choose who joins.
    JoiningOpen,
    AlreadyEntered,
}

/// Records the seed's value and when it was entered, once (audited).
pub async fn enter_seed(
    pool: &PgPool,
    wave_id: i32,
    seed: &SeedValue,
    operator_id: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), SeedError>, AppError> {
    let mut tx = pool.begin().await?;
    let wave = sqlx::query!(
        "select name, join_closes_at, seed from waves where id = $1 for update",
        wave_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(wave) = wave else {
        return Err(AppError::NotFound);
    };
    if wave.seed.is_some() {
        return Ok(Err(SeedError::AlreadyEntered));
    }
    if now < wave.join_closes_at {
        return Ok(Err(SeedError::JoiningOpen));
    }
    sqlx::query!(
        "update waves set seed = $2, seed_entered_at = $3, seed_entered_by = $4 where id = $1",
        wave_id,
        seed.as_str(),
        now,
        operator_id
    )
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        actor,
        "waves.enter_seed",
        &wave.name,
        None,
        Some(serde_json::json!({ "seed": seed.as_str(), "entered_at": now })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
