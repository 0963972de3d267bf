//! The close: freeze, rank, write the outcomes and queue the selected's cards, in one
//! transaction. The cards themselves are issued right after by a job (`issue.rs`).

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, Utc};
use draw::{DrawId, Pool, PoolEntry, Ranking, Tier};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::super::{FailedCheck, SeedValue};
use crate::error::AppError;

/// Closes take this advisory lock, one at a time: an applicant in two waves closing together
/// must not get two cards, and eligibility ("already a participant") must see earlier closes.
const CLOSE_LOCK: i64 = 0x7761_7665_636c_6f73; // "waveclos"

/// The steps of a close, reported as each ends (for the benchmark's timings and for tests that
/// stop a close half-way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosePhase {
    /// Eligibility rechecked, the pool frozen (read and sorted).
    Freeze,
    Rank,
    WriteOutcomes,
    /// The selected written as pending card blocks, for the job that issues the cards.
    QueueCards,
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

/// Closes a wave: rechecks eligibility, freezes the pool (digest), ranks it with the seed,
/// writes the ranks and the result and queues the selected's cards, in one transaction; a
/// failure anywhere leaves the wave as it was. The audit page and downloads are complete at the
/// commit; the cards follow within seconds (`issue_pending_cards`). Closing a closed wave changes nothing and
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
        "select name, quota, join_closes_at, seed, drawn_at, pool_digest, result_digest,
                pool_size, selected_count, ineligible_counts
         from waves where id = $1 for update",
        wave_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(wave) = wave else {
        return Err(AppError::NotFound);
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

    // Cards an earlier close queued and the job has not issued yet are issued now: the freeze's
    // "already a participant" check must see every card.
    while super::issue::issue_next_block(&mut tx, super::issue::Waiting::WaitForIt)
        .await?
        .is_some()
    {}
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
    let holders: Vec<Uuid> = ranking.pool_positions()[..selected.len()]
        .iter()
        .map(|position| applicants[*position])
        .collect();
    super::issue::queue_cards(&mut tx, wave_id, holders).await?;
    on_phase(ClosePhase::QueueCards)?;
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
        if rows.len() >= crate::pg_copy::SEND_AT {
            copy.send(rows.take()).await?;
        }
    }
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}
