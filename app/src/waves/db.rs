//! Waves in PostgreSQL: creating them, priority lists, joining, the seed, the close (freeze,
//! rank, write outcomes and cards in one transaction) and the outcome notifications.

use std::{collections::BTreeMap, sync::Arc};

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
        r#"select e.wave_id, w.name, e.draw_id, w.join_closes_at, w.drawn_at, w.selected_count, w.pool_size
           from wave_entries e join waves w on w.id = e.wave_id
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
    } else {
        match outcome_of(&mut conn, entry.wave_id, entry.draw_id)
            .await?
            .ok_or_else(|| AppError::internal("drawn entry without outcome"))?
        {
            Err(check) => WaveStanding::NotEligible {
                wave_id: entry.wave_id,
                wave_name: entry.name,
                check,
            },
            Ok(rank) => {
                drop(conn);
                let placing = Placing {
                    wave_id: entry.wave_id,
                    wave_name: entry.name,
                    draw_id,
                    rank,
                    cut_off: i64::from(entry.selected_count.unwrap_or(0)),
                    pool_size: i64::from(entry.pool_size.unwrap_or(0)),
                };
                ranked_standing(pool, account_id, now, placing).await?
            }
        }
    };
    Ok(WavePanelData { standing, joinable })
}

/// A drawn wave's place in it: who, where the cut-off fell, and how big the pool was.
struct Placing {
    wave_id: i32,
    wave_name: String,
    draw_id: String,
    rank: i64,
    cut_off: i64,
    pool_size: i64,
}

/// Selected (with the card) or not selected (with the rank and the cut-off).
async fn ranked_standing(
    pool: &PgPool,
    account_id: Uuid,
    now: DateTime<Utc>,
    placing: Placing,
) -> Result<WaveStanding, AppError> {
    if placing.rank > placing.cut_off {
        return Ok(WaveStanding::NotSelected {
            wave_id: placing.wave_id,
            wave_name: placing.wave_name,
            draw_id: placing.draw_id,
            rank: placing.rank,
            cut_off: placing.cut_off,
            pool_size: placing.pool_size,
        });
    }
    let card = crate::cards::db::card_of_account(pool, account_id, now)
        .await?
        .ok_or_else(|| AppError::internal("selected applicant without a card"))?;
    Ok(WaveStanding::Selected {
        wave_id: placing.wave_id,
        wave_name: placing.wave_name,
        draw_id: placing.draw_id,
        rank: placing.rank,
        masked_card_number: card.masked_number,
        balance: card.balance,
    })
}

/// The steps of a close, reported as each ends (for the benchmark's timings and for tests that
/// stop a close half-way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosePhase {
    /// Eligibility rechecked, the pool frozen (read and sorted).
    Freeze,
    Rank,
    WriteOutcomes,
    IssueCards,
    /// The pool's and the result's digests, computed alongside the two writes: what is left of
    /// them when the writes are done.
    Digests,
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

/// Entries per row of the draw's blocks.
const BLOCK: usize = 1024;

/// The wave's entries as the close found them.
struct Frozen {
    /// (draw id, applicant) of every entry, by draw id.
    entries: Vec<(i64, Uuid)>,
    /// Entries that fail a check now, with the first check they fail.
    ineligible: std::collections::HashMap<i64, FailedCheck>,
    /// Entries on a priority list, with the tier served first.
    tiers: std::collections::HashMap<i64, i16>,
}

