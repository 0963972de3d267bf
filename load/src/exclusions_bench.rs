//! `cargo xtask bench-exclusions`: a file of 1,000,000 exclusion lines uploaded through the
//! console (a program admin signed in with password and second factor, the plain multipart form
//! a browser sends) to a release server, timed from the first byte sent to the answer, with the
//! server's resident memory sampled every 10 ms: its peak is reported above what it held idle
//! just before. Goals: under a minute, under 100 MB above idle.
//!
//! For the ratio, the same file then goes into the database alone on the same machine: COPY
//! into a staging table and one insert into the (emptied) list, which is what the database does
//! for the upload without parsing, checking or reporting a line.

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use sqlx::postgres::PgPoolOptions;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    portal_cli::PortalCli,
    probe::{self, Client, Target},
    recreate_database, wait_until_healthy, Error, Options,
};

const GOAL_SECONDS: f64 = 60.0;
const GOAL_MEGABYTES: f64 = 100.0;
const ADMIN: &str = "admin.bench";
const PASSWORD: &str = "kata sandi bench pengecualian";
/// A TOTP secret for the bench's own admin (development mode lets a known one be set).
const TOTP_SECRET: &str = "KRSXG5CTMVRXEZLUKRXXI4DVNZSXEMJS";
const CATEGORIES: [&str; 8] = [
    "pejabat-negara",
    "dpr-dprd",
    "asn",
    "tni-polri",
    "perangkat-desa",
    "direksi-bumn-bumd",
    "pelajar",
    "penerima-sebelumnya",
];
const BOUNDARY: &str = "----prakerja-bench-5c1f0e";

/// Line `n` of the file: distinct valid NIKs (Jawa Barat, born 1950, sequence 1-9999), every
/// thousandth with a category the program does not know (so the report lists rejected lines).
fn line(n: u64) -> String {
    let sequence = 1 + n % 9_999;
    let day = 1 + (n / 9_999) % 28;
    let month = 1 + (n / (9_999 * 28)) % 12;
    let category = if n % 1_000 == 999 {
        "pns"
    } else {
        CATEGORIES[(n % 8) as usize]
    };
    format!("320101{day:02}{month:02}50{sequence:04},{category}\n")
}

fn write_file(lines: u64) -> Result<PathBuf, Error> {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("prakerja-bench-exclusions-{lines}.csv"));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for n in 0..lines {
        file.write_all(line(n).as_bytes())?;
    }
    file.flush()?;
    Ok(path)
}

