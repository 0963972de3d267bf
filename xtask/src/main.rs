//! Project tasks: `cargo xtask <command>`. The Leptos build (wasm + server) without cargo-leptos,
//! offline, with every tool pinned in the workspace Cargo.toml and installed on first use.

mod cluster;
mod database;
mod process;
mod site;
mod tools;

use std::{path::PathBuf, process::ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

  run [--release] [--open-registration]
                   build (dev profile, quick to build, unless --release), load demo data and
                   serve http://127.0.0.1:3000
  build [--dev]    build the site (wasm, js, css) and the server; release unless --dev
  watch            rebuild and restart on every change (dev profile)
  test             everything: unit, database and end-to-end tests, the probe and the short
                   chaos round
  end-to-end [--dev] [-- PLAYWRIGHT ARGS]
                   Playwright tests in Debian's chromium, JavaScript on and off
  bench [-- OPTIONS]
                   the launch-rush benchmark: signups at fixed rates against a release server,
                   overload, and the database's raw ceiling (see docs/surge.md)
  bench-catalogue [-- OPTIONS]
                   the catalogue search page at fixed rates, and the same searches in pgbench
  bench-draw [-- --applicants N --quota N --pool keep]
                   close a wave of 4,000,000 with a quota of 1,000,000: each phase's time, the
                   same ranking in plain SQL, and the result digest again after a rerun
                   (`--pool keep` closes the previous run's pool again instead of a new one)
  bench-verify [-- --applicants N --latency-ms N --workers N --batch N --registry-concurrent N]
                   drain a queue of 1,000,000 automatic checks against the registry simulator at
                   50 ms a lookup: verifications per second, the share of time waiting on the
                   registry, and the same decisions as one plain SQL statement
  bench-exclusions [-- --lines N]
                   upload a 1,000,000-line exclusion file through the console: seconds, the
                   server's peak memory above idle, and the same rows by COPY into the database
  probe [BASE_URL] the request-level defences tried from outside (cross-site posts, statuses, body
                   limit, slow headers, code budget, NIK throttle, return paths), one line each;
                   without BASE_URL against a portal of its own (development mode, registration
                   open); PRAKERJA_PROBE_OPERATOR=user:password:totp-secret for the return paths,
                   PRAKERJA_PROBE_ORIGIN when the public origin is not BASE_URL's
  cluster up [--portals N] | down [--wipe] | status | kill PART
                   the portal past one machine, on this one (docs/cluster.md): etcd, two
                   PostgreSQL nodes under Patroni (a synchronous standby), HAProxy to the leader
                   and the standby, two portals (up to three) and a load balancer on
                   http://127.0.0.1:3510; `kill` SIGKILLs portal-N, node-N, leader or standby
  chaos [--short] [--keep] [-- OPTIONS]
                   signups through the cluster's balancer while a portal and the database leader
                   are killed: lost or doubled signups, server errors, seconds without service,
                   and the rate held with one portal and with two (`--short`: the faults only)
  crash-test       kill -9 the server and restart PostgreSQL under load; no acknowledged
                   signup may be lost or doubled, and the server must recover by itself
  sqlx-prepare     refresh the offline query data in .sqlx/ (needs PostgreSQL)
  tools            install the pinned tools that are missing
  database         print the DATABASE_URL the other commands use (starting a cluster if needed)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    // The demo (`run`) builds quickly unless asked for the release build; the others build the
    // release unless asked for the dev build.
    let profile = match args.first().map(String::as_str) {
        Some("run") if !flag("--release") => tools::Profile::Dev,
        _ if flag("--dev") => tools::Profile::Dev,
        _ => tools::Profile::Release,
    };
    // Before cargo looks at this workspace's sources (see `site::claim_build`).
    let builds = match args.first().map(String::as_str) {
        None | Some("tools" | "database") => false,
        // Only `cluster up` builds (unless told not to); the rest start, stop and look.
        Some("cluster") => args.get(1).is_some_and(|a| a == "up") && !flag("--no-build"),
        _ => true,
    };
    if builds {
        if let Err(error) = site::claim_build(&target_dir()) {
            eprintln!("xtask: {error}");
            return ExitCode::FAILURE;
        }
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => commands::run(profile, flag("--open-registration")),
        Some("build") => commands::build(profile).map(|_| ()),
        Some("watch") => commands::watch(),
        Some("test") => commands::test(),
        Some("end-to-end") => commands::end_to_end(profile, playwright_args(&args)),
        Some("bench") => commands::bench(playwright_args(&args)),
        Some("crash-test") => commands::crash_test(),
        Some("cluster") => commands::cluster(&args[1..]),
        Some("chaos") => commands::chaos(flag("--short"), flag("--keep"), playwright_args(&args)),
        Some("probe") => commands::probe(args.get(1).filter(|a| !a.starts_with('-')).cloned()),
        Some("bench-catalogue") => commands::bench_catalogue(playwright_args(&args)),
        Some("bench-draw") => commands::bench_draw(playwright_args(&args)),
        Some("bench-verify") => commands::bench_verify(playwright_args(&args)),
        Some("bench-exclusions") => commands::bench_exclusions(playwright_args(&args)),
        Some("sqlx-prepare") => commands::sqlx_prepare(),
        Some("tools") => tools::ensure_all().map(|_| ()),
        Some("database") => database::ensure().map(|url| println!("{url}")),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, String>;

/// Whatever follows `--` goes to the tool underneath (Playwright: `-- -g "offline"`; the benchmark:
/// `-- --rates 1000,2000 --step-seconds 5`).
fn playwright_args(args: &[String]) -> Vec<String> {
    args.iter().skip_while(|a| *a != "--").skip(1).cloned().collect()
}

/// The workspace root (xtask lives one level below it).
/// The workspace `cargo xtask` was run in. Found from the current directory at run time, not
/// from where this binary was compiled: clones sharing one CARGO_TARGET_DIR share the binary.
pub fn workspace_root() -> PathBuf {
    let is_root = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|toml| toml.contains("[workspace]"))
            && dir.join("xtask").is_dir()
    };
    std::env::current_dir()
        .ok()
        .and_then(|here| here.ancestors().find(|dir| is_root(dir)).map(PathBuf::from))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("xtask is inside the workspace")
                .to_path_buf()
        })
}