/// Reads the closing wave's entries, and the few that changed since they joined. Joining
/// required a verified applicant with no card, so only three things can have made an entry
/// ineligible since: a verification no longer `terverifikasi`, the NIK put on the exclusion
/// list, a card from another wave, or an open dispute over the NIK (the record is held). Each is found from its own (small) table through an index,
/// instead of joining every entry with every table (16 s for 4 million here).
async fn freeze(conn: &mut PgConnection, wave_id: i32) -> Result<Frozen, AppError> {
    // Every entry first, through COPY (the fastest way out of PostgreSQL), so that sorting them
    // (CPU here) overlaps the checks below (work for PostgreSQL). COPY takes no bind
    // parameters, so the wave reaches the query as a transaction-local setting.
    sqlx::query!(
        "select set_config('prakerja.closing_wave', $1, true) as wave",
        wave_id.to_string()
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut stream = conn
        .copy_out_raw(
            "copy (select draw_id, applicant_id from wave_entries
                   where wave_id = current_setting('prakerja.closing_wave')::integer) to stdout with (format binary)",
        )
        .await?;
    let mut entries = Vec::new();
    let mut reader = crate::pg_copy::FixedRowReader::new(&[8, 16]);
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        reader
            .feed(&chunk?, |fields| {
                let draw_id = i64::from_be_bytes(fields[0].try_into().unwrap_or_default());
                let applicant = Uuid::from_slice(fields[1]).unwrap_or_default();
                entries.push((draw_id, applicant));
            })
            .map_err(AppError::internal)?;
    }
    reader.finish().map_err(AppError::internal)?;
    drop(stream);
    let sorted = tokio::task::spawn_blocking(move || {
        entries.sort_unstable_by_key(|(draw_id, _)| *draw_id);
        entries
    });

    let mut ineligible = std::collections::HashMap::new();
    // In the order of FailedCheck::ALL: an entry failing several is told the first. (A status
    // other than verified is one of the two listed: the index on the status finds the few.)
    let checks = sqlx::query!(
        r#"select e.draw_id as "draw_id!", 1 as "check!" from verifications v
             join wave_entries e on e.wave_id = $1 and e.applicant_id = v.applicant_id
             where v.status in ('ditolak', 'periksa-manual')
           union all
           select e.draw_id, 2 from exclusions x join nik_claims n on n.nik = x.nik
             join wave_entries e on e.wave_id = $1 and e.applicant_id = n.applicant_id
           union all
           select e.draw_id, 3 from cards c join wave_entries e on e.wave_id = $1 and e.applicant_id = c.applicant_id
           union all
           select e.draw_id, 4 from nik_disputes d join nik_claims n on n.nik = d.nik
             join wave_entries e on e.wave_id = $1 and e.applicant_id = n.applicant_id
             where d.status = 'terbuka'"#,
        wave_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in checks {
        let check = FailedCheck::ALL[usize::try_from(row.check - 1).map_err(AppError::internal)?];
        ineligible.entry(row.draw_id).or_insert(check);
    }
    let mut tiers = std::collections::HashMap::new();
    let listed = sqlx::query!(
        "select e.draw_id, t.tier from wave_tier_niks t join nik_claims n on n.nik = t.nik
         join wave_entries e on e.wave_id = t.wave_id and e.applicant_id = n.applicant_id
         where t.wave_id = $1",
        wave_id
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in listed {
        tiers.insert(row.draw_id, row.tier);
    }
    Ok(Frozen {
        entries: sorted.await.map_err(AppError::internal)?,
        ineligible,
        tiers,
    })
}

/// The card number of the `sequence`th holder of wave `wave_id`'s cards (counted in the order of
/// their applicant ids): 8, the wave (4 digits), the sequence (10 digits), a Luhn check digit.
/// Unique by construction; and as the close inserts the cards in applicant order, both the
/// applicant index and the card-number index grow in order (a number per rank put the
/// million at random places of one of them: 4 s more here). A card number is not a secret:
/// buying needs its owner signed in.
fn card_number_for(wave_id: i32, sequence: u64) -> Result<String, AppError> {
    if !(0..10_000).contains(&wave_id) || sequence >= 10_000_000_000 {
        return Err(AppError::internal("wave or sequence too large for a card number"));
    }
    let body = format!("8{wave_id:04}{sequence:010}");
    let mut digits = [0u8; 15];
    for (digit, byte) in digits.iter_mut().zip(body.bytes()) {
        *digit = byte - b'0';
    }
    Ok(format!("{body}{}", crate::cards::luhn_check_digit(&digits)))
}

/// Closes a wave: rechecks eligibility, freezes the pool (digest), ranks it with the seed,
/// writes the ranks and the result and gives the selected their cards, in one transaction; a
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

    let frozen = freeze(&mut tx, wave_id).await?;
    // Sorting, hashing and ranking millions of entries is CPU work: off the async workers.
    let quota = u64::try_from(wave.quota).map_err(AppError::internal)?;
    let (pool_frozen, applicants, ineligible) = tokio::task::spawn_blocking(move || {
        let general = Tier::new(general_tier as u16).ok_or("general tier out of range")?;
        let all = frozen.entries;
        let mut entries = Vec::with_capacity(all.len());
        // The applicant of each pool entry, at the same position.
        let mut applicants = Vec::with_capacity(all.len());
        let mut ineligible = Vec::new();
        for (draw_id, applicant) in all {
            if let Some(check) = frozen.ineligible.get(&draw_id) {
                ineligible.push((draw_id, *check));
                continue;
            }
            let tier = match frozen.tiers.get(&draw_id) {
                Some(tier) => Tier::new(*tier as u16).ok_or("tier out of range")?,
                None => general,
            };
            let id = DrawId::from_i64(draw_id).ok_or("negative draw id")?;
            entries.push(PoolEntry { draw_id: id, tier });
            applicants.push(applicant);
        }
        // Already sorted and unique (the table's key), so the pool keeps this order and the
        // applicants stay beside their entries.
        let pool = Pool::new(entries).map_err(|_| "a draw id twice in the pool")?;
        Ok::<_, &'static str>((Arc::new(pool), applicants, ineligible))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    on_phase(ClosePhase::Freeze)?;
    let ranking = Arc::new(
        tokio::task::spawn_blocking({
            let pool = pool_frozen.clone();
            move || Ranking::new(&pool, seed.as_seed())
        })
        .await
        .map_err(AppError::internal)?,
    );
    on_phase(ClosePhase::Rank)?;
    // The digests hash the pool and result files (tens of megabytes): on the core PostgreSQL
    // leaves idle while it writes the outcomes and cards.
    let digests = tokio::task::spawn_blocking({
        let (pool, ranking) = (pool_frozen.clone(), ranking.clone());
        move || (pool.digest(), ranking.result_digest(quota))
    });

    // Ranks are stored as integers: the pool must fit.
    let pool_size = i32::try_from(pool_frozen.len()).map_err(AppError::internal)?;
    write_outcomes(&mut tx, wave_id, &pool_frozen, &ranking, quota, &ineligible).await?;
    on_phase(ClosePhase::WriteOutcomes)?;

    let selected = ranking.selected(quota);
    let due = now + Duration::days(i64::from(wave.first_purchase_days));
    let balance = Rupiah::from_whole(wave.balance).ok_or_else(|| AppError::internal("balance out of range"))?;
    let holders: Vec<Uuid> = ranking.pool_positions()[..selected.len()]
        .iter()
        .map(|position| applicants[*position])
        .collect();
    issue_cards(&mut tx, wave_id, holders, balance, now, due).await?;
    on_phase(ClosePhase::IssueCards)?;
    let (pool_digest, result_digest) = digests.await.map_err(AppError::internal)?;
    on_phase(ClosePhase::Digests)?;

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

/// Writes the ranks (blocks in draw-id order), the result (blocks in rank order) and the
/// entries left out.
async fn write_outcomes(
    conn: &mut PgConnection,
    wave_id: i32,
    pool: &Pool,
    ranking: &Ranking,
    quota: u64,
    ineligible: &[(i64, FailedCheck)],
) -> Result<(), AppError> {
    let ranks = ranking.ranks_in_pool_order();
    let pool_blocks = pool
        .entries()
        .chunks(BLOCK)
        .zip(ranks.chunks(BLOCK))
        .map(|(block, ranks)| {
            let first_draw_id = block[0].draw_id.as_i64();
            (first_draw_id, block, Some(ranks))
        });
    copy_blocks(
        conn,
        "copy wave_rank_blocks (wave_id, first_draw_id, draw_ids, tiers, ranks) from stdin with (format binary)",
        wave_id,
        pool_blocks,
    )
    .await?;
    let result_blocks = ranking
        .selected(quota)
        .chunks(BLOCK)
        .enumerate()
        .map(|(index, block)| ((index * BLOCK + 1) as i64, block, None));
    copy_blocks(
        conn,
        "copy wave_result_blocks (wave_id, first_rank, draw_ids, tiers) from stdin with (format binary)",
        wave_id,
        result_blocks,
    )
    .await?;
    let ids: Vec<i64> = ineligible.iter().map(|(id, _)| *id).collect();
    let checks: Vec<String> = ineligible.iter().map(|(_, check)| check.code().to_owned()).collect();
    sqlx::query!(
        "insert into wave_ineligible (wave_id, draw_id, failed_check) select $1, d, c from unnest($2::bigint[], $3::text[]) as u (d, c)",
        wave_id,
        &ids,
        &checks
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How much a bulk COPY gathers before sending it on.
const COPY_CHUNK: usize = 1 << 20;

/// COPYs blocks of entries as rows (wave, the block's first key, its draw ids, its tiers and,
/// for the rank blocks, its ranks), in binary.
async fn copy_blocks<'a>(
    conn: &mut PgConnection,
    statement: &str,
    wave_id: i32,
    blocks: impl Iterator<Item = (i64, &'a [PoolEntry], Option<&'a [u64]>)>,
) -> Result<(), AppError> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut rows = crate::pg_copy::BinaryCopyWriter::new();
    for (first, block, ranks) in blocks {
        rows.row(if ranks.is_some() { 5 } else { 4 });
        rows.int4(wave_id);
        match ranks {
            Some(_) => rows.int8(first),
            None => rows.int4(i32::try_from(first).map_err(AppError::internal)?),
        }
        rows.int8_array(block.iter().map(|e| e.draw_id.as_i64()));
        rows.int2_array(block.iter().map(|e| e.tier.get() as i16));
        if let Some(ranks) = ranks {
            // A rank is at most the pool's size, which the close checked fits an integer.
            rows.int4_array(ranks.iter().map(|rank| *rank as i32));
        }
        if rows.len() >= COPY_CHUNK {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}

/// Gives each selected applicant a card with the wave's balance: one binary COPY, in applicant
/// order. A card number already taken (a card issued by hand) gets a random one instead.
async fn issue_cards(
    conn: &mut PgConnection,
    wave_id: i32,
    mut holders: Vec<Uuid>,
    balance: Rupiah,
    accepted_at: DateTime<Utc>,
    first_purchase_due_at: DateTime<Utc>,
) -> Result<(), AppError> {
    holders.sort_unstable();
    let mut numbers = Vec::with_capacity(holders.len());
    for sequence in 1..=holders.len() as u64 {
        numbers.push(card_number_for(wave_id, sequence)?);
    }
    // A card issued by hand may hold a number of this wave's range (8, the wave, …): the few
    // that clash get a random number instead. Checked first, so that the million go in as one
    // plain COPY (`on conflict` would cost a check of every unique index per row).
    let prefix = format!("8{wave_id:04}");
    let taken: std::collections::HashSet<String> = sqlx::query_scalar!(
        r#"select card_number as "card_number!" from cards where card_number >= $1 and card_number < $2"#,
        format!("{prefix}00000000000"),
        format!("{prefix}99999999999")
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    for number in numbers.iter_mut().filter(|number| taken.contains(number.as_str())) {
        loop {
            let random = crate::cards::db::new_card_number();
            if !random.starts_with(&prefix) {
                *number = random;
                break;
            }
        }
    }
    let mut copy = conn
        .copy_in_raw(
            "copy cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                         first_purchase_due_at) from stdin with (format binary)",
        )
        .await?;
    let mut rows = crate::pg_copy::BinaryCopyWriter::new();
    for (applicant, number) in holders.into_iter().zip(&numbers) {
        rows.row(8);
        rows.uuid(Uuid::now_v7());
        rows.uuid(applicant);
        rows.int4(wave_id);
        rows.text(number);
        rows.int8(balance.whole());
        rows.int8(balance.whole());
        rows.timestamptz(accepted_at);
        rows.timestamptz(first_purchase_due_at);
        if rows.len() >= COPY_CHUNK {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}

/// The rank of an entry in a drawn wave, or the check it failed.
async fn outcome_of(
    conn: &mut PgConnection,
    wave_id: i32,
    draw_id: i64,
) -> Result<Option<Result<i64, FailedCheck>>, AppError> {
    let ranked = sqlx::query_scalar!(
        r#"select b.ranks[array_position(b.draw_ids, $2)] as "rank?"
           from wave_rank_blocks b where b.wave_id = $1 and b.first_draw_id <= $2
           order by b.first_draw_id desc limit 1"#,
        wave_id,
        draw_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    if let Some(rank) = ranked {
        return Ok(Some(Ok(i64::from(rank))));
    }
    let failed = sqlx::query_scalar!(
        "select failed_check from wave_ineligible where wave_id = $1 and draw_id = $2",
        wave_id,
        draw_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(failed.as_deref().and_then(FailedCheck::parse).map(Err))
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
        r#"select e.applicant_id, e.draw_id, c.email
           from wave_entries e
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
        let outcome = outcome_of(&mut tx, wave.id, row.draw_id).await?;
        let (subject, body) = outcome_message(&wave.name, outcome, cut_off);
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
fn outcome_message(wave: &str, outcome: Option<Result<i64, FailedCheck>>, cut_off: i64) -> (String, String) {
    let dashboard = "Lihat rinciannya di dasbor portal Prakerja (menu Dasbor).";
    match outcome {
        Some(Ok(rank)) if rank <= cut_off => (
            format!("Selamat, Anda terpilih di {wave}"),
            format!("Anda terpilih sebagai peserta Kartu Prakerja di {wave}. Kartu dan saldo pelatihan Anda sudah aktif. {dashboard}"),
        ),
        Some(Ok(rank)) => (
            format!("Hasil undian {wave}"),
            format!(
                "Anda belum terpilih di {wave}: peringkat Anda {} sedangkan kuota terisi sampai peringkat {}. Anda dapat bergabung lagi di gelombang berikutnya. {dashboard}",
                super::group_thousands(rank as u64),
                super::group_thousands(cut_off as u64)
            ),
        ),
        Some(Err(check)) => (
            format!("Hasil pemeriksaan {wave}"),
            format!("Anda tidak diikutkan dalam undian {wave}: {}. {dashboard}", check.title()),
        ),
        None => (
            format!("Hasil pemeriksaan {wave}"),
            format!(
                "Hasil undian {wave} sudah diumumkan. {dashboard}"
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
    let drawn = sqlx::query_scalar!(
        "select drawn_at is not null as \"drawn!\" from waves where id = $1",
        wave_id
    )
    .fetch_optional(pool)
    .await?;
    if drawn != Some(true) {
        return Ok(None);
    }
    const CHUNK: usize = 256 * 1024;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, AppError>>(4);
    let pool = pool.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut buffer = Vec::with_capacity(CHUNK + 64);
        // (first rank or 0, draw ids, tiers) per block, in file order.
        let blocks = match file {
            PublishedFile::Pool => {
                buffer.extend_from_slice(draw::POOL_HEADER.as_bytes());
                sqlx::query!(
                    "select draw_ids, tiers from wave_rank_blocks where wave_id = $1 order by first_draw_id",
                    wave_id
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (0, r.draw_ids, r.tiers)))
                .boxed()
            }
            PublishedFile::Result => {
                buffer.extend_from_slice(draw::RESULT_HEADER.as_bytes());
                sqlx::query!(
                    "select first_rank, draw_ids, tiers from wave_result_blocks where wave_id = $1 order by first_rank",
                    wave_id
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (r.first_rank, r.draw_ids, r.tiers)))
                .boxed()
            }
        };
        let mut blocks = blocks;
        while let Some(block) = blocks.next().await {
            let written = block.map_err(AppError::from).and_then(|(first_rank, ids, tiers)| {
                let bad = || AppError::internal("stored draw block out of range");
                for (offset, (draw_id, tier)) in ids.into_iter().zip(tiers).enumerate() {
                    let entry = PoolEntry {
                        draw_id: DrawId::from_i64(draw_id).ok_or_else(bad)?,
                        tier: u16::try_from(tier).ok().and_then(Tier::new).ok_or_else(bad)?,
                    };
                    match file {
                        PublishedFile::Pool => draw::pool_line(&entry, &mut buffer),
                        PublishedFile::Result => {
                            let rank = u64::try_from(first_rank).map_err(|_| bad())? + offset as u64;
                            draw::result_line(rank, &entry, &mut buffer)
                        }
                    }
                }
                Ok(())
            });
            if let Err(error) = written {
                let _ = sender.send(Err(error)).await;
                return;
            }
            if buffer.len() >= CHUNK && sender.send(Ok(std::mem::take(&mut buffer))).await.is_err() {
                return; // The download was abandoned.
            }
        }
        let _ = sender.send(Ok(buffer)).await;
    });
    // A receiver may be asked again after its end (compression layers do), unlike `unfold`.
    let mut receiver = receiver;
    Ok(Some(futures_util::stream::poll_fn(move |context| {
        receiver.poll_recv(context)
    })))
}
