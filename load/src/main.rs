//! `prakerja-load`: the launch-rush benchmark and the crash test of the signup path.
//! Run through `cargo xtask bench`, `crash-test`, `chaos` and the others, which build and locate everything.

mod applicants;
mod catalogue_bench;
mod chaos;
mod cpu;
mod draw_bench;
mod driver;
mod exclusions_bench;
mod fixtures;
mod portal_cli;
mod probe;
mod verify_bench;
mod wire;

use std::{
    collections::HashMap,
    process::{ExitCode, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use driver::{drive, summarize, HttpClient, Outcome, Run, Sample, Summary};
use sqlx::{postgres::PgPoolOptions, PgPool};
use tokio::process::{Child, Command};

type Error = Box<dyn std::error::Error>;

/// The session cookie of the portal in production mode.
const COOKIE: &str = "__Host-prakerja";
/// A registration-window Wednesday morning for the server's clock.
const CLOCK_START: &str = "2026-12-02T10:00:00+07:00";
/// A rate is held when its p99 is under this, with no errors and nobody told to wait.
const HELD_P99: Duration = Duration::from_millis(100);
/// Under overload every request must be answered within this (served or told to wait).
const OVERLOAD_ANSWER: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = Options::parse(&args);
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench(&options).await,
        Some("crash") => crash(&options).await,
        Some("catalogue") => catalogue_bench::run(&options).await,
        Some("draw") => draw_bench::run(&options).await,
        Some("verify") => verify_bench::run(&options).await,
        Some("exclusions") => exclusions_bench::run(&options).await,
        Some("probe") => probe::run(&options).await,
        Some("chaos") => chaos::run(&options).await,
        _ => Err(
            "usage: prakerja-load bench|crash|chaos|catalogue|draw|verify|exclusions|probe --server-bin PATH --site-root PATH --database-url URL ..."
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("prakerja-load: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` pairs.
struct Options(HashMap<String, String>);

impl Options {
    fn parse(args: &[String]) -> Options {
        let mut map = HashMap::new();
        let mut rest = args.iter().skip(1);
        while let Some(name) = rest.next() {
            if let (Some(name), Some(value)) = (name.strip_prefix("--"), rest.next()) {
                map.insert(name.to_owned(), value.clone());
            }
        }
        Options(map)
    }

    fn get(&self, name: &str) -> Result<&str, Error> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name} is required").into())
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, Error> {
        match self.0.get(name) {
            Some(value) => value
                .parse()
                .map_err(|_| format!("--{name}: not a number: {value}").into()),
            None => Ok(default),
        }
    }
}

/// The portal under test: a release server on a fresh database.
struct Portal {
    child: Child,
    server_bin: String,
    env: Vec<(String, String)>,
    base: String,
    pool: PgPool,
}

impl Portal {
    async fn start(options: &Options) -> Result<Portal, Error> {
        let database_url = options.get("database-url")?.to_owned();
        recreate_database(&database_url).await?;
        let port: u16 = options.number("port", 3200)?;
        let mut env = vec![
            ("PRAKERJA_ENV".to_owned(), "production".to_owned()),
            (
                "PRAKERJA_SECRET".to_owned(),
                "benchmark-secret-benchmark-secret-0123456789".to_owned(),
            ),
            (
                "PRAKERJA_PLATFORM_KEY_SECRETS".to_owned(),
                "1:benchmark-platform-key-secret-0123456789".to_owned(),
            ),
            // Production will not serve without a mail server. Nothing listens here: the
            // few messages a run queues fail at once and wait for their retry.
            ("PRAKERJA_SMTP_URL".to_owned(), "smtp://127.0.0.1:9".to_owned()),
            // Nor without the civil registry. Nothing answers here either: the checks wait (the
            // benchmarks measure signups; `bench-verify` measures the checks).
            ("PRAKERJA_REGISTRY_URL".to_owned(), "https://127.0.0.1:9".to_owned()),
            (
                "PRAKERJA_REGISTRY_KEY".to_owned(),
                "benchmark-registry-key-0123456789".to_owned(),
            ),
            // Nor without the payout rail (nothing is paid during a benchmark).
            ("PRAKERJA_RAIL_URL".to_owned(), "https://127.0.0.1:9".to_owned()),
            (
                "PRAKERJA_RAIL_KEY".to_owned(),
                "benchmark-rail-key-0123456789".to_owned(),
            ),
            ("DATABASE_URL".to_owned(), database_url.clone()),
            ("PRAKERJA_ADDR".to_owned(), format!("127.0.0.1:{port}")),
            ("LEPTOS_SITE_ROOT".to_owned(), options.get("site-root")?.to_owned()),
            ("PRAKERJA_CLOCK_START".to_owned(), CLOCK_START.to_owned()),
            ("RUST_LOG".to_owned(), "error".to_owned()),
        ];
        for (option, variable) in [
            ("pool-size", "PRAKERJA_DATABASE_POOL_SIZE"),
            ("signup-workers", "PRAKERJA_SIGNUP_WORKERS"),
            ("max-in-flight", "PRAKERJA_MAX_IN_FLIGHT"),
            ("min-in-flight", "PRAKERJA_MIN_IN_FLIGHT"),
            ("target-service-ms", "PRAKERJA_TARGET_SERVICE_MS"),
            ("max-queue-wait-ms", "PRAKERJA_MAX_QUEUE_WAIT_MS"),
        ] {
            if let Ok(value) = options.get(option) {
                env.push((variable.to_owned(), value.to_owned()));
            }
        }
        let server_bin = options.get("server-bin")?.to_owned();
        let child = spawn_server(&server_bin, &env)?;
        let base = format!("http://127.0.0.1:{port}");
        wait_until_healthy(&driver::client(&base), Duration::from_secs(60)).await?;
        let pool = PgPoolOptions::new().max_connections(2).connect(&database_url).await?;
        Ok(Portal {
            child,
            server_bin,
            env,
            base,
            pool,
        })
    }

    async fn kill(&mut self) -> Result<(), Error> {
        self.child.kill().await?;
        Ok(())
    }

    async fn restart(&mut self) -> Result<(), Error> {
        self.child = spawn_server(&self.server_bin, &self.env)?;
        Ok(())
    }
}

fn spawn_server(bin: &str, env: &[(String, String)]) -> Result<Child, Error> {
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .envs(env.iter().cloned())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    Ok(command.spawn()?)
}

async fn wait_until_healthy(client: &HttpClient, patience: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + patience;
    loop {
        if let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(2), client.get("/healthz")).await {
            if answer.status == 200 {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err("the portal did not become healthy".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn recreate_database(url: &str) -> Result<(), Error> {
    use sqlx::migrate::MigrateDatabase;
    if sqlx::Postgres::database_exists(url).await? {
        sqlx::Postgres::force_drop_database(url).await?;
    }
    sqlx::Postgres::create_database(url).await?;
    Ok(())
}

/// Applicants acknowledged in `samples` that are in the database, and how many rows they have.
async fn rows_for(pool: &PgPool, samples: &[Sample]) -> Result<(i64, i64), Error> {
    let acknowledged: Vec<u64> = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Acknowledged)
        .map(|s| s.applicant)
        .collect();
    rows_of_applicants(pool, &acknowledged).await
}

/// Rows in `applicants` with the NIKs of load applicants `ns`, and how many distinct NIKs.
async fn rows_of_applicants(pool: &PgPool, ns: &[u64]) -> Result<(i64, i64), Error> {
    let niks: Vec<String> = ns.iter().map(|&n| applicants::nik_of(n)).collect();
    Ok(
        sqlx::query_as("select count(*), count(distinct nik) from applicants where nik = any($1)")
            .bind(&niks)
            .fetch_one(pool)
            .await?,
    )
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

struct Step {
    rate: u32,
    summary: Summary,
    achieved: f64,
    rows: i64,
    elapsed: Duration,
    cpu: cpu::CpuTimes,
    samples: Vec<driver::Sample>,
}

impl Step {
    fn held(&self) -> bool {
        self.summary.p99 < HELD_P99 && self.summary.failed == 0 && self.summary.told_to_wait == 0
    }
}

async fn run_step(
    portal: &Portal,
    client: &HttpClient,
    tokens: &Arc<Vec<String>>,
    next: &mut u64,
    rate: u32,
    seconds: u64,
) -> Result<Step, Error> {
    let count = rate as u64 * seconds;
    let tokens = tokens.clone();
    let run = Run {
        client,
        cookie: COOKIE,
        tokens,
        first_applicant: *next,
        rate,
        duration: Duration::from_secs(seconds),
        key_seed: rand::random(),
    };
    let cpu_before = cpu::CpuTimes::now(portal.child.id());
    let started = Instant::now();
    let samples = drive(run).await;
    let elapsed = started.elapsed();
    let cpu = cpu::CpuTimes::now(portal.child.id()).since(&cpu_before);
    *next += count;
    let summary = summarize(&samples);
    let (rows, distinct) = rows_for(&portal.pool, &samples).await?;
    if rows != distinct || rows != summary.acknowledged as i64 {
        return Err(format!(
            "rate {rate}: {} acknowledged but {rows} rows ({distinct} distinct)",
            summary.acknowledged
        )
        .into());
    }
    Ok(Step {
        rate,
        achieved: summary.acknowledged as f64 / elapsed.as_secs_f64(),
        summary,
        rows,
        elapsed,
        cpu,
        samples,
    })
}

/// The launch-rush benchmark: a ladder of fixed rates, the highest held, 3x overload, and the
/// raw ceiling of the database measured with pgbench on the same row shape.
async fn bench(options: &Options) -> Result<(), Error> {
    let seconds: u64 = options.number("step-seconds", 10)?;
    let rates: Vec<u32> = options
        .get("rates")
        .unwrap_or("500,1000,2000,3000,4000,5000,6000,7000,8000")
        .split(',')
        .map(|r| r.trim().parse())
        .collect::<Result<_, _>>()?;
    let portal = Portal::start(options).await?;
    let client = driver::client(&portal.base);
    // Every applicant of the run is signed in before the rush starts, as in the real one (signing
    // in is spread over the days before), and the tables are analysed as they would be by then.
    const WARM_UP: (u32, u64) = (200, 3);
    let max_rate = rates
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(options.number("overload-rate", 0)? / 3) as u64;
    let applicants =
        WARM_UP.0 as u64 * WARM_UP.1 + rates.iter().map(|&r| r as u64 * seconds).sum::<u64>() + 3 * max_rate * seconds;
    println!("signing in {applicants} applicants…");
    let tokens = Arc::new(fixtures::signed_in(&portal.pool, 0, applicants).await?);
    sqlx::query("vacuum analyze accounts, sessions")
        .execute(&portal.pool)
        .await?;
    // Write out what the preparation dirtied, so its checkpoint does not land in the first step.
    let _ = sqlx::query("checkpoint").execute(&portal.pool).await;
    let mut next = 0;
    println!("warming up…");
    run_step(&portal, &client, &tokens, &mut next, WARM_UP.0, WARM_UP.1).await?;

    println!("\n| offered/s | achieved/s | p50 ms | p99 ms | p99.9 ms | failed | told to wait | acknowledged | rows |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut steps = Vec::new();
    for rate in rates {
        let step = run_step(&portal, &client, &tokens, &mut next, rate, seconds).await?;
        let s = &step.summary;
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
            rate,
            step.achieved,
            ms(s.p50),
            ms(s.p99),
            ms(s.p999),
            s.failed,
            s.told_to_wait,
            s.acknowledged,
            step.rows
        );
        let collapsing = s.p99 > Duration::from_secs(2) || s.failed * 20 > s.sent;
        steps.push(step);
        if collapsing {
            break;
        }
        // Let the database settle (checkpoints, autovacuum) between steps.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let held = steps.iter().filter(|s| s.held()).map(|s| s.rate).max().unwrap_or(0);
    println!(
        "\nHighest rate held (p99 < {} ms, no errors): {held} signups/s",
        HELD_P99.as_millis()
    );

    let mut overload = None;
    // `--overload-rate` drives a chosen rate instead (to study overload alone).
    let overload_rate = options.number("overload-rate", held * 3)?;
    if overload_rate > 0 {
        let rate = overload_rate;
        let step = run_step(&portal, &client, &tokens, &mut next, rate, seconds).await?;
        let s = &step.summary;
        let held_step = steps.iter().find(|s| s.rate == held).map(|s| &s.summary);
        // When the rush stops, the line still holds requests that arrived in its last
        // `max_wait`; newest first, they are served only then, after waiting up to `max_wait`.
        // They are reported apart: they are served as the rush ends, not during it.
        let max_wait = Duration::from_millis(options.number("max-queue-wait-ms", 250)?);
        let rush_end = Duration::from_secs(seconds).saturating_sub(max_wait);
        let (during, at_end): (Vec<_>, Vec<_>) = step.samples.iter().cloned().partition(|sample| sample.due < rush_end);
        let (during, at_end) = (summarize(&during), summarize(&at_end));
        println!(
            "Overload ({rate}/s): slowest answer {} ms (all answered within {} ms: {}); {} acknowledged, {} told \
             to wait, {} failed. Acknowledged while the rush lasted: {} (p50 {} ms, p99 {} ms{}; p99 under {} ms: \
             {}); in its last {} ms, served as it ended: {} (p50 {} ms, p99 {} ms); the load generator's own \
             lag before sending: p99 {} ms",
            ms(s.max),
            OVERLOAD_ANSWER.as_millis(),
            if s.max <= OVERLOAD_ANSWER { "yes" } else { "no" },
            s.acknowledged,
            s.told_to_wait,
            s.failed,
            during.acknowledged,
            ms(during.acknowledged_p50),
            ms(during.acknowledged_p99),
            held_step.map_or(String::new(), |h| format!(
                "; at {held}/s: p50 {} ms, p99 {} ms",
                ms(h.acknowledged_p50),
                ms(h.acknowledged_p99)
            )),
            HELD_P99.as_millis(),
            if during.acknowledged_p99 < HELD_P99 {
                "yes"
            } else {
                "no"
            },
            max_wait.as_millis(),
            at_end.acknowledged,
            ms(at_end.acknowledged_p50),
            ms(at_end.acknowledged_p99),
            ms(s.sender_lag_p99),
        );
        overload = Some(step);
    }
    print_cpu(steps.iter().chain(overload.as_ref()));

    drop(portal);
    let raw = pgbench(options).await?;
    println!("Raw database ceiling (pgbench, same rows and indexes, synchronous_commit=on): {raw:.0} signups/s");
    if raw > 0.0 {
        println!("Ratio portal/raw: {:.2}", held as f64 / raw);
    }
    Ok(())
}

/// Where each step's CPU time went, per request sent: what to make cheaper next.
fn print_cpu<'a>(steps: impl Iterator<Item = &'a Step>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("\nCPU per request sent, µs (cores busy out of {cores}):\n");
    println!("| offered/s | cores busy | portal | PostgreSQL | load generator | other |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for step in steps {
        let sent = step.summary.sent.max(1) as f64;
        let per_request = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e6 / sent);
        let cpu = &step.cpu;
        println!(
            "| {} | {:.2} | {} | {} | {} | {} |",
            step.rate,
            cpu.machine_busy.as_secs_f64() / step.elapsed.as_secs_f64(),
            per_request(cpu.portal),
            per_request(cpu.postgres),
            per_request(cpu.load_generator),
            per_request(cpu.other()),
        );
    }
}

/// The database alone: pgbench inserting what a signup inserts (applicant, NIK claim, family-card
/// slot, idempotency key) with the same indexes and durable commits, as fast as it can.
async fn pgbench(options: &Options) -> Result<f64, Error> {
    pgbench_signups(
        options.get("database-url")?,
        options.get("pgbench")?,
        options.number("pgbench-clients", 16)?,
    )
    .await
}

/// The signup's rows inserted by pgbench for 10 s into the fresh, migrated database at `url`:
/// transactions a second, the database's raw ceiling for the signup path.
async fn pgbench_signups(url: &str, pgbench: &str, clients: u32) -> Result<f64, Error> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    sqlx::query("create sequence if not exists pgbench_signup")
        .execute(&pool)
        .await?;
    // Accounts exist before the rush, as in the portal.
    sqlx::query(
        "insert into accounts (id, email) select md5('pgbench-account-' || n)::uuid, 'pgbench-' || n || '@contoh.id' \
         from generate_series(1, 400000) n",
    )
    .execute(&pool)
    .await?;
    let script = r#"
with n as (select nextval('pgbench_signup') as n),
applicant as (
    insert into applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, birth_place,
        province_code, city, mobile, education, employment_status, interests, registered_at)
    select md5('pgbench-applicant-' || n)::uuid, md5('pgbench-account-' || n)::uuid,
        'PK-' || substr(upper(lpad(to_hex(n), 12, '0')), 1, 4) || '-' || substr(upper(lpad(to_hex(n), 12, '0')), 5, 4)
            || '-' || substr(upper(lpad(to_hex(n), 12, '0')), 9, 4),
        '1' || lpad(n::text, 15, '0'), '2' || lpad((n / 2)::text, 15, '0'), 'Pendaftar Uji Beban', date '1990-01-01',
        'L', 'Jakarta', '31', 'Kota Jakarta Selatan', '+628' || lpad(n::text, 9, '0'), 'sma', 'korban-phk',
        array['barista'], now()
    from n returning id, nik, kk
),
claim as (insert into nik_claims (nik, applicant_id) select nik, id from applicant),
slot as (insert into family_card_slots (kk, slot, applicant_id) select kk, 1 + (select n from n) % 2, id from applicant),
job as (insert into verification_jobs (applicant_id, available_at) select id, now() from applicant)
insert into idempotency_keys (key, account_id, operation, outcome)
select md5('pgbench-key-' || n)::uuid, md5('pgbench-account-' || n)::uuid, 'signup', '{"reference": "x"}'::jsonb from n;
"#;
    let path = std::env::temp_dir().join("prakerja-pgbench-signup.sql");
    std::fs::write(&path, script)?;
    let output = Command::new(pgbench)
        .args(["-n", "-c", &clients.to_string(), "-j", "2", "-T", "10", "-f"])
        .arg(&path)
        .arg(url)
        .output()
        .await?;
    tps_of(&output)
}

/// The transactions a second that a pgbench run reports.
fn tps_of(output: &std::process::Output) -> Result<f64, Error> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("pgbench failed: {}{}", stdout, String::from_utf8_lossy(&output.stderr)).into());
    }
    stdout
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l["tps = ".len()..].split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("no tps in pgbench output: {stdout}").into())
}