/// Cargo's target directory: CARGO_TARGET_DIR when set (CI keeps it outside the clone).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

mod commands {
    use std::{
        process::Child,
        thread,
        time::{Duration, SystemTime},
    };

    use crate::{database, process, site, tools, tools::Profile, workspace_root, Result};

    pub fn build(profile: Profile) -> Result<site::Built> {
        let tools = tools::start_build_tools(profile)?;
        site::build(profile, tools).map(|(built, _)| built)
    }

    pub fn run(profile: Profile, open_registration: bool) -> Result {
        let built = build(profile)?;
        let url = database::ensure()?;
        let server = site::ServerEnv::development(&built, &url, "127.0.0.1:3000");
        process::run(server.command(&["seed-demo"]))?;
        if open_registration {
            process::run(server.command(&[
                "schedule",
                "open-now",
                "--hours",
                "12",
                "--note",
                "Uji coba (cargo xtask run)",
            ]))?;
        } else {
            process::run(server.command(&["schedule", "show"]))?;
        }
        println!("\nPortal: http://127.0.0.1:3000   Mailbox (sign-in codes): http://127.0.0.1:3000/dev/surat\n");
        process::run(server.command(&["serve"]))
    }

    pub fn watch() -> Result {
        let url = database::ensure()?;
        let mut server: Option<Child> = None;
        let mut last_change = SystemTime::UNIX_EPOCH;
        loop {
            let newest = site::newest_source_change()?;
            if newest > last_change {
                last_change = newest;
                match build(Profile::Dev) {
                    Ok(built) => {
                        if let Some(mut old) = server.take() {
                            let _ = old.kill();
                            let _ = old.wait();
                        }
                        let env = site::ServerEnv::development(&built, &url, "127.0.0.1:3000");
                        process::run(env.command(&["seed-demo"]))?;
                        server = Some(process::spawn(env.command(&["serve"]))?);
                        println!("watching for changes… http://127.0.0.1:3000");
                    }
                    Err(error) => eprintln!("build failed: {error}"),
                }
            }
            thread::sleep(Duration::from_millis(700));
        }
    }

