//! `cargo xtask chaos`: signups at a fixed rate through the cluster's load balancer while its
//! parts die (docs/cluster.md). Each signup is sent as a browser's offline queue sends it: again
//! with the same idempotency key after every answer that is not an acknowledgement, until it is
//! acknowledged. Meanwhile one portal and then the database leader are killed with SIGKILL and
//! started again by `cargo xtask cluster up`. Then: every acknowledged signup is in the database
//! exactly once, every other one ends as exactly one applicant once sent again, nobody was
//! answered with a server error (a "please wait" 503 is an answer), and how long signups were
//! refused after each fault.
//!
//! Before the faults, the rate the portal holds through the balancer with one portal and with
//! two (the other taken out of rotation on the balancer's admin socket).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sqlx::{postgres::PgPoolOptions, PgPool};
use tokio::{io::AsyncWriteExt, process::Command};

use crate::{
    applicants,
    driver::{self, drive, summarize, HttpClient, Run},
    fixtures, pgbench_signups, rows_of_applicants, verdict, Error, Options,
};

/// The session cookie of the cluster's portals (development mode on plain HTTP).
const COOKIE: &str = "prakerja";
/// A rate is held through the balancer when its p99 is under this and nothing failed.
const HELD_P99: Duration = Duration::from_millis(250);
/// An applicant's browser keeps trying this long after the signup was due.
const GIVE_UP_AFTER: Duration = Duration::from_secs(120);

/// One request of one signup.
#[derive(Clone, Debug)]
struct Attempt {
    /// When it was sent, from the start of the run.
    sent: Duration,
    /// When its answer came (or the client gave up on it).
    answered: Duration,
    /// The HTTP status; 0 when no answer came (a cut connection, a timeout).
    status: u16,
    acknowledged: bool,
}

/// A fault and when it was injected.
struct Fault {
    what: String,
    at: Duration,
    /// The goal for the seconds without service after it.
    goal: Duration,
}

