//! Waves in PostgreSQL: creating them, priority lists, joining, the seed, the close (freeze,
//! rank, write outcomes and cards in one transaction) and the outcome notifications.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use draw::{DrawId, Pool, PoolEntry, Ranking, Tier};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    FailedCheck, JoinOutcome, JoinableWave, NewWave, NikList, SeedValue, TierName, WavePanelData, WaveStanding,
};
use crate::{domain::Rupiah, error::AppError, verification::VerificationStatus};

/// Closes take this advisory lock, one at a time: an applicant in two waves closing together
/// must not get two cards, and eligibility ("already a participant") must see earlier closes.
const CLOSE_LOCK: i64 = 0x7761_7665_636c_6f73; // "waveclos"

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
    NoWave,
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
        return Ok(Err(TierError::NoWave));
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
    NoWave,
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
        return Ok(Err(SeedError::NoWave));
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

/// A wave applicants can join now.
struct OpenWave {
    id: i32,
    name: String,
    closes_at: DateTime<Utc>,
    test_carries_over: bool,
}

/// Waves open for joining now (usually one), earliest first.
async fn open_waves(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<OpenWave>, AppError> {
    Ok(sqlx::query!(
        "select id, name, join_closes_at, test_carries_over from waves
         where join_opens_at <= $1 and join_closes_at > $1 and drawn_at is null
         order by join_opens_at, id limit 10",
        now
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|w| OpenWave {
        id: w.id,
        name: w.name,
        closes_at: w.join_closes_at,
        test_carries_over: w.test_carries_over,
    })
    .collect())
}

/// Why an applicant may not join `wave`, if they may not (already joined is not checked here).
async fn join_refusal(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    wave_id: i32,
    test_carries_over: bool,
) -> Result<Option<JoinOutcome>, AppError> {
    let row = sqlx::query!(
        r#"select v.status as "status?",
                  exists (select 1 from cards c where c.applicant_id = $1) as "participant!",
                  (select t.passed from test_attempts t
                   where t.applicant_id = $1 and t.finished_at is not null and ($3 or t.wave_id = $2)
                   order by t.finished_at desc limit 1) as "passed?"
           from applicants a left join verifications v on v.applicant_id = a.id where a.id = $1"#,
        applicant_id,
        wave_id,
        test_carries_over
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(if row.participant {
        Some(JoinOutcome::AlreadyParticipant)
    } else if row.status.as_deref() != Some(VerificationStatus::Verified.code()) {
        Some(JoinOutcome::NotVerified)
    } else if row.passed != Some(true) {
        Some(JoinOutcome::TestNotPassed)
    } else {
        None
    })
}

async fn applicant_of(conn: &mut PgConnection, account_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(
        sqlx::query_scalar!("select id from applicants where account_id = $1", account_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// A fresh draw id: random, below 2^63.
fn new_draw_id() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Joins the wave `wave_id` if it is open and the applicant may; joining twice keeps the first
/// entry.
pub async fn join(pool: &PgPool, account_id: Uuid, wave_id: i32, now: DateTime<Utc>) -> Result<JoinOutcome, AppError> {
    let mut tx = pool.begin().await?;
    let Some(applicant_id) = applicant_of(&mut tx, account_id).await? else {
        return Ok(JoinOutcome::NotVerified);
    };
    let joined = sqlx::query_scalar!(
        "select w.name from wave_entries e join waves w on w.id = e.wave_id where e.wave_id = $1 and e.applicant_id = $2",
        wave_id,
        applicant_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(wave_name) = joined {
        return Ok(JoinOutcome::AlreadyJoined { wave_name });
    }
    let Some(wave) = open_waves(&mut tx, now).await?.into_iter().find(|w| w.id == wave_id) else {
        return Ok(JoinOutcome::NotOpen);
    };
    if let Some(refusal) = join_refusal(&mut tx, applicant_id, wave.id, wave.test_carries_over).await? {
        return Ok(refusal);
    }
    // A clash of random draw ids is rare (2^63 of them); draw another then.
    for _ in 0..5 {
        sqlx::query!(
            "insert into wave_entries (wave_id, applicant_id, draw_id, joined_at) values ($1, $2, $3, $4)
             on conflict do nothing",
            wave.id,
            applicant_id,
            new_draw_id(),
            now
        )
        .execute(&mut *tx)
        .await?;
        let entered = sqlx::query_scalar!(
            r#"select exists (select 1 from wave_entries where wave_id = $1 and applicant_id = $2) as "x!""#,
            wave.id,
            applicant_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if entered {
            tx.commit().await?;
            return Ok(JoinOutcome::Joined { wave_name: wave.name });
        }
    }
    Err(AppError::internal("no free draw id after 5 tries"))
}

fn draw_id_text(draw_id: i64) -> String {
    DrawId::from_i64(draw_id).map(|id| id.to_string()).unwrap_or_default()
}

/// Where the applicant behind an account stands with waves, and which open waves they may join.
pub async fn standing(pool: &PgPool, account_id: Uuid, now: DateTime<Utc>) -> Result<WavePanelData, AppError> {
    let mut conn = pool.acquire().await?;
    let Some(applicant_id) = applicant_of(&mut conn, account_id).await? else {
        return Ok(WavePanelData::nothing());
    };
    let mut joinable = Vec::new();
    for wave in open_waves(&mut conn, now).await? {
        let joined = sqlx::query_scalar!(
            r#"select exists (select 1 from wave_entries where wave_id = $1 and applicant_id = $2) as "x!""#,
            wave.id,
            applicant_id
        )
        .fetch_one(&mut *conn)
        .await?;
        if !joined
            && join_refusal(&mut conn, applicant_id, wave.id, wave.test_carries_over)
                .await?
                .is_none()
        {
            joinable.push(JoinableWave {
                id: wave.id,
                name: wave.name,
                closes_at: crate::registration::format_wib(wave.closes_at),
            });
        }
    }
    let latest = sqlx::query!(
        r#"select e.wave_id, w.name, e.draw_id, w.join_closes_at, w.drawn_at, w.selected_count, w.pool_size,
                  o.rank as "rank?", o.failed_check as "failed_check?"
           from wave_entries e join waves w on w.id = e.wave_id
           left join wave_outcomes o on o.wave_id = e.wave_id and o.draw_id = e.draw_id
           where e.applicant_id = $1 order by e.joined_at desc, e.wave_id desc limit 1"#,
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(entry) = latest else {
        return Ok(WavePanelData {
            standing: WaveStanding::Nothing,
            joinable,
        });
    };
    let draw_id = draw_id_text(entry.draw_id);
    let standing = if entry.drawn_at.is_none() {
        WaveStanding::Joined {
            wave_id: entry.wave_id,
            wave_name: entry.name,
            draw_id,
            closes_at: crate::registration::format_wib(entry.join_closes_at),
        }
    } else if let Some(check) = entry.failed_check.as_deref().and_then(FailedCheck::parse) {
        WaveStanding::NotEligible {
            wave_id: entry.wave_id,
            wave_name: entry.name,
            check,
        }
    } else {
        let rank = i64::from(
            entry
                .rank
                .ok_or_else(|| AppError::internal("drawn entry without outcome"))?,
        );
        let cut_off = i64::from(entry.selected_count.unwrap_or(0));
        if rank <= cut_off {
            drop(conn);
            let card = crate::cards::db::card_of_account(pool, account_id, now)
                .await?
                .ok_or_else(|| AppError::internal("selected applicant without a card"))?;
            WaveStanding::Selected {
                wave_id: entry.wave_id,
                wave_name: entry.name,
                draw_id,
                rank,
                masked_card_number: card.masked_number,
                balance: card.balance,
            }
        } else {
            WaveStanding::NotSelected {
                wave_id: entry.wave_id,
                wave_name: entry.name,
                draw_id,
                rank,
                cut_off,
                pool_size: i64::from(entry.pool_size.unwrap_or(0)),
            }
        }
    };
    Ok(WavePanelData { standing, joinable })
}

/// The steps of a close, reported as each ends (for the benchmark's timings and for tests that
/// stop a close half-way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosePhase {
    /// Eligibility rechecked, pool frozen and its digest computed.
    Freeze,
    Rank,
    WriteOutcomes,
    IssueCards,
}

/// A close that was done (now or before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    pub wave_name: String,
    pub pool_digest: String,
    pub result_digest: String,
    pub pool_size: i64,
    pub selected: i64,
    pub ineligible: i64,
    /// The wave had been closed before: nothing changed.
    pub earlier: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CloseRefusal {
    NoWave,
    JoiningOpen,
    NoSeed,
}

/// One line of the frozen pool before ranking.
struct Frozen {
    entries: Vec<PoolEntry>,
    ineligible: Vec<(i64, FailedCheck)>,
}

/// Reads every entry of the closing wave with its tier and the first eligibility check it
/// fails, through COPY (the fastest way out of PostgreSQL). COPY takes no bind parameters, so
/// the wave and the general tier reach the query as transaction-local settings.
async fn freeze(conn: &mut PgConnection, wave_id: i32, general_tier: i16) -> Result<Frozen, AppError> {
    sqlx::query!(
        "select set_config('prakerja.closing_wave', $1, true) as wave, set_config('prakerja.general_tier', $2, true) as tier",
        wave_id.to_string(),
        general_tier.to_string()
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut stream = conn
        .copy_out_raw(
            "copy (select e.draw_id, coalesce(t.tier, current_setting('prakerja.general_tier')::smallint),
                          case when v.status is distinct from 'terverifikasi' then 'tidak-terverifikasi'
                               when x.nik is not null then 'daftar-pengecualian'
                               when c.applicant_id is not null then 'sudah-peserta' end
                   from wave_entries e
                   join applicants a on a.id = e.applicant_id
                   left join verifications v on v.applicant_id = e.applicant_id
                   left join exclusions x on x.nik = a.nik
                   left join cards c on c.applicant_id = e.applicant_id
                   left join wave_tier_niks t on t.wave_id = e.wave_id and t.nik = a.nik
                   where e.wave_id = current_setting('prakerja.closing_wave')::integer) to stdout",
        )
        .await?;
    let mut frozen = Frozen {
        entries: Vec::new(),
        ineligible: Vec::new(),
    };
    let mut partial: Vec<u8> = Vec::new();
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let mut rest: &[u8] = &chunk;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            if partial.is_empty() {
                read_frozen_line(&rest[..end], &mut frozen)?;
            } else {
                partial.extend_from_slice(&rest[..end]);
                read_frozen_line(&partial, &mut frozen)?;
                partial.clear();
            }
            rest = &rest[end + 1..];
        }
        partial.extend_from_slice(rest);
    }
    Ok(frozen)
}

fn read_frozen_line(line: &[u8], frozen: &mut Frozen) -> Result<(), AppError> {
    let bad = || AppError::internal("unexpected line from the pool's COPY");
    let text = std::str::from_utf8(line).map_err(|_| bad())?;
    let mut fields = text.split('\t');
    let (Some(id), Some(tier), Some(check)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(bad());
    };
    let id: i64 = id.parse().map_err(|_| bad())?;
    if check == "\\N" {
        let tier = tier.parse::<u16>().ok().and_then(Tier::new).ok_or_else(bad)?;
        frozen.entries.push(PoolEntry {
            draw_id: DrawId::from_i64(id).ok_or_else(bad)?,
            tier,
        });
    } else {
        frozen.ineligible.push((id, FailedCheck::parse(check).ok_or_else(bad)?));
    }
    Ok(())
}

/// Card numbers for the selected, distinct among themselves (a clash with an existing card is
/// retried by the caller).
fn new_card_numbers(count: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut numbers = Vec::with_capacity(count);
    while numbers.len() < count {
        let number = crate::cards::db::new_card_number();
        if seen.insert(number.clone()) {
            numbers.push(number);
        }
    }
    numbers
}

/// Closes a wave: rechecks eligibility, freezes the pool (digest), ranks it with the seed,
/// writes every entry's outcome and gives the selected their cards, in one transaction; a
/// failure anywhere leaves the wave as it was. Closing a closed wave changes nothing and
/// reports the earlier close. `on_phase` hears each phase end; an error from it aborts the close.
pub async fn close(
    pool: &PgPool,
    wave_id: i32,
    actor: &str,
    now: DateTime<Utc>,
    on_phase: &mut (dyn FnMut(ClosePhase) -> Result<(), AppError> + Send),
) -> Result<Result<Closed, CloseRefusal>, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", CLOSE_LOCK)
        .execute(&mut *tx)
        .await?;
    let wave = sqlx::query!(
        "select name, quota, balance, first_purchase_days, join_closes_at, seed, drawn_at, pool_digest, result_digest,
                pool_size, selected_count, ineligible_counts
         from waves where id = $1 for update",
        wave_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(wave) = wave else {
        return Ok(Err(CloseRefusal::NoWave));
    };
    if wave.drawn_at.is_some() {
        let ineligible = wave
            .ineligible_counts
            .as_ref()
            .and_then(|counts| counts.as_object())
            .map(|counts| counts.values().filter_map(|n| n.as_i64()).sum())
            .unwrap_or(0);
        return Ok(Ok(Closed {
            wave_name: wave.name,
            pool_digest: wave.pool_digest.unwrap_or_default(),
            result_digest: wave.result_digest.unwrap_or_default(),
            pool_size: i64::from(wave.pool_size.unwrap_or(0)),
            selected: i64::from(wave.selected_count.unwrap_or(0)),
            ineligible,
            earlier: true,
        }));
    }
    if now < wave.join_closes_at {
        return Ok(Err(CloseRefusal::JoiningOpen));
    }
    let Some(seed) = wave
        .seed
        .as_deref()
        .map(SeedValue::parse)
        .transpose()
        .map_err(AppError::internal)?
    else {
        return Ok(Err(CloseRefusal::NoSeed));
    };
    let general_tier = sqlx::query_scalar!(
        r#"select (coalesce(max(tier), 0) + 1)::smallint as "tier!" from wave_tiers where wave_id = $1"#,
        wave_id
    )
    .fetch_one(&mut *tx)
    .await?;

    let frozen = freeze(&mut tx, wave_id, general_tier).await?;
    let mut ineligible = frozen.ineligible;
    // Sorting, hashing and ranking millions of entries is CPU work: off the async workers.
    let quota = u64::try_from(wave.quota).map_err(AppError::internal)?;
    let entries = frozen.entries;
    let (pool_frozen, pool_digest) = tokio::task::spawn_blocking(move || {
        let pool = Pool::new(entries).map_err(|id| format!("draw id {id} twice in the pool"))?;
        let digest = pool.digest();
        Ok::<_, String>((pool, digest))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    on_phase(ClosePhase::Freeze)?;
    let (pool_frozen, ranking, result_digest) = tokio::task::spawn_blocking(move || {
        let ranking = Ranking::new(&pool_frozen, seed.as_seed());
        let digest = ranking.result_digest(quota);
        (pool_frozen, ranking, digest)
    })
    .await
    .map_err(AppError::internal)?;
    on_phase(ClosePhase::Rank)?;

    // Outcomes, in draw-id order (the primary key's order: the index grows at its end).
    let selected = ranking.selected(quota);
    let mut rank_of_index = vec![0u32; pool_frozen.len()];
    for (position, entry) in ranking.ranked().iter().enumerate() {
        let index = pool_frozen
            .entries()
            .binary_search_by_key(&entry.draw_id, |e| e.draw_id)
            .map_err(|_| AppError::internal("ranked id missing from the pool"))?;
        rank_of_index[index] = u32::try_from(position + 1).map_err(AppError::internal)?;
    }
    ineligible.sort_unstable_by_key(|(id, _)| *id);
    write_outcomes(&mut tx, wave_id, pool_frozen.entries(), &rank_of_index, &ineligible).await?;
    on_phase(ClosePhase::WriteOutcomes)?;

    let accepted_at = now;
    let due = now + Duration::days(i64::from(wave.first_purchase_days));
    let balance = Rupiah::from_whole(wave.balance).ok_or_else(|| AppError::internal("balance out of range"))?;
    issue_cards(&mut tx, wave_id, selected, balance, accepted_at, due).await?;
    on_phase(ClosePhase::IssueCards)?;

    let mut tier_counts: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (tier, count) in pool_frozen.tier_counts() {
        let chosen = selected.iter().filter(|e| e.tier == tier).count();
        tier_counts.insert(
            tier.to_string(),
            serde_json::json!({ "pool": count, "selected": chosen }),
        );
    }
    let mut ineligible_counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, check) in &ineligible {
        *ineligible_counts.entry(check.code()).or_insert(0) += 1;
    }
    let pool_size = i32::try_from(pool_frozen.len()).map_err(AppError::internal)?;
    let selected_count = i32::try_from(selected.len()).map_err(AppError::internal)?;
    sqlx::query!(
        "update waves set drawn_at = $2, pool_digest = $3, result_digest = $4, general_tier = $5, pool_size = $6,
                          selected_count = $7, tier_counts = $8, ineligible_counts = $9
         where id = $1",
        wave_id,
        now,
        pool_digest.to_string(),
        result_digest.to_string(),
        general_tier,
        pool_size,
        selected_count,
        serde_json::json!(tier_counts),
        serde_json::json!(ineligible_counts),
    )
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        actor,
        "waves.draw",
        &wave.name,
        None,
        Some(serde_json::json!({
            "pool_digest": pool_digest.to_string(),
            "result_digest": result_digest.to_string(),
            "pool_size": pool_size,
            "selected": selected_count,
            "ineligible": ineligible.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Closed {
        wave_name: wave.name,
        pool_digest: pool_digest.to_string(),
        result_digest: result_digest.to_string(),
        pool_size: i64::from(pool_size),
        selected: i64::from(selected_count),
        ineligible: ineligible.len() as i64,
        earlier: false,
    }))
}

/// Writes every entry's outcome with COPY, in draw-id order.
async fn write_outcomes(
    conn: &mut PgConnection,
    wave_id: i32,
    eligible: &[PoolEntry],
    rank_of_index: &[u32],
    ineligible: &[(i64, FailedCheck)],
) -> Result<(), AppError> {
    const CHUNK: usize = 1 << 20;
    let mut copy = conn
        .copy_in_raw("copy wave_outcomes (wave_id, draw_id, tier, rank, failed_check) from stdin")
        .await?;
    let wave = wave_id.to_string();
    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK + 128);
    let (mut e, mut i) = (0, 0);
    while e < eligible.len() || i < ineligible.len() {
        let take_eligible = match (eligible.get(e), ineligible.get(i)) {
            (Some(entry), Some((id, _))) => entry.draw_id.as_i64() < *id,
            (Some(_), None) => true,
            _ => false,
        };
        buffer.extend_from_slice(wave.as_bytes());
        buffer.push(b'\t');
        if take_eligible {
            let entry = &eligible[e];
            push_decimal(&mut buffer, entry.draw_id.as_i64() as u64);
            buffer.push(b'\t');
            push_decimal(&mut buffer, u64::from(entry.tier.get()));
            buffer.push(b'\t');
            push_decimal(&mut buffer, u64::from(rank_of_index[e]));
            buffer.extend_from_slice(b"\t\\N\n");
            e += 1;
        } else {
            let (id, check) = ineligible[i];
            push_decimal(&mut buffer, id as u64);
            buffer.extend_from_slice(b"\t\\N\t\\N\t");
            buffer.extend_from_slice(check.code().as_bytes());
            buffer.push(b'\n');
            i += 1;
        }
        if buffer.len() >= CHUNK {
            copy.send(std::mem::take(&mut buffer)).await?;
            buffer.reserve(CHUNK + 128);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await?;
    }
    copy.finish().await?;
    Ok(())
}

fn push_decimal(buffer: &mut Vec<u8>, value: u64) {
    use std::io::Write;
    let _ = write!(buffer, "{value}");
}

/// Gives each selected applicant a card with the wave's balance, in one statement; a random
/// card number that clashes with an existing card is drawn again.
async fn issue_cards(
    conn: &mut PgConnection,
    wave_id: i32,
    selected: &[PoolEntry],
    balance: Rupiah,
    accepted_at: DateTime<Utc>,
    first_purchase_due_at: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut waiting: Vec<i64> = selected.iter().map(|e| e.draw_id.as_i64()).collect();
    for _ in 0..5 {
        if waiting.is_empty() {
            return Ok(());
        }
        let card_ids: Vec<Uuid> = waiting.iter().map(|_| Uuid::now_v7()).collect();
        let numbers = new_card_numbers(waiting.len());
        sqlx::query!(
            "insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                                first_purchase_due_at)
             select s.id, e.applicant_id, $4, s.number, $5, $5, $6, $7
             from unnest($1::bigint[], $2::uuid[], $3::text[]) as s (draw_id, id, number)
             join wave_entries e on e.wave_id = $4 and e.draw_id = s.draw_id
             on conflict do nothing",
            &waiting,
            &card_ids,
            &numbers,
            wave_id,
            balance.whole(),
            accepted_at,
            first_purchase_due_at
        )
        .execute(&mut *conn)
        .await?;
        waiting = sqlx::query_scalar!(
            r#"select s.draw_id as "draw_id!" from unnest($1::bigint[]) as s (draw_id)
               join wave_entries e on e.wave_id = $2 and e.draw_id = s.draw_id
               where not exists (select 1 from cards c where c.applicant_id = e.applicant_id and c.wave_id = $2)"#,
            &waiting,
            wave_id
        )
        .fetch_all(&mut *conn)
        .await?;
    }
    if waiting.is_empty() {
        Ok(())
    } else {
        Err(AppError::internal("selected applicants left without a card"))
    }
}

/// Queues the outcome emails of closed waves, one batch per transaction; the wave remembers
/// how far it got, so a crash or a second worker sends nobody two messages. Returns how many
/// were queued.
pub async fn notify_outcomes(pool: &PgPool, batch: i64) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let wave = sqlx::query!(
        "select id, name, notified_through, selected_count from waves
         where drawn_at is not null and notified_at is null order by drawn_at limit 1 for update skip locked"
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(wave) = wave else {
        return Ok(0);
    };
    let rows = sqlx::query!(
        r#"select e.applicant_id, e.draw_id, o.rank as "rank?", o.failed_check as "failed_check?", c.email
           from wave_entries e
           join wave_outcomes o on o.wave_id = e.wave_id and o.draw_id = e.draw_id
           join applicants a on a.id = e.applicant_id
           join accounts c on c.id = a.account_id
           where e.wave_id = $1 and e.applicant_id > coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid)
           order by e.applicant_id limit $3"#,
        wave.id,
        wave.notified_through,
        batch
    )
    .fetch_all(&mut *tx)
    .await?;
    let cut_off = i64::from(wave.selected_count.unwrap_or(0));
    let mut recipients = Vec::with_capacity(rows.len());
    let mut subjects = Vec::with_capacity(rows.len());
    let mut bodies = Vec::with_capacity(rows.len());
    for row in &rows {
        let (subject, body) = outcome_message(
            &wave.name,
            row.rank.map(i64::from),
            cut_off,
            row.failed_check.as_deref(),
        );
        recipients.push(row.email.clone());
        subjects.push(subject);
        bodies.push(body);
    }
    sqlx::query!(
        "insert into outbox_messages (channel, recipient, subject, body)
         select 'email', r, s, b from unnest($1::text[], $2::text[], $3::text[]) as m (r, s, b)",
        &recipients,
        &subjects,
        &bodies
    )
    .execute(&mut *tx)
    .await?;
    let last = rows.last().map(|r| r.applicant_id);
    let done = (rows.len() as i64) < batch;
    sqlx::query!(
        "update waves set notified_through = coalesce($2, notified_through),
                          notified_at = case when $3 then $4::timestamptz end
         where id = $1",
        wave.id,
        last,
        done,
        Utc::now()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// The outcome email: no NIK, no card number; the dashboard has the details.
fn outcome_message(wave: &str, rank: Option<i64>, cut_off: i64, failed: Option<&str>) -> (String, String) {
    let dashboard = "Lihat rinciannya di dasbor portal Prakerja (menu Dasbor).";
    match (rank, failed.and_then(FailedCheck::parse)) {
        (Some(rank), _) if rank <= cut_off => (
            format!("Selamat, Anda terpilih di {wave}"),
            format!("Anda terpilih sebagai peserta Kartu Prakerja di {wave}. Kartu dan saldo pelatihan Anda sudah aktif. {dashboard}"),
        ),
        (Some(rank), _) => (
            format!("Hasil undian {wave}"),
            format!(
                "Anda belum terpilih di {wave}: peringkat Anda {} sedangkan kuota terisi sampai peringkat {}. Anda dapat bergabung lagi di gelombang berikutnya. {dashboard}",
                super::group_thousands(rank as u64),
                super::group_thousands(cut_off as u64)
            ),
        ),
        (None, check) => (
            format!("Hasil pemeriksaan {wave}"),
            format!(
                "Anda tidak diikutkan dalam undian {wave}: {}. {dashboard}",
                check.map(FailedCheck::title).unwrap_or("syarat tidak terpenuhi")
            ),
        ),
    }
}

/// The files a closed wave publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedFile {
    Pool,
    Result,
}

/// A closed wave's pool or result file, streamed from the database in the exact bytes the
/// `draw` crate hashes; `None` when the wave does not exist or has not been drawn.
pub async fn published_file(
    pool: &PgPool,
    wave_id: i32,
    file: PublishedFile,
) -> Result<Option<impl futures_util::Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static>, AppError> {
    let selected = sqlx::query_scalar!(
        "select selected_count from waves where id = $1 and drawn_at is not null",
        wave_id
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    let Some(selected) = selected else {
        return Ok(None);
    };
    const CHUNK: usize = 256 * 1024;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, AppError>>(4);
    let pool = pool.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut buffer = Vec::with_capacity(CHUNK + 64);
        let rows = match file {
            PublishedFile::Pool => {
                buffer.extend_from_slice(draw::POOL_HEADER.as_bytes());
                sqlx::query!(
                    r#"select draw_id, tier as "tier!", rank as "rank!" from wave_outcomes
                       where wave_id = $1 and rank is not null order by draw_id"#,
                    wave_id
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (r.draw_id, r.tier, r.rank)))
                .boxed()
            }
            PublishedFile::Result => {
                buffer.extend_from_slice(draw::RESULT_HEADER.as_bytes());
                sqlx::query!(
                    r#"select draw_id, tier as "tier!", rank as "rank!" from wave_outcomes
                       where wave_id = $1 and rank <= $2 order by rank"#,
                    wave_id,
                    selected
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (r.draw_id, r.tier, r.rank)))
                .boxed()
            }
        };
        let mut rows = rows;
        while let Some(row) = rows.next().await {
            let line = row.map_err(AppError::from).and_then(|(draw_id, tier, rank)| {
                let bad = || AppError::internal("stored outcome out of range");
                let entry = PoolEntry {
                    draw_id: DrawId::from_i64(draw_id).ok_or_else(bad)?,
                    tier: u16::try_from(tier).ok().and_then(Tier::new).ok_or_else(bad)?,
                };
                Ok((entry, u64::try_from(rank).map_err(|_| bad())?))
            });
            match line {
                Ok((entry, rank)) => match file {
                    PublishedFile::Pool => draw::pool_line(&entry, &mut buffer),
                    PublishedFile::Result => draw::result_line(rank, &entry, &mut buffer),
                },
                Err(error) => {
                    let _ = sender.send(Err(error)).await;
                    return;
                }
            }
            if buffer.len() >= CHUNK && sender.send(Ok(std::mem::take(&mut buffer))).await.is_err() {
                return; // The download was abandoned.
            }
        }
        let _ = sender.send(Ok(buffer)).await;
    });
    Ok(Some(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
    )))
}