    pub fn test() -> Result {
        tools::ensure_all()?;
        // Each #[sqlx::test] creates its own database through the server's maintenance database,
        // which exists on every server (the portal's own may not exist yet).
        let url = database::with_name(&database::ensure()?, "postgres");
        process::run(
            process::cargo(&["test", "--workspace", "--exclude", "frontend", "--locked"])
                .env("DATABASE_URL", &url)
                .env("SQLX_OFFLINE", "true"),
        )?;
        end_to_end(Profile::Release, Vec::new())?;
        probe(None)?;
        // The short chaos round: a portal and the database leader killed under signups.
        chaos(true, false, Vec::new())
    }

    const E2E_REGISTRY_ADDR: &str = "127.0.0.1:3190";
    const E2E_REGISTRY_URL: &str = "http://127.0.0.1:3190";
    const E2E_RAIL_ADDR: &str = "127.0.0.1:3191";
    const E2E_RAIL_URL: &str = "http://127.0.0.1:3191";

    /// The end-to-end operators' password (a test database only).
    const E2E_OPERATOR_PASSWORD: &str = "kata sandi uji end-to-end";
    /// The end-to-end operators' TOTP secret, base32 (the same in end2end/support/operators.ts).
    const E2E_OPERATOR_TOTP_SECRET: &str = "KRSXG5CTMVRXEZLUKRXXI4DVNZSXEMJS";

    pub fn end_to_end(profile: Profile, playwright_args: Vec<String>) -> Result {
        let (built, tools) = site::build(profile, tools::ensure_all()?.into())?;
        let base_url = database::ensure()?;
        let url = database::with_name(&base_url, "prakerja_e2e");
        let mut open = site::ServerEnv::end_to_end(&built, &url, "127.0.0.1:3100", site::E2E_CLOCK_OPEN);
        process::run(open.command(&["reset-database", "--yes"]))?;
        process::run(open.command(&["migrate"]))?;
        // What the verification and test specs need: a wave open on the open server's day, and
        // operators of each role (the password is in end2end/support/operators.ts).
        process::run(open.command(&[
            "wave",
            "create",
            "--name",
            "Gelombang Uji",
            "--opens",
            "2026-11-30T08:00",
            "--closes",
            "2026-12-31T16:00",
            "--quota",
            "1000",
            "--seed-source",
            "Tidak diundi: gelombang tempat tes end-to-end.",
        ]))?;
        create_operators(&open)?;
        // And per Playwright project and worker one more verifier, not enrolled: the operators
        // spec has an admin reset its password and second factor, and enrols it as a new
        // operator would.
        for (project, worker) in ["js", "no-js"].into_iter().flat_map(|p| (0..4).map(move |w| (p, w))) {
            create_operator(
                &open,
                &format!("petugas.baru.{project}.{worker}"),
                "Petugas Baru",
                "verifikator",
            )?;
        }
        // The catalogue specs search and buy from the demo catalogue.
        process::run(open.command(&["catalogue", "seed-demo"]))?;
        // The demo as `cargo xtask run` shows it, on a database of its own: the layout spec
        // visits its every page (its drawn wave's audit, its participant's purchases).
        let demo_url = database::with_name(&base_url, "prakerja_e2e_demo");
        let demo = site::ServerEnv::end_to_end(&built, &demo_url, "127.0.0.1:3102", site::E2E_CLOCK_OPEN);
        process::run(demo.command(&["reset-database", "--yes"]))?;
        process::run(demo.command(&["migrate"]))?;
        process::run(demo.command(&["seed-demo"]))?;
        process::run(demo.command(&["catalogue", "seed-demo"]))?;
        create_operators(&demo)?;
        let mut closed = site::ServerEnv::end_to_end(&built, &url, "127.0.0.1:3101", site::E2E_CLOCK_CLOSED);
        // The minimum study time holds completions on this server (the operators spec).
        closed.set("PRAKERJA_MIN_STUDY_PERCENT", "50");
        // One civil-registry simulator for the two servers of the shared database, which the
        // specs ask too (end2end/support/applicant.ts) to sign up people the registry knows.
        // Likewise one payout-rail simulator, where the completion spec opens the e-wallet its
        // participant links; and the incentive due at once after the review, not a week later.
        for server in [&mut open, &mut closed] {
            server.set("PRAKERJA_REGISTRY_URL", E2E_REGISTRY_URL);
            server.set("PRAKERJA_RAIL_URL", E2E_RAIL_URL);
            server.set("PRAKERJA_INCENTIVE_HOLDING_DAYS", "0");
        }
        let servers = process::Servers(vec![
            process::spawn(open.command(&["registry", "simulate", "--addr", E2E_REGISTRY_ADDR]))?,
            process::spawn(open.command(&["rail", "simulate", "--addr", E2E_RAIL_ADDR]))?,
            process::spawn(open.command(&["serve"]))?,
            process::spawn(closed.command(&["serve"]))?,
            process::spawn(demo.command(&["serve"]))?,
        ]);
        process::wait_for_http(&format!("{E2E_REGISTRY_URL}/v1/kesehatan"))?;
        for port in [3100, 3101, 3102] {
            process::wait_for_http(&format!("http://127.0.0.1:{port}/healthz"))?;
        }
        let status = process::run(
            tools
                .npx(&["playwright", "test"])
                .args(&playwright_args)
                .current_dir(workspace_root().join("end2end"))
                .env("BASE_URL", "http://127.0.0.1:3100")
                .env("BASE_URL_CLOSED", "http://127.0.0.1:3101")
                .env("BASE_URL_DEMO", "http://127.0.0.1:3102")
                .env("REGISTRY_URL", E2E_REGISTRY_URL)
                .env("RAIL_URL", E2E_RAIL_URL)
                .env("DATABASE_URL", &url)
                // The completion spec plays a platform with the server's `platform simulate`.
                .env("PRAKERJA_SERVER_BIN", &built.server_bin)
                .env("PW_CHROMIUM_PATH", &tools.chromium)
                .env(
                    "PRAKERJA_PROFILE",
                    if profile == Profile::Dev { "dev" } else { "release" },
                ),
        );
        drop(servers);
        status
    }