pub async fn run(options: &Options) -> Result<(), Error> {
    let base = options.get("base-url")?.to_owned();
    let database_url = options.get("database-url")?.to_owned();
    let xtask = options.get("xtask")?.to_owned();
    let balancer_socket = options.get("balancer-socket")?.to_owned();
    let short = options.get("short").is_ok();
    let rate: u32 = options.number("rate", if short { 100 } else { 200 })?;
    let seconds: u64 = options.number("seconds", if short { 40 } else { 60 })?;
    let client = driver::client(&base);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(3))
        .connect(&database_url)
        .await?;
    // Each run takes applicants no earlier run used (their NIKs and emails are unique).
    let mut next: i64 = sqlx::query_scalar("select count(*) from accounts where email like 'beban-%@contoh.id'")
        .fetch_one(&pool)
        .await?;

    if !short {
        let ladder: Vec<u32> = options
            .get("ladder")
            .unwrap_or("250,500,750,1000,1500,2000,2500,3000,3500,4000")
            .split(',')
            .filter_map(|r| r.trim().parse().ok())
            .collect();
        let step: u64 = options.number("ladder-seconds", 5)?;
        println!(
            "== the rate held through the balancer, {step} s a step (p99 under {} ms, no errors)",
            HELD_P99.as_millis()
        );
        for portals in [1u8, 2] {
            set_portal_2(&balancer_socket, portals == 2).await?;
            let mut held = None;
            for &rate in &ladder {
                let count = u64::from(rate) * step;
                let tokens = Arc::new(fixtures::signed_in(&pool, next as u64, count).await?);
                // `drive` indexes tokens by applicant number: pad the front.
                let samples = drive(Run {
                    client: &client,
                    cookie: COOKIE,
                    tokens: Arc::new(padded(next as u64, &tokens)),
                    first_applicant: next as u64,
                    rate,
                    duration: Duration::from_secs(step),
                    key_seed: rand::random(),
                })
                .await;
                next += count as i64;
                let summary = summarize(&samples);
                let ok = summary.p99 < HELD_P99 && summary.failed == 0 && summary.told_to_wait == 0;
                println!(
                    "  {portals} portal(s) {rate:>5}/s: p50 {:>6.1} ms  p99 {:>7.1} ms  acknowledged {:>6}  told to wait {:>5}  failed {:>4}  {}",
                    ms(summary.p50),
                    ms(summary.p99),
                    summary.acknowledged,
                    summary.told_to_wait,
                    summary.failed,
                    if ok { "held" } else { "NOT held" }
                );
                if !ok {
                    break;
                }
                held = Some(rate);
            }
            println!(
                "  {portals} portal(s): held {}",
                held.map(|r| format!("{r}/s"))
                    .unwrap_or_else(|| "none of the rates".into())
            );
        }
        set_portal_2(&balancer_socket, true).await?;
        if let (Ok(pgbench), Ok(url)) = (options.get("pgbench"), options.get("pgbench-database-url")) {
            let tps = pgbench_signups(url, pgbench, 16).await?;
            println!(
                "  the database alone, through the proxy: {tps:.0} signups/s (pgbench, 16 clients, 10 s, the signup's \
                 rows and synchronous replication; the ratios: held ÷ this)"
            );
        }
        // Let the database settle before the faults.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    println!("\n== chaos: {rate} signups/s for {seconds} s through the balancer");
    let count = u64::from(rate) * seconds;
    let first = next as u64;
    let tokens = Arc::new(fixtures::signed_in(&pool, first, count).await?);
    let key_seed: u64 = rand::random();
    let attempts: Arc<Mutex<BTreeMap<u64, Vec<Attempt>>>> = Arc::default();
    let started = Instant::now();
    let load = {
        let (client, tokens, attempts) = (client.clone(), tokens.clone(), attempts.clone());
        tokio::spawn(async move { offer(client, tokens, first, rate, seconds, key_seed, attempts, started).await })
    };
    let lag_watch = tokio::spawn(watch_replay_delay(
        database_url.clone(),
        started,
        Duration::from_secs(seconds),
    ));

    let at = |fraction: f64| started + Duration::from_secs_f64(seconds as f64 * fraction);
    let mut faults = Vec::new();
    tokio::time::sleep_until(at(0.15).into()).await;
    // Each fault is timed from just before its command: what it refuses belongs to it.
    let portal_killed = started.elapsed();
    let killed = xtask_run(&xtask, &["cluster", "kill", "portal-1"]).await?;
    faults.push(Fault {
        what: format!("SIGKILL {killed}"),
        at: portal_killed,
        goal: Duration::from_secs(2),
    });
    println!("{:>6.1} s  SIGKILL {killed}", started.elapsed().as_secs_f64());
    tokio::time::sleep_until(at(0.3).into()).await;
    println!(
        "{:>6.1} s  cargo xtask cluster up (starts {killed} again)",
        started.elapsed().as_secs_f64()
    );
    xtask_run(&xtask, &["cluster", "up", "--no-build"]).await?;
    println!("{:>6.1} s  {killed} serves again", started.elapsed().as_secs_f64());

    tokio::time::sleep_until(at(0.4).into()).await;
    let leader_killed = started.elapsed();
    let leader = xtask_run(&xtask, &["cluster", "kill", "leader"]).await?;
    faults.push(Fault {
        what: format!("SIGKILL the database leader ({leader}: Patroni and PostgreSQL)"),
        at: leader_killed,
        goal: Duration::from_secs(30),
    });
    println!(
        "{:>6.1} s  SIGKILL the leader, {leader} (Patroni and its PostgreSQL)",
        leader_killed.as_secs_f64()
    );
    let writable = writable_again(&database_url).await;
    println!(
        "{:>6.1} s  the proxy's leader port takes writes again (the standby promoted {:.1} s after the kill)",
        started.elapsed().as_secs_f64(),
        writable.as_secs_f64()
    );
    tokio::time::sleep_until(at(0.75).into()).await;
    println!(
        "{:>6.1} s  cargo xtask cluster up (starts {leader} again: it rejoins as the standby)",
        started.elapsed().as_secs_f64()
    );
    xtask_run(&xtask, &["cluster", "up", "--no-build"]).await?;
    println!(
        "{:>6.1} s  {leader} is the synchronous standby again",
        started.elapsed().as_secs_f64()
    );

    load.await?;
    let ended = started.elapsed();
    let max_replay_delay = lag_watch.await?;
    let attempts = std::mem::take(&mut *attempts.lock().unwrap_or_else(|e| e.into_inner()));

    // What the applicants saw.
    let all: Vec<&Attempt> = attempts.values().flatten().collect();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for attempt in &all {
        *statuses.entry(attempt.status).or_default() += 1;
    }
    let acknowledged: Vec<u64> = attempts
        .iter()
        .filter(|(_, tries)| tries.iter().any(|t| t.acknowledged))
        .map(|(n, _)| *n)
        .collect();
    let first_try: usize = attempts
        .values()
        .filter(|tries| tries.first().is_some_and(|t| t.acknowledged))
        .count();
    let unacknowledged: Vec<u64> = attempts
        .iter()
        .filter(|(_, tries)| !tries.iter().any(|t| t.acknowledged))
        .map(|(n, _)| *n)
        .collect();
    let server_errors: usize = statuses
        .iter()
        .filter(|(status, _)| **status >= 500 && **status != 503)
        .map(|(_, count)| count)
        .sum();
    let no_answer = statuses.get(&0).copied().unwrap_or(0);

    // The database, after the faults (a fresh connection: the old ones died with the leader).
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&database_url)
        .await?;
    let (ack_rows, ack_distinct) = rows_of_applicants(&pool, &acknowledged).await?;
    // Whoever got no acknowledgement tries once more, with the same key.
    let mut recovered = 0;
    for &n in &unacknowledged {
        for _ in 0..10 {
            let (status, _) = send(&client, n, &tokens[(n - first) as usize], driver::key_of(key_seed, n)).await;
            if status == 200 {
                recovered += 1;
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let offered: Vec<u64> = (first..first + count).collect();
    let (rows, distinct) = rows_of_applicants(&pool, &offered).await?;
    let lost = acknowledged.len() as i64 - ack_distinct;
    let duplicates = (ack_rows - ack_distinct) + (rows - distinct);

    println!("\n== results");
    println!(
        "offered {count} signups; acknowledged {} ({first_try} at the first try, the rest after retries); \
         {} never acknowledged during the run",
        acknowledged.len(),
        unacknowledged.len()
    );
    println!(
        "answers: {}",
        statuses
            .iter()
            .map(|(status, n)| match status {
                0 => format!("no answer × {n}"),
                s => format!("{s} × {n}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("lost acknowledgements: {lost} (acknowledged but not in the database)");
    println!("duplicates: {duplicates} (applicants in the database more than once)");
    println!(
        "sent again after the run: {recovered} of {} acknowledged; {rows} applicants for {count} offered ({distinct} distinct NIKs)",
        unacknowledged.len()
    );
    println!(
        "the standby's replay delay, sampled every second: at most {:.0} ms",
        max_replay_delay.as_secs_f64() * 1000.0
    );
    println!("seconds without service after each fault (the longest stretch with no signup acknowledged):");
    let mut goals_met = true;
    for (i, fault) in faults.iter().enumerate() {
        let until = faults.get(i + 1).map(|f| f.at).unwrap_or(ended);
        let refused: Vec<&&Attempt> = all
            .iter()
            .filter(|a| {
                a.sent >= fault.at.saturating_sub(Duration::from_millis(500)) && a.sent < until && !a.acknowledged
            })
            .collect();
        // The longest stretch after the fault in which no signup was acknowledged: at this
        // rate acknowledgements otherwise come every few milliseconds. (A request that waited
        // out the fault and was then acknowledged was not refused, but it was not served
        // either.)
        let mut moments: Vec<Duration> = all
            .iter()
            .filter(|a| a.acknowledged && a.answered > fault.at && a.answered < until)
            .map(|a| a.answered)
            .collect();
        moments.sort();
        let span = std::iter::once(fault.at)
            .chain(moments.iter().copied())
            .chain(std::iter::once(until))
            .collect::<Vec<_>>()
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .max()
            .unwrap_or_default();
        let met = span < fault.goal;
        goals_met &= met;
        println!(
            "  {:<70} {:>6.2} s ({} refused requests; goal under {} s: {})",
            fault.what,
            span.as_secs_f64(),
            refused.len(),
            fault.goal.as_secs(),
            if met { "met" } else { "NOT met" }
        );
        if refused.len() <= 10 {
            for attempt in &refused {
                println!(
                    "      refused: sent at {:.2} s, answered {} at {:.2} s",
                    attempt.sent.as_secs_f64(),
                    attempt.status,
                    attempt.answered.as_secs_f64()
                );
            }
        }
    }
    let decided = decided_checks(&pool, &offered).await?;
    println!(
        "automatic checks of these applicants, leased by the portals' jobs: {} decided, {} still queued, none twice (one row each by key)",
        decided.0, decided.1
    );

    let checks = [
        (lost == 0, "every acknowledged signup is in the database"),
        (duplicates == 0, "no signup is in the database twice"),
        (
            recovered == unacknowledged.len() && rows == count as i64 && distinct == rows,
            "after sending again, exactly one applicant per signup offered",
        ),
        (
            server_errors == 0,
            "no applicant was answered with a server error (500, 502, 504)",
        ),
        (goals_met, "service came back within the goals"),
        (!acknowledged.is_empty(), "signups went through at all"),
    ];
    if no_answer > 0 {
        println!("note: {no_answer} requests got no answer at all (the connection was cut); each was sent again");
    }
    verdict(&checks, "the chaos run failed")
}

/// Tokens indexed from applicant 0, so applicant `first + i` finds `tokens[i]` at its number.
fn padded(first: u64, tokens: &[String]) -> Vec<String> {
    let mut all = vec![String::new(); first as usize];
    all.extend_from_slice(tokens);
    all
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Sends `rate` signups a second for `seconds`, each retried until acknowledged.
#[allow(clippy::too_many_arguments)]
async fn offer(
    client: HttpClient,
    tokens: Arc<Vec<String>>,
    first: u64,
    rate: u32,
    seconds: u64,
    key_seed: u64,
    attempts: Arc<Mutex<BTreeMap<u64, Vec<Attempt>>>>,
    started: Instant,
) {
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..u64::from(rate) * seconds {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, tokens, attempts) = (client.clone(), tokens.clone(), attempts.clone());
        let n = first + i;
        tasks.spawn(async move {
            let key = driver::key_of(key_seed, n);
            loop {
                let sent = started.elapsed();
                let (status, retry_after) = send(&client, n, &tokens[i as usize], key).await;
                let acknowledged = status == 200;
                attempts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(n)
                    .or_default()
                    .push(Attempt {
                        sent,
                        answered: started.elapsed(),
                        status,
                        acknowledged,
                    });
                if acknowledged || due.elapsed() > GIVE_UP_AFTER {
                    return;
                }
                // As the offline queue: wait as asked (at most 5 s), a little less or more so a
                // crowd does not come back at once.
                let pause = retry_after
                    .unwrap_or(Duration::from_secs(1))
                    .min(Duration::from_secs(5));
                let jitter = Duration::from_millis(rand::random::<u64>() % 500);
                tokio::time::sleep(pause / 2 + jitter).await;
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// One signup request: the status (0 without an answer) and the Retry-After it asked for.
async fn send(client: &HttpClient, n: u64, token: &str, key: uuid::Uuid) -> (u16, Option<Duration>) {
    let body = format!("{}&idempotency_key={key}", applicants::signup_body(n));
    let headers = format!("Accept: application/json\r\nCookie: {COOKIE}={token}\r\n");
    match tokio::time::timeout(
        Duration::from_secs(10),
        client.post_form("/api/signup-submit", &headers, &body),
    )
    .await
    {
        Ok(Ok(answer)) if answer.status == 200 && !answer.body.starts_with(b"{\"Accepted\"") => {
            // A 200 that is not an acceptance (a refusal of the form) would be a bug here.
            (299, None)
        }
        Ok(Ok(answer)) => (answer.status, (answer.status == 503).then_some(Duration::from_secs(5))),
        _ => (0, None),
    }
}

/// Runs `xtask` with `args`; its last line of output.
async fn xtask_run(xtask: &str, args: &[&str]) -> Result<String, Error> {
    let output = Command::new(xtask).args(args).output().await?;
    if !output.status.success() {
        return Err(format!(
            "{xtask} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned())
}

/// Puts portal 2 in or out of the balancer's rotation (its admin socket).
async fn set_portal_2(socket: &str, serving: bool) -> Result<(), Error> {
    let state = if serving { "ready" } else { "maint" };
    let mut stream = tokio::net::UnixStream::connect(socket).await?;
    stream
        .write_all(format!("set server portals/portal-2 state {state}\n").as_bytes())
        .await?;
    stream.shutdown().await?;
    // Give the balancer a moment to apply it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

/// How long after the call writes go through the proxy's leader port again.
async fn writable_again(url: &str) -> Duration {
    let asked = Instant::now();
    let deadline = asked + Duration::from_secs(90);
    while Instant::now() < deadline {
        let attempt = async {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(1))
                .connect(url)
                .await?;
            let read_only: bool = sqlx::query_scalar("select pg_is_in_recovery()")
                .fetch_one(&pool)
                .await?;
            pool.close().await;
            Ok::<bool, sqlx::Error>(!read_only)
        };
        if let Ok(Ok(true)) = tokio::time::timeout(Duration::from_secs(2), attempt).await {
            // The killed leader may have answered just before it died: only a change counts.
            if asked.elapsed() > Duration::from_millis(500) {
                return asked.elapsed();
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    asked.elapsed()
}

/// The largest replay delay of any standby, sampled each second for `length`.
async fn watch_replay_delay(url: String, started: Instant, length: Duration) -> Duration {
    let mut worst = Duration::ZERO;
    while started.elapsed() < length {
        let sample = async {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(1))
                .connect(&url)
                .await?;
            let millis: Option<f64> = sqlx::query_scalar(
                "select (extract(epoch from max(replay_lag)) * 1000)::float8 from pg_stat_replication",
            )
            .fetch_one(&pool)
            .await?;
            pool.close().await;
            Ok::<Option<f64>, sqlx::Error>(millis)
        };
        if let Ok(Ok(Some(millis))) = tokio::time::timeout(Duration::from_secs(2), sample).await {
            worst = worst.max(Duration::from_secs_f64(millis / 1000.0));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    worst
}

/// Of the applicants `ns`: how many have a verification decision, and how many are still queued.
async fn decided_checks(pool: &PgPool, ns: &[u64]) -> Result<(i64, i64), Error> {
    let niks: Vec<String> = ns.iter().map(|&n| applicants::nik_of(n)).collect();
    Ok(sqlx::query_as(
        "select count(v.applicant_id), count(j.applicant_id) from applicants a
         left join verifications v on v.applicant_id = a.id
         left join verification_jobs j on j.applicant_id = a.id
         where a.nik = any($1)",
    )
    .bind(&niks)
    .fetch_one(pool)
    .await?)
}