/// Under load: kill -9 the server and start it again, then restart PostgreSQL at once (immediate
/// mode). Every acknowledged signup must be in the database exactly once, and the server must
/// serve again after the database comes back without being restarted. Then every signup that was
/// not acknowledged is sent again with its idempotency key, as the browser's offline queue does,
/// and a sample of acknowledged ones is replayed: each applicant ends up with exactly one record.
async fn crash(options: &Options) -> Result<(), Error> {
    let rate: u32 = options.number("rate", 300)?;
    let seconds: u64 = options.number("seconds", 24)?;
    let restart_database: Vec<String> = options
        .get("pg-restart")?
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut portal = Portal::start(options).await?;
    let client = driver::client(&portal.base);
    let count = rate as u64 * seconds;
    let tokens = Arc::new(fixtures::signed_in(&portal.pool, 0, count).await?);
    let key_seed: u64 = rand::random();
    let load = {
        let (client, tokens) = (client.clone(), tokens.clone());
        tokio::spawn(async move {
            let run = Run {
                client: &client,
                cookie: COOKIE,
                tokens,
                first_applicant: 0,
                rate,
                duration: Duration::from_secs(seconds),
                key_seed,
            };
            drive(run).await
        })
    };
    let started = Instant::now();
    let at = |fraction: f64| Duration::from_secs_f64(seconds as f64 * fraction);

    tokio::time::sleep(at(0.2)).await;
    println!("{:>5.1} s  kill -9 the server", started.elapsed().as_secs_f64());
    portal.kill().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("{:>5.1} s  start the server again", started.elapsed().as_secs_f64());
    portal.restart().await?;

    tokio::time::sleep_until((started + at(0.5)).into()).await;
    println!(
        "{:>5.1} s  restart PostgreSQL (immediate mode)",
        started.elapsed().as_secs_f64()
    );
    let database_restart = started.elapsed();
    let status = Command::new(&restart_database[0])
        .args(&restart_database[1..])
        .stdout(Stdio::null())
        .status()
        .await?;
    if !status.success() {
        return Err("restarting PostgreSQL failed".into());
    }
    let database_back = started.elapsed();
    println!("{:>5.1} s  PostgreSQL is back", database_back.as_secs_f64());

    let samples = load.await?;
    let summary = summarize(&samples);
    // The checks run on a fresh connection: the old ones died with the database.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(options.get("database-url")?)
        .await?;
    let (rows, distinct) = rows_for(&pool, &samples).await?;
    let committed_before_replay: i64 = sqlx::query_scalar("select count(*) from applicants")
        .fetch_one(&pool)
        .await?;
    let acknowledged_after_database = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Acknowledged && s.due > database_back + Duration::from_secs(2))
        .count();
    let healthy = wait_until_healthy(&client, Duration::from_secs(5)).await.is_ok();

    println!(
        "\n{} signups offered at {rate}/s: {} acknowledged, {} failed during the faults, {} told to wait",
        summary.sent, summary.acknowledged, summary.failed, summary.told_to_wait
    );
    println!(
        "database: {rows} rows for the acknowledged signups ({distinct} distinct NIKs); {committed_before_replay} \
         applicants in all (a signup can commit while its answer is lost in a crash: then it is in the database but \
         unacknowledged)"
    );
    println!(
        "after the database restart at {:.1} s: {acknowledged_after_database} signups acknowledged by the same server \
         process; health check {}",
        database_restart.as_secs_f64(),
        if healthy { "ok" } else { "FAILING" }
    );

    // The applicants who got no answer try again with the same key; so do a few who did.
    let unanswered: Vec<u64> = samples
        .iter()
        .filter(|s| s.outcome != Outcome::Acknowledged)
        .map(|s| s.applicant)
        .collect();
    let answered: Vec<u64> = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Acknowledged)
        .step_by(10)
        .map(|s| s.applicant)
        .collect();
    let replay = |applicants: Vec<u64>| {
        let (client, tokens) = (client.clone(), tokens.clone());
        async move {
            let mut tasks = tokio::task::JoinSet::new();
            for n in applicants {
                let (client, tokens) = (client.clone(), tokens.clone());
                tasks.spawn(async move {
                    // As the browser does: retry while the portal asks to wait or is unreachable.
                    for _ in 0..5 {
                        let token = &tokens[n as usize];
                        let outcome = driver::send(&client, COOKIE, n, token, driver::key_of(key_seed, n)).await;
                        if outcome == Outcome::Acknowledged {
                            return true;
                        }
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    false
                });
            }
            tasks.join_all().await.into_iter().filter(|ok| *ok).count()
        }
    };
    let recovered = replay(unanswered.clone()).await;
    let replayed = replay(answered.clone()).await;
    let total_rows: i64 = sqlx::query_scalar("select count(*) from applicants")
        .fetch_one(&pool)
        .await?;
    let distinct_accounts: i64 = sqlx::query_scalar("select count(distinct account_id) from applicants")
        .fetch_one(&pool)
        .await?;
    println!(
        "replayed with the same idempotency key: {recovered} of {} unanswered signups now acknowledged; \
         {replayed} of {} acknowledged ones answered again; {total_rows} applicants in all for {} offered",
        unanswered.len(),
        answered.len(),
        summary.sent
    );

    let checks = [
        (
            rows == summary.acknowledged as i64,
            "every acknowledged signup is in the database",
        ),
        (rows == distinct, "none of them twice"),
        (
            acknowledged_after_database > 0 && healthy,
            "the server recovered by itself after the database restart",
        ),
        (summary.acknowledged > 0, "signups went through at all"),
        (
            recovered == unanswered.len() && replayed == answered.len(),
            "every replay with the signup's idempotency key was acknowledged",
        ),
        (
            total_rows == summary.sent as i64 && distinct_accounts == total_rows,
            "after the replays, exactly one record per applicant",
        ),
    ];
    verdict(&checks, "the crash test failed")
}

/// Prints each check as PASS or FAIL; fails with `failure` if any failed.
fn verdict(checks: &[(bool, &str)], failure: &str) -> Result<(), Error> {
    for (ok, what) in checks {
        println!("{} {what}", if *ok { "PASS" } else { "FAIL" });
    }
    if checks.iter().all(|(ok, _)| *ok) {
        Ok(())
    } else {
        Err(failure.into())
    }
}