    /// One verifier and one program admin per Playwright worker (`<name>.<worker>`), with their
    /// authenticator app as the specs compute its codes (end2end/support/operators.ts): a code
    /// is used once, so two workers signing in one operator at once would race for it.
    fn create_operators(server: &site::ServerEnv) -> Result {
        for worker in 0..4 {
            for (name, role) in [("verifikator.uji", "verifikator"), ("admin.uji", "admin-program")] {
                let username = format!("{name}.{worker}");
                create_operator(server, &username, "Petugas Uji", role)?;
                process::run(server.command(&["operator", "set-second-factor", &username, E2E_OPERATOR_TOTP_SECRET]))?;
            }
        }
        Ok(())
    }

    fn create_operator(server: &site::ServerEnv, username: &str, name: &str, role: &str) -> Result {
        process::run(
            server
                .command(&[
                    "operator",
                    "create",
                    "--username",
                    username,
                    "--name",
                    name,
                    "--role",
                    role,
                ])
                .env("PRAKERJA_OPERATOR_PASSWORD", E2E_OPERATOR_PASSWORD),
        )
    }

    /// Builds the release server and the load generator.
    fn load_tools() -> Result<(site::Built, std::path::PathBuf)> {
        let built = build(Profile::Release)?;
        process::run(process::cargo(&["build", "--release", "-p", "load"]).env("SQLX_OFFLINE", "true"))?;
        Ok((built, crate::target_dir().join("release/prakerja-load")))
    }

    pub fn bench(extra: Vec<String>) -> Result {
        run_load("bench", "prakerja_bench", Some(&[]), extra)
    }

    pub fn bench_draw(extra: Vec<String>) -> Result {
        run_load("draw", "prakerja_bench_draw", None, extra)
    }

    pub fn bench_verify(extra: Vec<String>) -> Result {
        run_load("verify", "prakerja_bench_verify", None, extra)
    }

    pub fn bench_exclusions(extra: Vec<String>) -> Result {
        run_load(
            "exclusions",
            "prakerja_bench_exclusions",
            Some(&["--port", "3202"]),
            extra,
        )
    }

    pub fn bench_catalogue(extra: Vec<String>) -> Result {
        run_load(
            "catalogue",
            "prakerja_bench_catalogue",
            Some(&["--port", "3201"]),
            extra,
        )
    }

