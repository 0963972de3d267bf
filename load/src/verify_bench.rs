//! `cargo xtask bench-verify`: a wave's queue of automatic checks (1,000,000 by default) drained
//! against the civil-registry simulator at 50 ms a lookup, through the portal's own command line
//! (`prakerja verification drain`), which prints verifications per second and the share of the
//! workers' time spent waiting for the registry. Goal: one wave's million in under 30 minutes.
//!
//! For the ratio, the same number of decisions is then written by one plain SQL statement on
//! the same database (jobs deleted, verifications inserted): what the database alone takes.

use std::{process::Stdio, time::Instant};

use sqlx::postgres::PgPoolOptions;
use tokio::process::Child;

use crate::{portal_cli::PortalCli, recreate_database, Error, Options};

const REGISTRY_ADDR: &str = "127.0.0.1:3290";
const GOAL_SECONDS_PER_MILLION: f64 = 30.0 * 60.0;

/// The number after `label` in a line of the drain's output.
fn figure_after(output: &str, label: &str) -> Option<f64> {
    let rest = output.split(label).nth(1)?;
    rest.trim_start()
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?
        .parse()
        .ok()
}

pub async fn run(options: &Options) -> Result<(), Error> {
    let database_url = options.get("database-url")?;
    let applicants: u64 = options.number("applicants", 1_000_000)?;
    let latency_ms: u64 = options.number("latency-ms", 50)?;
    let workers: u64 = options.number("workers", 2)?;
    let batch: u64 = options.number("batch", 500)?;
    let concurrent: u64 = options.number("registry-concurrent", 64)?;
    let registry_url = format!("http://{REGISTRY_ADDR}");
    let cli = PortalCli::new(
        options.get("server-bin")?,
        database_url,
        &[
            ("PRAKERJA_ENV", "development"),
            ("PRAKERJA_REGISTRY_URL", &registry_url),
        ],
    );
    recreate_database(database_url).await?;
    cli.run(&["migrate"]).await?;
    println!("\n== the queue: {applicants} applicants waiting for their checks ==");
    cli.run(&[
        "verification",
        "queue-synthetic",
        "--applicants",
        &applicants.to_string(),
    ])
    .await?;

    let mut simulator: Child = cli
        .command(&[
            "registry",
            "simulate",
            "--addr",
            REGISTRY_ADDR,
            "--latency-ms",
            &latency_ms.to_string(),
        ])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    if let Some(status) = simulator.try_wait()? {
        return Err(format!("the registry simulator stopped: {status}").into());
    }

    println!(
        "\n== the drain: {workers} workers, {batch} a batch, at most {concurrent} registry calls at once, {latency_ms} ms a lookup =="
    );
    let started = Instant::now();
    let drained = cli
        .command(&[
            "verification",
            "drain",
            "--workers",
            &workers.to_string(),
            "--batch",
            &batch.to_string(),
        ])
        .env("PRAKERJA_REGISTRY_MAX_CONCURRENT", concurrent.to_string())
        .output()
        .await?;
    let drain_seconds = started.elapsed().as_secs_f64();
    let output = String::from_utf8_lossy(&drained.stdout).into_owned();
    print!("{output}");
    if !drained.status.success() {
        return Err(format!("the drain failed: {}", String::from_utf8_lossy(&drained.stderr)).into());
    }
    simulator.kill().await?;
    let per_second = figure_after(&output, "s:").ok_or("no rate in the drain's output")?;
    let waiting_share = figure_after(&output, "waiting on the registry").ok_or("no share in the drain's output")?;

    println!("\n== the same decisions as one SQL statement ==");
    let pool = PgPoolOptions::new().max_connections(1).connect(database_url).await?;
    sqlx::query(
        "insert into verification_jobs (applicant_id, available_at) select applicant_id, now() from verifications",
    )
    .execute(&pool)
    .await?;
    sqlx::query("delete from registry_records").execute(&pool).await?;
    sqlx::query("delete from verifications").execute(&pool).await?;
    sqlx::query("vacuum analyze verification_jobs, verifications")
        .execute(&pool)
        .await?;
    let started = Instant::now();
    let written = sqlx::query(
        "with done as (delete from verification_jobs returning applicant_id)
         insert into verifications (applicant_id, status, reasons, decided_at)
         select applicant_id, 'terverifikasi', '{}', now() from done",
    )
    .execute(&pool)
    .await?
    .rows_affected();
    let sql_seconds = started.elapsed().as_secs_f64();
    let sql_per_second = written as f64 / sql_seconds.max(0.001);
    println!("{written} decisions in {sql_seconds:.1} s: {sql_per_second:.0} per second");

    println!("\n== summary ==");
    println!("drain (the portal's checks, registry at {latency_ms} ms): {per_second:.0} verifications per second");
    println!("  of the workers' time, waiting on the registry: {waiting_share:.0}%");
    println!("  wall time for {applicants}: {drain_seconds:.0} s");
    let million_minutes = 1_000_000.0 / per_second.max(0.001) / 60.0;
    println!(
        "  one wave's million at this rate: {million_minutes:.1} min (goal: under {} min) {}",
        GOAL_SECONDS_PER_MILLION / 60.0,
        if million_minutes * 60.0 < GOAL_SECONDS_PER_MILLION {
            "MET"
        } else {
            "NOT MET"
        }
    );
    println!("plain SQL, the database alone: {sql_per_second:.0} decisions per second");
    println!("drain / plain SQL: {:.3}", per_second / sql_per_second.max(0.001));
    Ok(())
}