/// Resident memory of `pid`, in kB.
fn resident_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub async fn run(options: &Options) -> Result<(), Error> {
    let database_url = options.get("database-url")?.to_owned();
    let lines: u64 = options.number("lines", 1_000_000)?;
    let port: u16 = options.number("port", 3202)?;
    let server_bin = options.get("server-bin")?.to_owned();
    recreate_database(&database_url).await?;
    let address = format!("127.0.0.1:{port}");
    let site_root = options.get("site-root")?.to_owned();
    let cli = PortalCli::new(
        &server_bin,
        &database_url,
        &[
            ("PRAKERJA_ENV", "development"),
            ("PRAKERJA_ADDR", &address),
            ("LEPTOS_SITE_ROOT", &site_root),
            ("PRAKERJA_OPERATOR_PASSWORD", PASSWORD),
        ],
    );
    cli.run(&["migrate"]).await?;
    cli.run(&[
        "operator",
        "create",
        "--username",
        ADMIN,
        "--name",
        "Admin Bench",
        "--role",
        "admin-program",
    ])
    .await?;
    cli.run(&["operator", "set-second-factor", ADMIN, TOTP_SECRET]).await?;

    println!("== the file: {lines} lines ==");
    let file = write_file(lines)?;
    let file_bytes = std::fs::metadata(&file)?.len();
    println!("{:.1} MB", file_bytes as f64 / 1e6);

    let mut server = cli.command(&["serve"]).kill_on_drop(true).spawn()?;
    let pid = server.id().ok_or("the server has no pid")?;
    let base = format!("http://127.0.0.1:{port}");
    wait_until_healthy(&crate::driver::client(&base), Duration::from_secs(60)).await?;
    let target = Target {
        authority: format!("127.0.0.1:{port}"),
        origin: base.clone(),
    };
    let mut console = Client::new(&target);
    let login = probe::operator_login(&format!("{ADMIN}:{PASSWORD}:{TOTP_SECRET}"))?;
    probe::operator_sign_in(&mut console, &login).await?;
    // Warm: the page the form is on, as the admin would open it.
    let page = console.get("/operator/pengecualian").await?;
    if page.status != 200 {
        return Err(format!("the console page answered {}", page.status).into());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_kb = resident_kb(pid).ok_or("cannot read the server's memory")?;

    // Sampled while the upload runs.
    let peak_kb = Arc::new(AtomicU64::new(idle_kb));
    let uploading = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak_kb, uploading) = (peak_kb.clone(), uploading.clone());
        tokio::spawn(async move {
            while uploading.load(Ordering::Relaxed) {
                if let Some(kb) = resident_kb(pid) {
                    peak_kb.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    println!("\n== the upload, through the console ==");
    let started = Instant::now();
    let answer = upload(&target, &console.cookie_header(), &file, file_bytes).await?;
    let seconds = started.elapsed().as_secs_f64();
    uploading.store(false, Ordering::Relaxed);
    sampler.await?;
    let location = answer.header("location").unwrap_or_default().to_owned();
    if !(300..400).contains(&answer.status) || !location.contains("impor=") {
        return Err(format!("the upload answered {} {location:?}: {}", answer.status, answer.body).into());
    }
    let above_idle_mb = (peak_kb.load(Ordering::Relaxed) - idle_kb) as f64 / 1024.0;

    let pool = PgPoolOptions::new().max_connections(1).connect(&database_url).await?;
    let (read, added, rejected): (i64, i64, i64) = sqlx::query_as(
        "select lines_read, added, rejected from exclusion_imports where finished_at is not null
         order by id desc limit 1",
    )
    .fetch_one(&pool)
    .await?;
    if read as u64 != lines || added + rejected != read {
        return Err(format!("the import read {read} lines, added {added}, rejected {rejected}").into());
    }
    println!(
        "{lines} lines ({added} listed, {rejected} rejected) in {seconds:.1} s: {:.0} lines/s",
        lines as f64 / seconds
    );
    println!(
        "server memory: {:.1} MB idle, peak {:.1} MB above idle",
        idle_kb as f64 / 1024.0,
        above_idle_mb
    );
    drop(server.kill().await);

    println!("\n== the database alone: COPY and one insert ==");
    sqlx::query("truncate exclusions").execute(&pool).await?;
    let mut conn = pool.acquire().await?;
    let raw_started = Instant::now();
    sqlx::query("create temporary table raw_staging (nik char(16), category text)")
        .execute(&mut *conn)
        .await?;
    let mut copy = conn
        .copy_in_raw("copy raw_staging (nik, category) from stdin with (format csv)")
        .await?;
    let mut reader = tokio::fs::File::open(&file).await?;
    let mut chunk = vec![0; 256 * 1024];
    loop {
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        copy.send(&chunk[..read]).await?;
    }
    copy.finish().await?;
    let inserted = sqlx::query(
        "insert into exclusions (nik, category, source, imported_at)
         select nik, category, 'raw', now() from raw_staging
         where category in ('pejabat-negara', 'dpr-dprd', 'asn', 'tni-polri', 'perangkat-desa',
                            'direksi-bumn-bumd', 'pelajar', 'penerima-sebelumnya')
         on conflict (nik) do nothing",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let raw_seconds = raw_started.elapsed().as_secs_f64();
    println!("{inserted} rows in {raw_seconds:.1} s");

    println!("\n| lines | console upload | database alone | ratio | peak memory above idle |");
    println!("|---|---|---|---|---|");
    println!(
        "| {lines} | {seconds:.1} s | {raw_seconds:.1} s | {:.2} | {above_idle_mb:.1} MB |",
        seconds / raw_seconds
    );
    let met = seconds < GOAL_SECONDS && above_idle_mb < GOAL_MEGABYTES;
    println!(
        "\ngoal (under {GOAL_SECONDS:.0} s and {GOAL_MEGABYTES:.0} MB above idle): {}",
        if met { "met" } else { "MISSED" }
    );
    std::fs::remove_file(&file)?;
    Ok(())
}

/// Posts the console's upload form as a browser does: the source, then the file, streamed.
async fn upload(target: &Target, cookies: &str, file: &PathBuf, file_bytes: u64) -> Result<probe::Answer, Error> {
    let before = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nBench {file_bytes} bytes\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pengecualian.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    );
    let after = format!("\r\n--{BOUNDARY}--\r\n");
    let length = before.len() as u64 + file_bytes + after.len() as u64;
    let head = format!(
        "POST /api/import-exclusions HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nConnection: close\r\n\
         Accept: text/html\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n",
        host = target.authority,
        origin = target.origin,
    );
    let mut stream = TcpStream::connect(&target.authority).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(before.as_bytes()).await?;
    let mut reader = tokio::fs::File::open(file).await?;
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        stream.write_all(&chunk[..read]).await?;
    }
    stream.write_all(after.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    probe::parse_answer(&raw).ok_or_else(|| "no HTTP answer to the upload".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_has_distinct_niks_and_a_bad_category_in_a_thousand() {
        let lines: Vec<String> = (0..300_000).map(line).collect();
        let niks: std::collections::HashSet<&str> = lines.iter().map(|l| &l[..16]).collect();
        assert_eq!(niks.len(), lines.len());
        assert_eq!(lines.iter().filter(|l| l.ends_with(",pns\n")).count(), 300);
        assert_eq!(line(0), "3201010101500001,pejabat-negara\n");
    }
}
