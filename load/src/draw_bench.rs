//! `cargo xtask bench-draw`: the close of a wave of 4,000,000 with a quota of 1,000,000 on a
//! fresh database, through the portal's own command line (`prakerja wave …`), which prints the
//! time of each phase; then the issuance of the million cards it queued (`prakerja wave
//! issue-cards`, what every portal process's job does), for the time until the last card. Then
//! the same ranking as one plain SQL statement (ORDER BY tier, sha256(seed:id) LIMIT quota) on
//! the same pool, for the ratio, and as a check that both agree. Finally the draw is undone and
//! closed again: the result digest must be identical.

use std::time::Instant;

use sqlx::{postgres::PgPoolOptions, PgPool};

use crate::{portal_cli::PortalCli, recreate_database, Error, Options};

const WAVE: &str = "Gelombang Tolok Ukur";
const SEED: &str = "tolok ukur: putaran drand 5000000";

/// The seconds `prakerja wave close` printed for a phase.
fn phase_seconds(output: &str, phase: &str) -> Option<f64> {
    output
        .lines()
        .find(|line| line.trim_start().starts_with(phase))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|seconds| seconds.parse().ok())
}

fn result_digest(output: &str) -> Option<String> {
    output.split("result digest ").nth(1).map(|rest| rest.trim().to_owned())
}