    /// A command of the load generator against the release server, on a database of its own.
    /// The web benches (`site_args` given) also get the site and pgbench.
    fn run_load(command: &str, database_name: &str, site_args: Option<&[&str]>, extra: Vec<String>) -> Result {
        let (built, load) = load_tools()?;
        let url = database::with_name(&database::ensure()?, database_name);
        let mut load = std::process::Command::new(load);
        load.arg(command)
            .args(["--server-bin", &built.server_bin.to_string_lossy()])
            .args(["--database-url", &url]);
        if let Some(site_args) = site_args {
            let pgbench = database::postgres_bin_dir().ok_or("pgbench not found")?.join("pgbench");
            load.args(["--site-root", &built.site_root.to_string_lossy()])
                .args(["--pgbench", &pgbench.to_string_lossy()])
                .args(site_args);
        }
        process::run(load.args(&extra))
    }

    /// The probe's own portal's operator (a verifier, enrolled with the end-to-end secret).
    const PROBE_OPERATOR: &str = "verifikator.probe";
    const PROBE_OPERATOR_PASSWORD: &str = "kata sandi probe dari luar";

    /// Runs the outside probe against `base_url`, or against a portal of its own: development
    /// mode (the mailbox gives it sign-in codes), the registration window open, a fresh database.
    pub fn probe(base_url: Option<String>) -> Result {
        let load = |base: &str, operator: Option<String>| {
            let mut command = std::process::Command::new(crate::target_dir().join("release/prakerja-load"));
            command.args(["probe", "--base-url", base]);
            if let Some(operator) = operator {
                command.env("PRAKERJA_PROBE_OPERATOR", operator);
            }
            // The public origin, when the address probed is a backend behind a TLS terminator.
            if let Ok(origin) = std::env::var("PRAKERJA_PROBE_ORIGIN") {
                command.args(["--origin", &origin]);
            }
            command
        };
        if let Some(base) = base_url {
            process::run(process::cargo(&["build", "--release", "-p", "load"]).env("SQLX_OFFLINE", "true"))?;
            // PRAKERJA_PROBE_OPERATOR, if set, is inherited.
            return process::run(&mut load(&base, None));
        }
        let (built, _) = load_tools()?;
        let url = database::with_name(&database::ensure()?, "prakerja_probe");
        let mut portal = site::ServerEnv::end_to_end(&built, &url, "127.0.0.1:3400", site::E2E_CLOCK_OPEN);
        // The refusals it provokes would each log a warning between the probe's lines.
        portal.set("RUST_LOG", "error");
        process::run(portal.command(&["reset-database", "--yes"]))?;
        process::run(portal.command(&["migrate"]))?;
        process::run(
            portal
                .command(&[
                    "operator",
                    "create",
                    "--username",
                    PROBE_OPERATOR,
                    "--name",
                    "Petugas Uji Probe",
                    "--role",
                    "verifikator",
                ])
                .env("PRAKERJA_OPERATOR_PASSWORD", PROBE_OPERATOR_PASSWORD),
        )?;
        process::run(portal.command(&[
            "operator",
            "set-second-factor",
            PROBE_OPERATOR,
            E2E_OPERATOR_TOTP_SECRET,
        ]))?;
        let server = process::Servers(vec![process::spawn(portal.command(&["serve"]))?]);
        process::wait_for_http("http://127.0.0.1:3400/healthz")?;
        let operator = format!("{PROBE_OPERATOR}:{PROBE_OPERATOR_PASSWORD}:{E2E_OPERATOR_TOTP_SECRET}");
        let outcome = process::run(&mut load("http://127.0.0.1:3400", Some(operator)));
        drop(server);
        outcome
    }

    pub fn cluster(args: &[String]) -> Result {
        let cluster = crate::cluster::Cluster::here();
        let flag = |name: &str| args.iter().any(|a| a == name);
        let value = |name: &str| args.iter().skip_while(|a| *a != name).nth(1).cloned();
        match args.first().map(String::as_str) {
            Some("up") => {
                let portals: u8 = match value("--portals") {
                    None => 2,
                    Some(n) => n
                        .parse()
                        .ok()
                        .filter(|n| (1..=crate::cluster::MAX_PORTALS).contains(n))
                        .ok_or("--portals: 1 to 3")?,
                };
                let built = if flag("--no-build") {
                    cluster.remembered_build()?
                } else {
                    let built = build(Profile::Release)?;
                    cluster.remember_build(&built)?;
                    built
                };
                cluster.up(&built, portals)?;
                println!(
                    "cluster up: http://127.0.0.1:{} (sign-in codes on /dev/surat); `cargo xtask cluster status`",
                    crate::cluster::BALANCER_PORT
                );
                Ok(())
            }
            Some("down") => cluster.down(flag("--wipe")),
            Some("status") => cluster.status(),
            Some("kill") => cluster.kill(args.get(1).ok_or("kill what? portal-N, node-N, leader or standby")?),
            _ => Err("usage: cargo xtask cluster up [--portals N] | down [--wipe] | status | kill PART".into()),
        }
    }

