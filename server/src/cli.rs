//! Command-line interface of the server binary.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use clap::{Parser, Subcommand};

use crate::audit_actor::actor;

#[derive(Parser)]
#[command(name = "prakerja", about = "The Prakerja portal: web server and operator commands")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Bring the database schema up to date.
    Migrate,
    /// Load the demo data (idempotent).
    SeedDemo,
    /// Show or change the registration schedule. Changes are recorded in the audit log.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Drop and recreate the database (development and end-to-end tests only).
    ResetDatabase {
        /// Confirms that everything in the database may be deleted.
        #[arg(long)]
        yes: bool,
    },
    /// The exclusion list (NIKs the program refuses). Imports are recorded in the audit log.
    #[command(subcommand)]
    Exclusions(ExclusionsCommand),
    /// Operator accounts (the first one is made here). Recorded in the audit log.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Waves (gelombang): the test is taken for the wave whose joining window is open.
    #[command(subcommand)]
    Wave(WaveCommand),
    /// The training catalogue: import a platform's trainings, hide one, load the demo catalogue.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Participants' cards (until the waves' draw issues them).
    #[command(subcommand)]
    Card(CardCommand),
    /// Partner platforms: their API keys, and a simulator that plays a platform.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// The civil registry: a simulator that serves its API with a synthetic population.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The payout rail: a simulator of bank transfers and e-wallet top-ups.
    #[command(subcommand)]
    Rail(RailCommand),
    /// The automatic checks: drain their queue now, or queue synthetic applicants (benchmarks).
    #[command(subcommand)]
    Verification(VerificationCommand),
    /// Incentive payouts: reconcile a day's transfers with the rail's statement.
    #[command(subcommand)]
    Incentive(IncentiveCommand),
    /// Print the messages in the outbox (the development mailbox, on the command line).
    Outbox {
        #[arg(long, default_value_t = 10)]
        limit: i64,
    },
}

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Import a platform's trainings from a CSV or JSON file. Idempotent by the platform's
    /// course id; rejected rows are listed with their reason.
    Import {
        #[arg(long)]
        platform: String,
        file: std::path::PathBuf,
    },
    /// Hide a training (it can no longer be bought), with a reason. Audited.
    Hide {
        #[arg(long)]
        id: i32,
        #[arg(long)]
        reason: String,
    },
    /// Load the deterministic demo catalogue (about 900 trainings). Idempotent.
    SeedDemo {
        #[arg(long, default_value_t = crate::demo_catalogue::DEFAULT_SEED)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum VerificationCommand {
    /// Run the automatic checks until none is due (as the servers' background job does), and
    /// print how fast, and how much of the time went to waiting for the registry.
    Drain {
        /// Batches in progress at once.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Applicants per batch.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Queue N synthetic applicants for the checks (development databases only): well-formed
    /// NIKs whose answers are the registry simulator's records.
    QueueSynthetic {
        #[arg(long)]
        applicants: u64,
    },
}

#[derive(Subcommand)]
pub enum IncentiveCommand {
    /// Compare the ledger's transfers of a day (WIB) with the rail's statement of it, store the
    /// differences for the console and print them (the server does yesterday's by itself).
    Reconcile {
        /// The day, YYYY-MM-DD (default: yesterday, WIB).
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
    },
}

/// Reconciles a day and prints what differs.
pub async fn reconcile(
    pool: &sqlx::PgPool,
    rail: &app::payouts::rail::HttpRail,
    command: IncentiveCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    let IncentiveCommand::Reconcile { day } = command;
    let now = chrono::Utc::now();
    let day = day.unwrap_or_else(|| app::domain::wib::date_in_program_tz(now) - chrono::Days::new(1));
    let done = app::payouts::reconciliation::reconcile(pool, rail, day, now).await?;
    println!(
        "{}: {} transfers at the rail, {} settled in the ledger, {} differences",
        done.day,
        done.rail_transfers,
        done.ledger_transfers,
        done.differences.len()
    );
    for difference in &done.differences {
        println!(
            "  {} {}: ledger {}, rail {}",
            difference.kind.code(),
            difference.reference,
            difference.ledger.as_deref().unwrap_or("-"),
            difference.rail.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum RailCommand {
    /// Serve the rail's API (app/src/payouts/rail_openapi.json) over HTTP: account-name
    /// inquiries, transfers paid once per reference, their status and the day's statement.
    /// Needs no database; what it paid is kept in memory.
    Simulate {
        #[arg(long, default_value = "127.0.0.1:3191")]
        addr: std::net::SocketAddr,
        /// The API key callers must send (better: PRAKERJA_RAIL_KEY); the development key when
        /// neither is given.
        #[arg(long, env = "PRAKERJA_RAIL_KEY", hide_env_values = true)]
        key: Option<String>,
    },
}

/// Runs the payout-rail simulator until the process is stopped.
pub async fn rail(command: RailCommand) -> Result<(), Box<dyn std::error::Error>> {
    use crate::rail_simulator::{RailSimulator, DEVELOPMENT_KEY};
    let RailCommand::Simulate { addr, key } = command;
    let simulator = RailSimulator::new(key.as_deref().unwrap_or(DEVELOPMENT_KEY));
    let bound = simulator.spawn(addr).await?;
    println!("payout-rail simulator listening on http://{bound}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Serve the registry's API (app/src/verification/registry_openapi.json) over HTTP with the
    /// deterministic synthetic population, the demo's people included. Needs no database.
    Simulate {
        #[arg(long, default_value = "127.0.0.1:3190")]
        addr: std::net::SocketAddr,
        /// The API key callers must send (better: PRAKERJA_REGISTRY_KEY); the development key
        /// when neither is given.
        #[arg(long, env = "PRAKERJA_REGISTRY_KEY", hide_env_values = true)]
        key: Option<String>,
        /// Added to every answer.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// The share of calls (0 to 1) answered with a 500.
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// With --outage-seconds: an outage this often.
        #[arg(long, requires = "outage_seconds")]
        outage_every_seconds: Option<u64>,
        #[arg(long, requires = "outage_every_seconds")]
        outage_seconds: Option<u64>,
    },
}

/// Runs the registry simulator until the process is stopped.
pub async fn registry(command: RegistryCommand) -> Result<(), Box<dyn std::error::Error>> {
    use crate::registry_simulator::{Population, RegistrySimulator, DEVELOPMENT_KEY};
    let RegistryCommand::Simulate {
        addr,
        key,
        latency_ms,
        error_rate,
        outage_every_seconds,
        outage_seconds,
    } = command;
    let simulator = RegistrySimulator::new(Population::synthetic(), key.as_deref().unwrap_or(DEVELOPMENT_KEY));
    simulator.set_latency(std::time::Duration::from_millis(latency_ms));
    simulator.set_error_rate(error_rate);
    if let (Some(every), Some(down_for)) = (outage_every_seconds, outage_seconds) {
        if down_for >= every {
            return Err("--outage-seconds must be shorter than --outage-every-seconds".into());
        }
        simulator.schedule_outages(
            std::time::Duration::from_secs(every),
            std::time::Duration::from_secs(down_for),
        );
    }
    let bound = simulator.spawn(addr).await?;
    println!("registry simulator listening on http://{bound}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

#[derive(Subcommand)]
pub enum PlatformCommand {
    /// Make an API key for a platform (audited). Prints the key id and its secret, once.
    KeyCreate {
        #[arg(long)]
        platform: String,
    },
    /// Revoke a key (audited): requests signed with it are refused from now on.
    KeyRevoke {
        #[arg(long)]
        key: String,
    },
    /// Play a platform over HTTP: report a voucher's training as started, half done and
    /// completed, each event signed with the key.
    Simulate {
        /// The portal, e.g. http://127.0.0.1:3000.
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        key: String,
        /// The key's secret (better: PRAKERJA_PLATFORM_SECRET, which other processes cannot
        /// read from the command line); derived from PRAKERJA_SECRET when neither is given.
        #[arg(long)]
        secret: Option<String>,
        #[arg(long)]
        voucher: String,
        /// Stop after the start and the progress report (no completion).
        #[arg(long)]
        no_complete: bool,
    },
}

#[derive(Subcommand)]
pub enum CardCommand {
    /// Give a registered applicant a card in a wave (for demos and tests, until the draw does).
    Issue {
        #[arg(long)]
        email: String,
        #[arg(long)]
        wave: String,
        /// Training balance in rupiah.
        #[arg(long, default_value_t = 1_000_000)]
        balance: i64,
        /// Days from now to the first purchase.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

#[derive(Subcommand)]
pub enum WaveCommand {
    /// Create a wave. Times are WIB wall-clock, e.g. 2027-01-04T08:00. The seed's source is
    /// committed now. Audited.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        opens: String,
        #[arg(long)]
        closes: String,
        #[arg(long)]
        quota: String,
        /// Training balance of each card, in rupiah.
        #[arg(long, default_value = "1000000")]
        balance: String,
        #[arg(long, default_value = "30")]
        first_purchase_days: String,
        /// Where the seed will come from (announced before its value exists).
        #[arg(long)]
        seed_source: String,
        /// Require a test passed in this wave (a pass from an earlier wave does not count).
        #[arg(long)]
        new_test: bool,
    },
    /// Record the seed's value, once joining has closed. Audited.
    Seed {
        #[arg(long)]
        wave: String,
        #[arg(long)]
        seed: String,
    },
    /// Close the wave: recheck eligibility, freeze the pool, draw, write the outcomes and queue
    /// the cards. Prints the time of each phase. Running it again changes nothing.
    Close {
        #[arg(long)]
        wave: String,
    },
    /// Issue the cards closes queued, now (every portal process does it in the background).
    /// Prints how many and how long.
    IssueCards {
        /// Workers side by side, each a block at a time.
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Add N synthetic verified applicants to the wave (COPY), for demos and benchmarks.
    SyntheticPool {
        #[arg(long)]
        wave: String,
        #[arg(long)]
        applicants: u64,
        /// Per thousand put on the exclusion list.
        #[arg(long, default_value_t = 5)]
        excluded_per_mille: u64,
        /// Per thousand put on a priority list (tier 1).
        #[arg(long, default_value_t = 20)]
        priority_per_mille: u64,
    },
}

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Create an operator. The password is read from PRAKERJA_OPERATOR_PASSWORD or, when that is
    /// unset, from the first line of standard input (never from the command line, where other
    /// users of the machine could see it).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// verifikator or admin-program
        #[arg(long)]
        role: String,
    },
    /// Change an operator's role (verifikator or admin-program).
    Role { username: String, role: String },
    /// Disable an operator: their sessions end and they can no longer sign in.
    Disable { username: String },
    /// Enable a disabled operator again.
    Enable { username: String },
    /// Give an operator a new password, read like `create`'s; their sessions end.
    ResetPassword { username: String },
    /// Reset an operator's second factor (a lost phone): they enrol again at the next sign-in.
    ResetSecondFactor { username: String },
    /// Development and end-to-end tests only: give an operator this TOTP secret (base32, 32
    /// characters), enrolled, so a test or a developer can compute the codes.
    SetSecondFactor { username: String, secret: String },
}

#[derive(Subcommand)]
pub enum ExclusionsCommand {
    /// Import a CSV file of `nik,category` lines (an optional header line). Idempotent: importing
    /// the same file again changes nothing. Lines that do not parse are listed with the reason.
    Import {
        file: std::path::PathBuf,
        /// Where the file came from (agency, date), kept with every entry.
        #[arg(long)]
        source: String,
    },
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Whether registration is open now, the weekly hours and upcoming exceptions.
    Show,
    /// Open registration from now for some hours (demos, try-outs, extra days).
    OpenNow {
        #[arg(long, default_value_t = 12)]
        hours: i64,
        #[arg(long, default_value = "Dibuka untuk uji coba")]
        note: String,
    },
    /// Close registration for a whole day in WIB (a holiday), e.g. 2026-12-24.
    CloseDay {
        date: NaiveDate,
        #[arg(long)]
        note: String,
    },
    /// Open registration for a whole day in WIB outside the weekly hours, 08:00-16:00.
    OpenDay {
        date: NaiveDate,
        #[arg(long)]
        note: String,
    },
}

pub async fn schedule(pool: &sqlx::PgPool, command: ScheduleCommand) -> Result<(), Box<dyn std::error::Error>> {
    use app::domain::wib::local_instant;
    use app::registration::{db, schedule::ExceptionKind};
    let now = Utc::now();
    let day_bounds =
        |date: NaiveDate, from: NaiveTime, to: Option<NaiveTime>| -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
            let start = local_instant(date, from).ok_or("invalid date")?;
            let end = match to {
                Some(to) => local_instant(date, to),
                None => local_instant(date + Duration::days(1), NaiveTime::MIN),
            }
            .ok_or("invalid date")?;
            Ok((start, end))
        };
    let added = match command {
        ScheduleCommand::Show => None,
        ScheduleCommand::OpenNow { hours, note } => {
            Some((ExceptionKind::Open, now, now + Duration::hours(hours), note))
        }
        ScheduleCommand::CloseDay { date, note } => {
            let (start, end) = day_bounds(date, NaiveTime::MIN, None)?;
            Some((ExceptionKind::Closed, start, end, note))
        }
        ScheduleCommand::OpenDay { date, note } => {
            let at = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("valid time");
            let (start, end) = day_bounds(date, at(8), Some(at(16)))?;
            Some((ExceptionKind::Open, start, end, note))
        }
    };
    if let Some((kind, start, end, note)) = added {
        let mut tx = pool.begin().await?;
        db::add_exception(&mut tx, kind, start, end, &note, &actor()).await?;
        tx.commit().await?;
        println!(
            "Added: {} from {} to {} ({note})",
            kind.code(),
            app::domain::wib::format_wib(start),
            app::domain::wib::format_wib(end)
        );
    }
    let status = db::status(pool, now).await?;
    println!("Registration is {} now.", if status.open { "OPEN" } else { "CLOSED" });
    if let Some(label) = status.next_change_label {
        println!("{} {label}.", if status.open { "Closes" } else { "Opens" });
    }
    let schedule = db::load_schedule(pool, now).await?;
    println!("Weekly hours (WIB, ISO weekday 1 = Monday):");
    for w in &schedule.weekly {
        println!(
            "  day {}: {}-{}",
            w.iso_weekday,
            w.opens_at.format("%H:%M"),
            w.closes_at.format("%H:%M")
        );
    }
    for e in schedule.exceptions.iter().filter(|e| e.ends_at > now) {
        println!(
            "  exception {}: {} to {}",
            e.kind.code(),
            app::domain::wib::format_wib(e.starts_at),
            app::domain::wib::format_wib(e.ends_at)
        );
    }
    Ok(())
}

pub async fn print_outbox(pool: &sqlx::PgPool, limit: i64) -> Result<(), sqlx::Error> {
    let rows = sqlx::query!(
        "select recipient, subject, coalesce(body, '') as body, created_at from outbox_messages order by id desc limit $1",
        limit
    )
    .fetch_all(pool)
    .await?;
    for row in rows {
        println!(
            "--- {} to {}\nSubject: {}\n\n{}\n",
            row.created_at,
            row.recipient,
            row.subject,
            row.body.unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn exclusions(pool: &sqlx::PgPool, command: ExclusionsCommand) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        ExclusionsCommand::Import { file, source } => {
            use app::verification::exclusions::ExclusionImport;
            use tokio::io::AsyncReadExt;
            let source = app::domain::ExclusionSource::parse(&source)?;
            let mut reader = tokio::fs::File::open(&file).await?;
            let size = reader.metadata().await?.len();
            let started = std::time::Instant::now();
            let mut import = ExclusionImport::begin(pool, &source, &actor(), Some(size), Utc::now()).await?;
            // The file is read a chunk at a time, as the console's upload is.
            let mut chunk = vec![0; 256 * 1024];
            loop {
                let read = reader.read(&mut chunk).await?;
                if read == 0 {
                    break;
                }
                import.feed(&chunk[..read]).await?;
            }
            let report = import.finish(Utc::now()).await?;
            println!(
                "{} lines: {} added, {} changed category, {} already listed, {} rejected ({:.1} s)",
                report.lines,
                report.added,
                report.changed,
                report.unchanged,
                report.rejected_total,
                started.elapsed().as_secs_f64()
            );
            for rejected in &report.rejected {
                println!("  line {}: {}", rejected.line, rejected.reason);
            }
            if report.rejected_total > report.rejected.len() as u64 {
                println!(
                    "  … and {} more (the console lists them)",
                    report.rejected_total - report.rejected.len() as u64
                );
            }
        }
    }
    Ok(())
}

fn read_password() -> Result<app::operators::Password, Box<dyn std::error::Error>> {
    let password = match std::env::var("PRAKERJA_OPERATOR_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("Kata sandi (minimal 12 karakter), lalu Enter:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Ok(app::operators::Password::parse(&password)?)
}

/// The operator commands that change an account: each audited, each ending the operator's
/// sessions. `secret` is the portal's (PRAKERJA_SECRET), which seals second-factor secrets.
pub async fn operator(
    pool: &sqlx::PgPool,
    secret: &[u8],
    development: bool,
    command: OperatorCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::operators::{
        admin::{self, Change},
        db, OperatorRole, Username,
    };
    let target = |username: String| async move {
        admin::id_of(pool, &username)
            .await?
            .ok_or_else(|| Box::<dyn std::error::Error>::from(format!("no operator named {username:?}")))
    };
    let change = |username: String, change: Change| async move {
        let id = target(username.clone()).await?;
        admin::change(pool, id, change, &actor()).await?;
        println!("operator {username} changed; their sessions ended");
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    match command {
        OperatorCommand::Role { username, role } => change(username, Change::Role(OperatorRole::parse(&role)?)).await?,
        OperatorCommand::Disable { username } => change(username, Change::Disable).await?,
        OperatorCommand::Enable { username } => change(username, Change::Enable).await?,
        OperatorCommand::ResetPassword { username } => change(username, Change::Password(read_password()?)).await?,
        OperatorCommand::ResetSecondFactor { username } => change(username, Change::ResetSecondFactor).await?,
        OperatorCommand::SetSecondFactor {
            username,
            secret: base32,
        } => {
            if !development {
                return Err("set-second-factor is for development and tests; production refuses it".into());
            }
            let decoded = app::operators::second_factor::secret_from_base32(&base32)
                .ok_or("the secret must be 32 base32 characters (20 bytes)")?;
            let id = target(username.clone()).await?;
            admin::set_known_secret(pool, secret, id, &decoded, &actor(), Utc::now()).await?;
            println!("operator {username}: second factor set");
        }
        OperatorCommand::Create { username, name, role } => {
            let username = Username::parse(&username)?;
            let role = OperatorRole::parse(&role)?;
            let name = app::operators::DisplayName::parse(&name)?;
            let password = read_password()?;
            let id = db::create(pool, &username, name.as_str(), role, password, &actor(), Utc::now()).await?;
            println!("operator {} ({}) created: {id}", username.as_str(), role.code());
        }
    }
    Ok(())
}

async fn wave_id(pool: &sqlx::PgPool, name: &str) -> Result<i32, Box<dyn std::error::Error>> {
    Ok(sqlx::query_scalar!("select id from waves where name = $1", name)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| format!("no wave named {name:?}"))?)
}

pub async fn wave(pool: &sqlx::PgPool, command: WaveCommand) -> Result<(), Box<dyn std::error::Error>> {
    use app::waves::{db, NewWave, NewWaveForm, SeedValue};
    match command {
        WaveCommand::Create {
            name,
            opens,
            closes,
            quota,
            balance,
            first_purchase_days,
            seed_source,
            new_test,
        } => {
            let form = NewWaveForm {
                name,
                join_opens: opens,
                join_closes: closes,
                quota,
                balance,
                first_purchase_days,
                test_carries_over: (!new_test).then(|| "ya".to_owned()),
                seed_source,
            };
            let wave = NewWave::parse(&form).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            match db::create(pool, &wave, &actor(), Utc::now()).await? {
                Ok(id) => println!("wave {:?} created: {id}", wave.name.as_str()),
                Err(db::CreateWaveError::NameTaken) => {
                    println!("wave {:?} exists already; nothing changed", wave.name.as_str())
                }
            }
        }
        WaveCommand::Seed { wave, seed } => {
            let id = wave_id(pool, &wave).await?;
            let seed = SeedValue::parse(&seed)?;
            let operator = system_operator(pool).await?;
            match db::enter_seed(pool, id, &seed, operator, &actor(), Utc::now()).await? {
                Ok(()) => println!("seed of {wave:?} recorded"),
                Err(db::SeedError::JoiningOpen) => {
                    return Err("joining is still open: the seed comes after it closes".into())
                }
                Err(db::SeedError::AlreadyEntered) => return Err("the seed of this wave is recorded already".into()),
            }
        }
        WaveCommand::Close { wave } => {
            let id = wave_id(pool, &wave).await?;
            let started = std::time::Instant::now();
            let mut last = started;
            let mut report = |phase: db::ClosePhase| {
                let now = std::time::Instant::now();
                println!("  {:<16} {:>7.2} s", format!("{phase:?}"), (now - last).as_secs_f64());
                last = now;
                Ok(())
            };
            let closed = db::close(pool, id, &actor(), Utc::now(), &mut report).await?;
            match closed {
                Ok(closed) => {
                    if !closed.earlier {
                        println!("  {:<16} {:>7.2} s", "Commit", last.elapsed().as_secs_f64());
                        println!("  {:<16} {:>7.2} s", "Total", started.elapsed().as_secs_f64());
                    }
                    println!(
                        "{}{}: pool {} (digest {}), selected {}, not eligible {}, result digest {}",
                        closed.wave_name,
                        if closed.earlier {
                            " (closed before; nothing changed)"
                        } else {
                            ""
                        },
                        closed.pool_size,
                        closed.pool_digest,
                        closed.selected,
                        closed.ineligible,
                        closed.result_digest
                    );
                }
                Err(db::CloseRefusal::JoiningOpen) => return Err("joining is still open".into()),
                Err(db::CloseRefusal::NoSeed) => return Err("record the seed first (prakerja wave seed)".into()),
            }
        }
        WaveCommand::IssueCards { workers } => {
            let started = std::time::Instant::now();
            let mut running = tokio::task::JoinSet::new();
            for _ in 0..workers.max(1) {
                let pool = pool.clone();
                running.spawn(async move { db::issue_pending_cards(&pool).await });
            }
            let mut issued = 0;
            while let Some(done) = running.join_next().await {
                issued += done??;
            }
            println!("issued {issued} cards in {:.2} s", started.elapsed().as_secs_f64());
        }
        WaveCommand::SyntheticPool {
            wave,
            applicants,
            excluded_per_mille,
            priority_per_mille,
        } => {
            let spec = crate::synthetic::SyntheticPool {
                applicants,
                excluded_per_mille,
                priority_per_mille,
            };
            crate::synthetic::generate(pool, &wave, &spec).await?;
        }
    }
    Ok(())
}

/// The operator the command line acts as when an operator must be named (the seed's enterer):
/// the first program admin.
async fn system_operator(pool: &sqlx::PgPool) -> Result<uuid::Uuid, Box<dyn std::error::Error>> {
    Ok(sqlx::query_scalar!(
        "select id from operators where role = 'admin-program' and disabled_at is null order by created_at limit 1"
    )
    .fetch_optional(pool)
    .await?
    .ok_or("create a program admin first (prakerja operator create --role admin-program)")?)
}

pub async fn catalogue(pool: &sqlx::PgPool, command: CatalogueCommand) -> Result<(), Box<dyn std::error::Error>> {
    use app::catalogue::import;
    match command {
        CatalogueCommand::Import { platform, file } => {
            let text = std::fs::read_to_string(&file)?;
            let (trainings, rejected) = import::parse_file(&text)?;
            let report = import::import(pool, &platform, &trainings, &rejected, &actor(), Utc::now())
                .await
                .map_err(|e| format!("platform {platform}: {e}"))?;
            println!(
                "{} added, {} updated, {} unchanged, {} rejected",
                report.added,
                report.updated,
                report.unchanged,
                rejected.len()
            );
            for row in rejected.iter().take(100) {
                println!("  row {}: {}", row.row, row.reason);
            }
        }
        CatalogueCommand::Hide { id, reason } => {
            let reason = app::domain::OperatorReason::parse(&reason)?;
            if !import::hide(pool, id, &reason, &actor(), Utc::now()).await? {
                return Err(format!("no visible training {id}").into());
            }
            println!("training {id} hidden");
        }
        CatalogueCommand::SeedDemo { seed } => {
            let added = crate::demo_catalogue::load(pool, seed, Utc::now()).await?;
            println!("{added} trainings added");
        }
    }
    Ok(())
}

pub async fn card(pool: &sqlx::PgPool, command: CardCommand) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        CardCommand::Issue {
            email,
            wave,
            balance,
            days,
        } => {
            let email = app::domain::EmailAddress::parse(&email)?;
            let balance = app::domain::Rupiah::from_whole(balance).ok_or("--balance: 0 to 100000000")?;
            let card = crate::seed::issue_demo_card(
                pool,
                email.as_str(),
                &wave,
                balance,
                chrono::Duration::days(days),
                Utc::now(),
            )
            .await?;
            app::audit::record(pool, &actor(), "kartu.terbit", &format!("kartu:{card}"), None, None).await?;
            println!("card {card} issued");
        }
    }
    Ok(())
}

pub async fn platform(
    pool: &sqlx::PgPool,
    key_secrets: &app::secrets::PlatformKeySecrets,
    command: PlatformCommand,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::completion::db;
    let version = key_secrets.current_version();
    match command {
        PlatformCommand::KeyCreate { platform } => {
            match db::create_key(pool, &platform, version, &actor(), Utc::now()).await? {
                Some(key_id) => {
                    let secret = key_secrets
                        .key_secret(version, &key_id)
                        .ok_or("no current key secret")?;
                    println!("key:    {key_id}");
                    println!("secret: {secret}");
                    println!("(the secret is shown only now; give it to the platform over a secure channel)");
                }
                None => return Err(format!("no platform {platform:?}").into()),
            }
        }
        PlatformCommand::KeyRevoke { key } => {
            if !db::revoke_key(pool, &key, &actor(), Utc::now()).await? {
                return Err(format!("no active key {key:?}").into());
            }
            println!("key {key} revoked");
        }
        PlatformCommand::Simulate {
            base_url,
            key,
            secret,
            voucher,
            no_complete,
        } => {
            let secret = match secret.or_else(|| std::env::var("PRAKERJA_PLATFORM_SECRET").ok()) {
                Some(secret) => secret,
                // Development: the portal's own configuration knows every key's secret.
                None => db::active_key(pool, &key)
                    .await?
                    .and_then(|(_, version)| key_secrets.key_secret(version, &key))
                    .ok_or("no active key with a configured secret version; give --secret")?,
            };
            let answers =
                crate::http_client::simulate_platform(&base_url, &key, &secret, &voucher, !no_complete).await?;
            for (kind, status, answer) in &answers {
                println!("{kind}: HTTP {status} {answer}");
            }
            if answers.iter().any(|(_, status, _)| *status != 200) {
                return Err("the portal refused an event".into());
            }
        }
    }
    Ok(())
}

/// Runs `workers` batch loops side by side until no job is due; prints the figures.
pub async fn drain_verifications(
    pool: &sqlx::PgPool,
    registry: std::sync::Arc<app::verification::registry::HttpRegistry>,
    workers: usize,
    batch: i64,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::sync::atomic::Ordering;
    let started = std::time::Instant::now();
    let loops = (0..workers.max(1)).map(|_| {
        let (pool, registry) = (pool.clone(), registry.clone());
        tokio::spawn(async move { app::verification::jobs::drain(&pool, &*registry, Utc::now, batch).await })
    });
    let mut all = app::verification::jobs::BatchReport::default();
    let mut time = app::verification::jobs::BatchTiming::default();
    for worker in futures_util::future::join_all(loops).await {
        let (report, timing) = worker??;
        all += report;
        time += timing;
    }
    let seconds = started.elapsed().as_secs_f64();
    let outcomes = sqlx::query!(
        r#"select count(*) filter (where status = 'terverifikasi') as "verified!",
                  count(*) filter (where status = 'ditolak') as "rejected!",
                  count(*) filter (where status = 'periksa-manual') as "manual!"
           from verifications"#
    )
    .fetch_one(pool)
    .await?;
    println!(
        "drained {} verifications in {seconds:.1} s: {:.0} per second ({} verified, {} refused, {} to a person in all; {} left waiting for the registry)",
        all.decided,
        all.decided as f64 / seconds.max(0.001),
        outcomes.verified,
        outcomes.rejected,
        outcomes.manual,
        all.waiting
    );
    println!(
        "registry: {} calls, {} failed; waiting on the registry {:.0}% of the workers' time",
        registry.counters.calls.load(Ordering::Relaxed),
        registry.counters.failed_calls.load(Ordering::Relaxed),
        100.0 * time.registry.as_secs_f64() / time.total.as_secs_f64().max(0.001)
    );
    Ok(())
}