pub async fn run(options: &Options) -> Result<(), Error> {
    let database_url = options.get("database-url")?;
    let applicants: u64 = options.number("applicants", 4_000_000)?;
    let quota: u64 = options.number("quota", 1_000_000)?;
    // `--pool keep` closes again the pool a previous run left (after undoing its draw) instead of
    // generating a new one: for trying a change to the close without 11 minutes of setup.
    let keep_pool = options.get("pool").is_ok_and(|value| value == "keep");
    let cli = PortalCli::new(
        options.get("server-bin")?,
        database_url,
        &[
            ("PRAKERJA_ENV", "production"),
            ("PRAKERJA_SECRET", "benchmark-secret-benchmark-secret-0123456789"),
            (
                "PRAKERJA_PLATFORM_KEY_SECRETS",
                "1:benchmark-platform-key-secret-0123456789",
            ),
            ("PRAKERJA_OPERATOR_PASSWORD", "kata sandi tolok ukur"),
        ],
    );
    if !(keep_pool && kept_pool(database_url, applicants, quota).await?) {
        generate_pool(&cli, database_url, applicants, quota).await?;
    }
    let pool = PgPoolOptions::new().max_connections(1).connect(database_url).await?;
    sqlx::query("checkpoint").execute(&pool).await?;

    println!("\n== the close ({applicants} joined, quota {quota}) ==");
    let first = cli.run(&["wave", "close", "--wave", WAVE]).await?;
    let total = phase_seconds(&first, "Total").ok_or("no total in the close's output")?;
    let digest = result_digest(&first).ok_or("no result digest in the close's output")?;
    println!("\n== the cards, issued after the close ==");
    let issued = cli.run(&["wave", "issue-cards"]).await?;
    let issuance = issued
        .split(" in ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|seconds| seconds.parse::<f64>().ok())
        .ok_or("no time in the issuance's output")?;

    println!("\n== the same ranking as one SQL statement ==");
    let wave_id: i32 = sqlx::query_scalar("select id from waves where name = $1")
        .bind(WAVE)
        .fetch_one(&pool)
        .await?;
    let started = Instant::now();
    let by_sql: Vec<i64> = sqlx::query_scalar(
        "select draw_id from wave_rank_blocks b, unnest(b.draw_ids, b.tiers) as u (draw_id, tier)
         where b.wave_id = $1
         order by tier, sha256(convert_to($2 || ':' || lpad(to_hex(draw_id), 16, '0'), 'UTF8')), draw_id
         limit $3",
    )
    .bind(wave_id)
    .bind(SEED)
    .bind(quota as i64)
    .fetch_all(&pool)
    .await?;
    let sql_seconds = started.elapsed().as_secs_f64();
    println!("ORDER BY tier, sha256(seed:id) LIMIT {quota}: {sql_seconds:.2} s");
    let by_close: Vec<i64> = sqlx::query_scalar(
        "select draw_id from wave_result_blocks b, unnest(b.draw_ids) with ordinality as u (draw_id, n)
         where b.wave_id = $1 order by b.first_rank, n",
    )
    .bind(wave_id)
    .fetch_all(&pool)
    .await?;
    if by_sql != by_close {
        return Err("the SQL ranking and the close's ranking differ".into());
    }
    println!(
        "the SQL ranking selects the same {} applicants in the same order",
        by_close.len()
    );

    println!("\n== undo the draw and close again ==");
    undo_draw(&pool, wave_id).await?;
    sqlx::query("checkpoint").execute(&pool).await?;
    let second = cli.run(&["wave", "close", "--wave", WAVE]).await?;
    let rerun_digest = result_digest(&second).ok_or("no result digest in the second close's output")?;
    let rerun_total = phase_seconds(&second, "Total").ok_or("no total in the second close's output")?;

    println!("\n== summary ==");
    println!("close, first run:   {total:.2} s to its commit (goal: under 8 s)");
    println!("close, second run:  {rerun_total:.2} s");
    println!("plain SQL ranking:  {sql_seconds:.2} s (ranking alone)");
    println!(
        "whole close / SQL ranking alone: {:.2} (goal: at most 1)",
        total / sql_seconds
    );
    println!(
        "cards issued after the close: {issuance:.2} s; the last card {:.2} s after the close began",
        total + issuance
    );
    println!(
        "result digest: {digest} ({})",
        if rerun_digest == digest {
            "identical on rerun"
        } else {
            "DIFFERENT on rerun"
        }
    );
    if rerun_digest != digest {
        return Err("the rerun gave another result digest".into());
    }
    Ok(())
}

/// Whether the database holds the pool of an earlier run of this size, ready to close (its
/// draw, if any, undone).
async fn kept_pool(database_url: &str, applicants: u64, quota: u64) -> Result<bool, Error> {
    let Ok(pool) = PgPoolOptions::new().max_connections(1).connect(database_url).await else {
        return Ok(false);
    };
    let wave: Option<(i32, i32)> = sqlx::query_as("select id, quota from waves where name = $1 and seed is not null")
        .bind(WAVE)
        .fetch_optional(&pool)
        .await
        .unwrap_or(None);
    let Some((wave_id, wave_quota)) = wave else {
        return Ok(false);
    };
    let joined: i64 = sqlx::query_scalar("select count(*) from wave_entries where wave_id = $1")
        .bind(wave_id)
        .fetch_one(&pool)
        .await?;
    if joined as u64 != applicants || wave_quota as u64 != quota {
        return Ok(false);
    }
    println!("reusing the pool of {joined} from an earlier run");
    undo_draw(&pool, wave_id).await?;
    Ok(true)
}

/// A fresh database with the benchmark's wave, its synthetic pool and its seed.
async fn generate_pool(cli: &PortalCli, database_url: &str, applicants: u64, quota: u64) -> Result<(), Error> {
    recreate_database(database_url).await?;
    cli.run(&["migrate"]).await?;
    cli.run(&[
        "operator",
        "create",
        "--username",
        "admin.tolok",
        "--name",
        "Admin Tolok Ukur",
        "--role",
        "admin-program",
    ])
    .await?;
    cli.run(&[
        "wave",
        "create",
        "--name",
        WAVE,
        "--opens",
        "2020-01-06T08:00",
        "--closes",
        "2020-01-09T16:00",
        "--quota",
        &quota.to_string(),
        "--seed-source",
        "Tolok ukur: nilai tetap, diumumkan dalam kode.",
    ])
    .await?;
    let generated = Instant::now();
    cli.run(&[
        "wave",
        "synthetic-pool",
        "--wave",
        WAVE,
        "--applicants",
        &applicants.to_string(),
    ])
    .await?;
    println!(
        "synthetic pool of {applicants}: {:.1} s (setup, not part of the close)",
        generated.elapsed().as_secs_f64()
    );
    cli.run(&["wave", "seed", "--wave", WAVE, "--seed", SEED]).await?;
    // In the portal the pool is days old when the wave closes, and autovacuum has been through
    // it; here it is minutes old, and a vacuum of a gigabyte of applicants would start in the
    // middle of the close. So it runs now, as setup.
    let started = Instant::now();
    let pool = PgPoolOptions::new().max_connections(1).connect(database_url).await?;
    sqlx::query("vacuum analyze").execute(&pool).await?;
    println!("vacuum analyze: {:.1} s (setup)", started.elapsed().as_secs_f64());
    Ok(())
}

/// Takes a drawn wave back to undrawn (its cards, queued or issued, blocks and figures gone), as the benchmark's
/// database only; the portal itself never undoes a draw. Vacuumed, so the next close does not
/// pay for the dead rows.
async fn undo_draw(pool: &PgPool, wave_id: i32) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("delete from cards where wave_id = $1")
        .bind(wave_id)
        .execute(&mut *tx)
        .await?;
    for table in [
        "wave_rank_blocks",
        "wave_result_blocks",
        "wave_ineligible",
        "wave_pending_cards",
    ] {
        sqlx::query(&format!("delete from {table} where wave_id = $1"))
            .bind(wave_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "update waves set drawn_at = null, pool_digest = null, result_digest = null, general_tier = null,
                          pool_size = null, selected_count = null, tier_counts = null, ineligible_counts = null
         where id = $1",
    )
    .bind(wave_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("vacuum analyze wave_rank_blocks, wave_result_blocks, wave_ineligible, wave_pending_cards, cards")
        .execute(pool)
        .await?;
    Ok(())
}