    /// Brings the cluster up (two portals), runs the chaos round of the load tool against its
    /// balancer, and takes the cluster down again unless `keep`.
    pub fn chaos(short: bool, keep: bool, extra: Vec<String>) -> Result {
        let (built, load) = load_tools()?;
        let cluster = crate::cluster::Cluster::here();
        cluster.remember_build(&built)?;
        // Every part starts afresh on this build (the data is kept).
        cluster.down(false)?;
        let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = std::process::Command::new(load);
        command
            .arg("chaos")
            .args([
                "--base-url",
                &format!("http://127.0.0.1:{}", crate::cluster::BALANCER_PORT),
            ])
            .args(["--database-url", &crate::cluster::leader_url(crate::cluster::DATABASE)])
            .args(["--xtask", &xtask.to_string_lossy()])
            .args(["--balancer-socket", &cluster.balancer_socket().to_string_lossy()]);
        if short {
            command.args(["--short", "1"]);
        }
        let outcome = cluster.up(&built, 2).and_then(|()| {
            // Signups need the registration window open, on any day the run is made.
            cluster.open_registration(&built, 1, "Uji chaos (cargo xtask chaos)")?;
            std::thread::sleep(std::time::Duration::from_secs(6));
            if !short {
                // The raw ceiling beside the rates held: pgbench through the same proxy.
                let pgbench = database::postgres_bin_dir().ok_or("pgbench not found")?.join("pgbench");
                let url = cluster.scratch_database(&built, "prakerja_pgbench")?;
                command
                    .args(["--pgbench", &pgbench.to_string_lossy()])
                    .args(["--pgbench-database-url", &url]);
            }
            process::run(command.args(&extra))
        });
        if !keep {
            cluster.down(false)?;
        }
        outcome
    }

    pub fn crash_test() -> Result {
        let (built, load) = load_tools()?;
        // A cluster of our own: the test restarts it in immediate mode.
        let cluster = database::Cluster::for_crash_test();
        cluster.start()?;
        let log = cluster.dir.join("log");
        let restart = cluster.pg_ctl(&["restart", "-m", "immediate", "-w", "-l", &log.to_string_lossy()])?;
        let restart = std::iter::once(restart.get_program().to_string_lossy().into_owned())
            .chain(restart.get_args().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        let outcome = process::run(
            std::process::Command::new(load)
                .arg("crash")
                .args(["--server-bin", &built.server_bin.to_string_lossy()])
                .args(["--site-root", &built.site_root.to_string_lossy()])
                .args(["--database-url", &cluster.url("prakerja_crash")])
                .args(["--pg-restart", &restart])
                .args(["--port", "3300"]),
        );
        let _ = process::run(cluster.pg_ctl(&["stop", "-m", "fast"])?);
        outcome
    }

    pub fn sqlx_prepare() -> Result {
        let base_url = database::ensure()?;
        let url = database::with_name(&base_url, "prakerja_sqlx_prepare");
        database::recreate_with_psql(&url)?;
        let sqlx_dir = workspace_root().join(".sqlx");
        let _ = std::fs::remove_dir_all(&sqlx_dir);
        std::fs::create_dir_all(&sqlx_dir).map_err(|e| e.to_string())?;
        // Make the macros run again for every query: touch the sources of the crates with queries.
        for dir in ["app/src", "server/src", "server/tests"] {
            crate::site::touch_tree(&workspace_root().join(dir))?;
        }
        process::run(
            process::cargo(&["check", "--workspace", "--exclude", "frontend", "--all-targets"])
                .env("DATABASE_URL", &url)
                .env("SQLX_OFFLINE", "false")
                .env("SQLX_OFFLINE_DIR", &sqlx_dir),
        )?;
        println!("wrote {}", sqlx_dir.display());
        Ok(())
    }
}
