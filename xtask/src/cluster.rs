//! `cargo xtask cluster up | down | status | kill PART`: the portal past one machine, on this
//! one, on loopback ports of its own (docs/cluster.md). Debian's engines do the work: etcd holds
//! the leader key, Patroni runs two PostgreSQL nodes (one synchronous standby) and fails over,
//! HAProxy sends the portals' connections to the leader or the standby by Patroni's health
//! endpoints, and a second HAProxy balances the browsers over the portals. Nothing here decides a
//! failover; it only starts, stops and kills processes.

use std::{
    fs,
    io::{Read, Write},
    net::TcpStream,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use crate::{database, process, site, tools, Result};

/// Where browsers (and the chaos run) reach the portal.
pub const BALANCER_PORT: u16 = 3510;
/// The portals: 3511, 3512, 3513.
const FIRST_PORTAL_PORT: u16 = 3511;
pub const MAX_PORTALS: u8 = 3;
const REGISTRY_PORT: u16 = 3519;
const RAIL_PORT: u16 = 3518;
/// The database proxy: the leader, and the standbys (the leader when none is fit).
pub const LEADER_PORT: u16 = 55440;
pub const STANDBY_PORT: u16 = 55450;
/// Node n listens on 55440 + n, and Patroni's REST API of node n on 58440 + n.
const NODES: [u8; 2] = [1, 2];
const ETCD_CLIENT_PORT: u16 = 23790;
const ETCD_PEER_PORT: u16 = 23800;

/// The portal's own database in the cluster.
pub const DATABASE: &str = "prakerja";

fn node_port(node: u8) -> u16 {
    55440 + u16::from(node)
}

fn rest_port(node: u8) -> u16 {
    58440 + u16::from(node)
}

pub fn portal_port(portal: u8) -> u16 {
    FIRST_PORTAL_PORT + u16::from(portal) - 1
}

pub fn leader_url(database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{LEADER_PORT}/{database}")
}

fn standby_url(database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{STANDBY_PORT}/{database}")
}

/// One process of the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Etcd,
    Node(u8),
    DatabaseProxy,
    Registry,
    Rail,
    Portal(u8),
    Balancer,
}

impl Part {
    fn name(self) -> String {
        match self {
            Part::Etcd => "etcd".into(),
            Part::Node(n) => format!("node-{n}"),
            Part::DatabaseProxy => "database-proxy".into(),
            Part::Registry => "registry-simulator".into(),
            Part::Rail => "rail-simulator".into(),
            Part::Portal(n) => format!("portal-{n}"),
            Part::Balancer => "balancer".into(),
        }
    }

    fn parse(name: &str) -> Option<Part> {
        let numbered = |prefix: &str, max: u8| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=max).contains(n))
        };
        match name {
            "etcd" => Some(Part::Etcd),
            "database-proxy" => Some(Part::DatabaseProxy),
            "registry-simulator" => Some(Part::Registry),
            "rail-simulator" => Some(Part::Rail),
            "balancer" => Some(Part::Balancer),
            _ => numbered("node-", NODES.len() as u8)
                .map(Part::Node)
                .or_else(|| numbered("portal-", MAX_PORTALS).map(Part::Portal)),
        }
    }
}

/// The cluster's directory and what is in it.
pub struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    pub fn here() -> Cluster {
        Cluster {
            dir: database::cluster_dir("cluster"),
        }
    }

    fn pid_file(&self, part: Part) -> PathBuf {
        self.dir.join(format!("{}.pid", part.name()))
    }

    fn log_file(&self, part: Part) -> PathBuf {
        self.dir.join(format!("{}.log", part.name()))
    }

    fn node_dir(&self, node: u8) -> PathBuf {
        self.dir.join(format!("node-{node}"))
    }

    fn pid_of(&self, part: Part) -> Option<u32> {
        let pid = fs::read_to_string(self.pid_file(part)).ok()?.trim().parse().ok()?;
        is_alive(pid).then_some(pid)
    }

    /// The PostgreSQL server Patroni started on `node`, if it runs (Patroni detaches it, so it
    /// outlives Patroni unless killed too).
    fn postmaster_of(&self, node: u8) -> Option<u32> {
        let pid_file = self.node_dir(node).join("data/postmaster.pid");
        let pid = fs::read_to_string(pid_file).ok()?.lines().next()?.trim().parse().ok()?;
        is_alive(pid).then_some(pid)
    }

    fn running(&self, part: Part) -> bool {
        self.pid_of(part).is_some()
    }

    /// Starts every part that is not running, in dependency order, and waits until each serves.
    /// A second `up` restarts only what died.
    pub fn up(&self, built: &site::Built, portals: u8) -> Result {
        ensure_engines()?;
        fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        self.write_configuration(portals)?;
        if !self.running(Part::Etcd) {
            self.start_etcd()?;
        }
        wait_for("etcd", Duration::from_secs(30), || {
            http_get(ETCD_CLIENT_PORT, "/health").is_some_and(|(status, _)| status == 200)
        })?;
        for node in NODES {
            if !self.running(Part::Node(node)) {
                // A node that died with its PostgreSQL left running (Patroni alone killed) is
                // adopted by the new Patroni; one whose PostgreSQL died too is restarted by it.
                self.start_node(node)?;
            }
            // The first node bootstraps the cluster, and the next copies it: one at a time.
            wait_for(&format!("node-{node}"), Duration::from_secs(120), || {
                patroni_role(node).is_some()
            })?;
        }
        self.wait_for_synchronous_standby()?;
        if !self.running(Part::DatabaseProxy) {
            self.start_haproxy(Part::DatabaseProxy)?;
        }
        // HAProxy counts a server as up until its checks say otherwise, so right after it
        // starts the leader port may still hand out the standby: wait until eight connections
        // in a row (two seconds) reach a writable leader.
        let mut writable_in_a_row = 0;
        wait_for("the database proxy's leader port", Duration::from_secs(60), || {
            let writable = psql(LEADER_PORT, "postgres", "select not pg_is_in_recovery()")
                .is_ok_and(|answer| answer.trim() == "t");
            writable_in_a_row = if writable { writable_in_a_row + 1 } else { 0 };
            writable_in_a_row >= 8 && psql(STANDBY_PORT, "postgres", "select 1").is_ok()
        })?;
        self.prepare_database(built)?;
        let env = |part: Part| self.portal_env(built, part);
        for (part, service, port) in [
            (Part::Registry, "registry", REGISTRY_PORT),
            (Part::Rail, "rail", RAIL_PORT),
        ] {
            if !self.running(part) {
                let addr = format!("127.0.0.1:{port}");
                self.spawn(part, env(part).command(&[service, "simulate", "--addr", &addr]))?;
            }
        }
        for portal in 1..=portals {
            let part = Part::Portal(portal);
            if !self.running(part) {
                self.spawn(part, env(part).command(&["serve"]))?;
            }
        }
        for portal in 1..=portals {
            process::wait_for_http(&format!("http://127.0.0.1:{}/healthz", portal_port(portal)))?;
        }
        if !self.running(Part::Balancer) {
            self.start_haproxy(Part::Balancer)?;
        }
        process::wait_for_http(&format!("http://127.0.0.1:{BALANCER_PORT}/healthz"))?;
        Ok(())
    }

    /// Waits for a leader and a streaming synchronous standby. A node that rejoins after the
    /// leader died is rewound by Patroni (pg_rewind); should it still be unable to follow (the
    /// WAL it needs already recycled on the new leader), Patroni's `reinit` gives it a fresh
    /// copy, once.
    fn wait_for_synchronous_standby(&self) -> Result {
        let started = Instant::now();
        let mut stuck_since: Option<Instant> = None;
        let mut reinitialised = false;
        loop {
            let leader = NODES.iter().any(|&n| patroni_check(n, "/primary"));
            let standby = NODES
                .iter()
                .any(|&n| patroni_check(n, "/sync") && patroni_check(n, "/replica"));
            if leader && standby {
                return Ok(());
            }
            let stuck = NODES.into_iter().find(|&n| {
                leader
                    && !patroni_check(n, "/primary")
                    && patroni_state(n).is_some_and(|state| {
                        matches!(state.as_str(), "starting" | "restarting after failure" | "start failed")
                    })
            });
            stuck_since = match (stuck, stuck_since) {
                (Some(_), None) => Some(Instant::now()),
                (Some(_), since) => since,
                (None, _) => None,
            };
            if let (Some(node), Some(since), false) = (stuck, stuck_since, reinitialised) {
                if since.elapsed() > Duration::from_secs(30) {
                    println!("cluster: node-{node} cannot follow the leader; Patroni's reinit copies it afresh");
                    process::run(
                        Command::new("patronictl")
                            .arg("-c")
                            .arg(self.node_dir(node).join("patroni.yml"))
                            .args(["reinit", "prakerja", &format!("node-{node}"), "--force"])
                            .stdout(Stdio::null()),
                    )?;
                    reinitialised = true;
                }
            }
            if started.elapsed() > Duration::from_secs(240) {
                return Err("a leader and a synchronous standby: not ready within 240 s".into());
            }
            thread::sleep(Duration::from_millis(500));
        }
    }

    /// Stops everything (Patroni stops its PostgreSQL cleanly); keeps the data unless `wipe`.
    pub fn down(&self, wipe: bool) -> Result {
        let parts = [
            Part::Balancer,
            Part::Portal(1),
            Part::Portal(2),
            Part::Portal(3),
            Part::Rail,
            Part::Registry,
            Part::DatabaseProxy,
        ];
        for part in parts {
            self.stop(part);
        }
        for node in NODES {
            self.stop(Part::Node(node));
            // A PostgreSQL whose Patroni was killed is stopped by its own pg_ctl.
            if self.postmaster_of(node).is_some() {
                let data = self.node_dir(node).join("data");
                let _ = as_postgres(&pg_bin("pg_ctl")?)
                    .args(["stop", "-m", "fast", "-w", "-D"])
                    .arg(&data)
                    .stdout(Stdio::null())
                    .status();
            }
        }
        self.stop(Part::Etcd);
        if wipe {
            fs::remove_dir_all(&self.dir).or_else(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(format!("{}: {e}", self.dir.display())),
            })?;
        }
        Ok(())
    }

    /// Each part, running or not; Patroni's view of the nodes; the standby's replay delay.
    pub fn status(&self) -> Result {
        println!("cluster in {}", self.dir.display());
        let mut parts = vec![Part::Etcd];
        parts.extend(NODES.map(Part::Node));
        parts.extend([Part::DatabaseProxy, Part::Registry, Part::Rail]);
        parts.extend((1..=MAX_PORTALS).map(Part::Portal));
        parts.push(Part::Balancer);
        for part in parts {
            let detail = match part {
                Part::Node(node) => match (self.pid_of(part), patroni_role(node)) {
                    (Some(_), Some(role)) => format!("{role}, PostgreSQL on 127.0.0.1:{}", node_port(node)),
                    (Some(_), None) => "starting".into(),
                    (None, _) => String::new(),
                },
                Part::Portal(portal) => format!("http://127.0.0.1:{}", portal_port(portal)),
                Part::Balancer => format!("http://127.0.0.1:{BALANCER_PORT}"),
                Part::DatabaseProxy => format!("leader :{LEADER_PORT}, standbys :{STANDBY_PORT}"),
                _ => String::new(),
            };
            match self.pid_of(part) {
                Some(pid) => println!("  {:<20} running (pid {pid}) {detail}", part.name()),
                None => println!("  {:<20} stopped", part.name()),
            }
        }
        if self.running(Part::Node(1)) || self.running(Part::Node(2)) {
            let _ = Command::new("patronictl")
                .arg("-c")
                .arg(self.node_dir(1).join("patroni.yml"))
                .arg("list")
                .status();
        }
        if let Ok(lag) = psql(
            LEADER_PORT,
            "postgres",
            "select coalesce(string_agg(application_name || ' ' || sync_state || ', replay delay ' || \
             coalesce(replay_lag::text, '0'), '; '), 'no standby streaming') from pg_stat_replication",
        ) {
            println!("replication: {}", lag.trim());
        }
        Ok(())
    }

    /// SIGKILL, as a machine that dies: a portal; a node (Patroni and its PostgreSQL); `leader` or
    /// `standby` for the node that has that role now. Prints what was killed.
    pub fn kill(&self, target: &str) -> Result {
        let part = match target {
            "leader" | "standby" => {
                let wanted = if target == "leader" { "leader" } else { "replica" };
                let node = NODES
                    .into_iter()
                    .find(|&n| patroni_role(n).as_deref() == Some(wanted))
                    .ok_or_else(|| format!("no node is the {target} now"))?;
                Part::Node(node)
            }
            other => Part::parse(other).ok_or_else(|| format!("no part named {other}"))?,
        };
        if let Part::Node(node) = part {
            let postmaster = self.postmaster_of(node);
            let patroni = self.pid_of(part);
            if patroni.is_none() && postmaster.is_none() {
                return Err(format!("{} is not running", part.name()));
            }
            // Patroni first, so it cannot restart its PostgreSQL; then PostgreSQL's whole
            // process group (the postmaster and its backends).
            if let Some(pid) = patroni {
                signal_group(pid, "KILL");
            }
            if let Some(pid) = postmaster {
                signal_group(process_group_of(pid).unwrap_or(pid), "KILL");
                signal(pid, "KILL");
            }
        } else {
            let pid = self
                .pid_of(part)
                .ok_or_else(|| format!("{} is not running", part.name()))?;
            signal(pid, "KILL");
        }
        println!("{}", part.name());
        Ok(())
    }

    fn stop(&self, part: Part) {
        let Some(pid) = self.pid_of(part) else {
            return;
        };
        signal(pid, "TERM");
        let deadline = Instant::now() + Duration::from_secs(40);
        while is_alive(pid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(200));
        }
        if is_alive(pid) {
            signal(pid, "KILL");
        }
        let _ = fs::remove_file(self.pid_file(part));
    }

    /// Starts `command` detached, in a process group of its own, logging to the part's log.
    fn spawn(&self, part: Part, mut command: Command) -> Result {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file(part))
            .map_err(|e| e.to_string())?;
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("{}: {e}", part.name()))?;
        fs::write(self.pid_file(part), child.id().to_string()).map_err(|e| e.to_string())?;
        println!("cluster: started {} (pid {})", part.name(), child.id());
        Ok(())
    }

    fn start_etcd(&self) -> Result {
        let client = format!("http://127.0.0.1:{ETCD_CLIENT_PORT}");
        let peer = format!("http://127.0.0.1:{ETCD_PEER_PORT}");
        let mut command = Command::new("etcd");
        command
            .args(["--name", "prakerja-etcd"])
            .arg("--data-dir")
            .arg(self.dir.join("etcd"))
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("prakerja-etcd={peer}")]);
        self.spawn(Part::Etcd, command)
    }

    fn start_node(&self, node: u8) -> Result {
        let dir = self.node_dir(node);
        let mut command = Command::new("patroni");
        command.arg(dir.join("patroni.yml")).env("HOME", &dir).current_dir(&dir);
        if database::is_root() {
            let (uid, gid) = postgres_ids()?;
            command.uid(uid).gid(gid);
        }
        self.spawn(Part::Node(node), command)
    }

    fn start_haproxy(&self, part: Part) -> Result {
        let config = self.dir.join(format!("{}.cfg", part.name()));
        // `-D` daemonizes and writes the pid file named in the configuration.
        process::run(Command::new("haproxy").arg("-D").arg("-f").arg(&config))?;
        println!("cluster: started {}", part.name());
        Ok(())
    }

    /// The database the portals use, its schema, and an open registration window (the cluster
    /// runs on any day; signups need the window open).
    fn prepare_database(&self, built: &site::Built) -> Result {
        let exists = psql(
            LEADER_PORT,
            "postgres",
            &format!("select count(*) from pg_database where datname = '{DATABASE}'"),
        )?;
        if exists.trim() == "0" {
            psql(LEADER_PORT, "postgres", &format!("create database {DATABASE}"))?;
            let env = self.portal_env(built, Part::Portal(1));
            process::run(env.command(&["migrate"]).stdout(Stdio::null()))?;
            self.open_registration(built, 12, "Klaster uji (cargo xtask cluster up)")?;
        }
        Ok(())
    }

    /// Opens registration for the next `hours` (an audited schedule exception), whatever the
    /// weekly hours say now. The portals see it within their schedule cache's five seconds.
    pub fn open_registration(&self, built: &site::Built, hours: u32, note: &str) -> Result {
        let env = self.portal_env(built, Part::Portal(1));
        let hours = hours.to_string();
        process::run(
            env.command(&["schedule", "open-now", "--hours", &hours, "--note", note])
                .stdout(Stdio::null()),
        )
    }

    /// A fresh, migrated database `name` on the cluster's leader (for pgbench beside the
    /// portal's own); its URL through the proxy.
    pub fn scratch_database(&self, built: &site::Built, name: &str) -> Result<String> {
        psql(
            LEADER_PORT,
            "postgres",
            &format!("drop database if exists {name} with (force)"),
        )?;
        psql(LEADER_PORT, "postgres", &format!("create database {name}"))?;
        let mut env = self.portal_env(built, Part::Portal(1));
        env.set("DATABASE_URL", &leader_url(name));
        process::run(env.command(&["migrate"]).stdout(Stdio::null()))?;
        Ok(leader_url(name))
    }

    /// What every portal process shares (the secrets, the proxy's ports, the simulators, the
    /// published files) and its own address.
    pub fn portal_env(&self, built: &site::Built, part: Part) -> site::ServerEnv {
        let addr = match part {
            Part::Portal(n) => format!("127.0.0.1:{}", portal_port(n)),
            _ => "127.0.0.1:0".into(),
        };
        let mut env = site::ServerEnv::development(built, &leader_url(DATABASE), &addr);
        env.set("PRAKERJA_DATABASE_READ_URL", &standby_url(DATABASE));
        env.set("PRAKERJA_PUBLIC_URL", &format!("http://127.0.0.1:{BALANCER_PORT}"));
        // The balancer adds the browser's address; the portals are reached only through it.
        env.set("PRAKERJA_TRUST_FORWARDED_FOR", "true");
        env.set("PRAKERJA_REGISTRY_URL", &format!("http://127.0.0.1:{REGISTRY_PORT}"));
        env.set("PRAKERJA_RAIL_URL", &format!("http://127.0.0.1:{RAIL_PORT}"));
        env.set(
            "PRAKERJA_PUBLISHED_DIR",
            &self.dir.join("published").display().to_string(),
        );
        env.set("RUST_LOG", "warn");
        env
    }

    /// The configuration files, written on every `up` (they hold nothing that changes).
    fn write_configuration(&self, portals: u8) -> Result {
        let write =
            |path: PathBuf, text: String| fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()));
        for node in NODES {
            let dir = self.node_dir(node);
            fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            write(dir.join("patroni.yml"), patroni_yaml(node, &dir)?)?;
            if database::is_root() {
                process::run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir))?;
                process::run(Command::new("chmod").arg("700").arg(&dir))?;
            }
        }
        write(
            self.dir.join("database-proxy.cfg"),
            database_proxy_cfg(&self.pid_file(Part::DatabaseProxy)),
        )?;
        let wait_page = self.dir.join("wait.http");
        write(wait_page.clone(), WAIT_PAGE.replace('\n', "\r\n"))?;
        write(
            self.dir.join("balancer.cfg"),
            balancer_cfg(
                &self.pid_file(Part::Balancer),
                &self.dir.join("balancer.sock"),
                &wait_page,
                portals,
            ),
        )?;
        Ok(())
    }

    /// Remembers the build the portals run, for `up --no-build` (what the chaos run calls to
    /// start dead parts again without building).
    pub fn remember_build(&self, built: &site::Built) -> Result {
        fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        let text = format!("{}\n{}\n", built.site_root.display(), built.server_bin.display());
        fs::write(self.dir.join("build.txt"), text).map_err(|e| e.to_string())
    }

    pub fn remembered_build(&self) -> Result<site::Built> {
        let text = fs::read_to_string(self.dir.join("build.txt"))
            .map_err(|_| "no build remembered: run `cargo xtask cluster up` first".to_owned())?;
        let mut lines = text.lines();
        match (lines.next(), lines.next()) {
            (Some(site_root), Some(server_bin)) => Ok(site::Built {
                site_root: site_root.into(),
                server_bin: server_bin.into(),
            }),
            _ => Err("the remembered build is unreadable: run `cargo xtask cluster up`".into()),
        }
    }

    /// The balancer's admin socket, for the chaos run to take a portal out of rotation.
    pub fn balancer_socket(&self) -> PathBuf {
        self.dir.join("balancer.sock")
    }
}

/// What the balancer answers when no portal can: the portal's own "please wait", with
/// Retry-After, so a browser's queue sends the form again (it does on 502 to 504).
const WAIT_PAGE: &str = "HTTP/1.1 503 Service Unavailable
Content-Type: text/plain; charset=utf-8
Cache-Control: no-store
Retry-After: 5
Connection: close

Layanan sedang dipulihkan sebentar. Silakan coba lagi dalam 5 detik.
";

fn patroni_yaml(node: u8, dir: &Path) -> Result<String> {
    let bin = database::postgres_bin_dir().ok_or("PostgreSQL's programs were not found")?;
    let dir = dir.display();
    let (port, rest) = (node_port(node), rest_port(node));
    // ttl 10 s, loop_wait 1 s, retry_timeout 4 s: a dead leader's key expires within ten seconds
    // (Patroni requires loop_wait + 2 x retry_timeout <= ttl). Synchronous mode: a commit is
    // acknowledged only once the standby has it, and only that standby may be promoted.
    Ok(format!(
        "scope: prakerja
namespace: /prakerja/
name: node-{node}
restapi:
  listen: 127.0.0.1:{rest}
  connect_address: 127.0.0.1:{rest}
etcd3:
  hosts: 127.0.0.1:{ETCD_CLIENT_PORT}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        synchronous_commit: 'on'
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        # A node that died as the leader is rewound and replays the new leader's WAL from its
        # last checkpoint before the two diverged: keep that much (a checkpoint spans up to
        # max_wal_size, 1 GB).
        wal_keep_size: 2GB
  initdb:
    - encoding: UTF8
    - no-locale
    - auth: trust
postgresql:
  listen: 127.0.0.1:{port}
  connect_address: 127.0.0.1:{port}
  data_dir: {dir}/data
  bin_dir: {bin}
  pgpass: {dir}/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
    rewind:
      username: postgres
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: {dir}
",
        bin = bin.display()
    ))
}

fn database_proxy_cfg(pid_file: &Path) -> String {
    let servers: String = NODES
        .iter()
        .map(|&n| {
            format!(
                "    server node-{n} 127.0.0.1:{} check port {}\n",
                node_port(n),
                rest_port(n)
            )
        })
        .collect();
    // Health by Patroni: /primary answers 200 on the leader only, /replica?lag=16MB on a
    // streaming standby at most 16 MB of WAL behind. Sessions on a node marked down are cut, so
    // no portal keeps writing to a demoted leader.
    format!(
        "global
    maxconn 2000
    pidfile {pid}
defaults
    mode tcp
    timeout connect 2s
    timeout client 30m
    timeout server 30m
    timeout check 2s
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
frontend leader
    bind 127.0.0.1:{LEADER_PORT}
    default_backend leader
frontend reads
    bind 127.0.0.1:{STANDBY_PORT}
    use_backend leader if {{ nbsrv(standbys) eq 0 }}
    default_backend standbys
backend leader
    option httpchk GET /primary
    http-check expect status 200
{servers}backend standbys
    balance roundrobin
    option httpchk GET /replica?lag=16MB
    http-check expect status 200
{servers}",
        pid = pid_file.display(),
    )
}

fn balancer_cfg(pid_file: &Path, socket: &Path, wait_page: &Path, portals: u8) -> String {
    let servers: String = (1..=portals)
        .map(|n| format!("    server portal-{n} 127.0.0.1:{} check\n", portal_port(n)))
        .collect();
    // Checked by /livez (the process serves), not /healthz (the database answers): a leader
    // change makes every portal's database unreachable at once, and the pages on the standby
    // still serve. A refused connection is retried on another portal at once; an answer lost
    // with a killed portal is retried only for reads and for signups, which carry an
    // idempotency key. Any other post is the browser's to send again.
    format!(
        "global
    maxconn 8000
    pidfile {pid}
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout http-request 10s
    timeout queue 5s
    # The console's exclusion upload may run 15 minutes.
    timeout server 16m
    option forwardfor
    option redispatch 1
    retries 3
    retry-on conn-failure empty-response
    errorfile 502 {wait}
    errorfile 503 {wait}
    errorfile 504 {wait}
frontend portal
    bind 127.0.0.1:{BALANCER_PORT}
    default_backend portals
backend portals
    balance roundrobin
    option http-buffer-request
    http-request disable-l7-retry if !METH_GET !METH_HEAD !{{ path /api/signup-submit }}
    option httpchk GET /livez
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}",
        pid = pid_file.display(),
        socket = socket.display(),
        wait = wait_page.display(),
    )
}

/// Debian's packages of the engines, installed once.
fn ensure_engines() -> Result {
    let missing: Vec<&str> = [("patroni", "patroni"), ("etcd", "etcd-server"), ("haproxy", "haproxy")]
        .into_iter()
        .filter(|(program, _)| {
            process::output(Command::new("sh").args(["-c", &format!("command -v {program}")])).is_none()
        })
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("cluster: installing Debian's {}", missing.join(", "));
    tools::apt_install(&missing)
}

fn pg_bin(program: &str) -> Result<PathBuf> {
    Ok(database::postgres_bin_dir()
        .ok_or("PostgreSQL's programs were not found")?
        .join(program))
}

fn postgres_ids() -> Result<(u32, u32)> {
    let id = |flag: &str| -> Result<u32> {
        process::output(Command::new("id").args([flag, "postgres"]))
            .and_then(|out| out.trim().parse().ok())
            .ok_or_else(|| "no postgres user (Debian's postgresql makes it)".to_owned())
    };
    Ok((id("-u")?, id("-g")?))
}

fn as_postgres(program: &Path) -> Command {
    if database::is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A statement through the proxy with psql; its output, unaligned.
pub fn psql(port: u16, database: &str, sql: &str) -> Result<String> {
    let output = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
        ])
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "3")
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("psql: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// A process that exists and is not a zombie (a killed child its parent has not reaped).
fn is_alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next()))
        .flatten()
        .is_some_and(|state| !matches!(state, 'Z' | 'X'))
}

fn process_group_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command's name: state, ppid, pgrp.
    stat.rsplit_once(") ")?.1.split_whitespace().nth(2)?.parse().ok()
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

fn signal_group(pgid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// GET on 127.0.0.1:`port`: the status and the body.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

fn patroni_check(node: u8, path: &str) -> bool {
    http_get(rest_port(node), path).is_some_and(|(status, _)| status == 200)
}

/// The node's state as its Patroni says: running, starting, restarting after failure, ...
fn patroni_state(node: u8) -> Option<String> {
    let (_, body) = http_get(rest_port(node), "/patroni")?;
    let json: serde_json::Value = serde_json::from_str(&body).ok()?;
    Some(json.get("state")?.as_str()?.to_owned())
}

/// The node's role as its Patroni says: leader, replica, or another state.
fn patroni_role(node: u8) -> Option<String> {
    let (_, body) = http_get(rest_port(node), "/patroni")?;
    let json: serde_json::Value = serde_json::from_str(&body).ok()?;
    let role = json.get("role")?.as_str()?;
    // Patroni 3.0 calls the leader "master" here.
    Some(if role == "master" || role == "primary" {
        "leader".into()
    } else {
        role.into()
    })
}

fn wait_for(what: &str, patience: Duration, mut ready: impl FnMut() -> bool) -> Result {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if ready() {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(300));
    }
    Err(format!("{what}: not ready within {} s", patience.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_named_and_found_by_name() {
        for part in [
            Part::Etcd,
            Part::Node(2),
            Part::DatabaseProxy,
            Part::Registry,
            Part::Rail,
            Part::Portal(3),
            Part::Balancer,
        ] {
            assert_eq!(Part::parse(&part.name()), Some(part));
        }
        assert_eq!(Part::parse("portal-4"), None);
        assert_eq!(Part::parse("node-0"), None);
    }

    #[test]
    fn the_balancer_retries_posts_only_for_signups() {
        let cfg = balancer_cfg(Path::new("/p"), Path::new("/s"), Path::new("/w"), 2);
        assert!(cfg.contains("server portal-2 127.0.0.1:3512 check"));
        assert!(!cfg.contains("portal-3"));
        assert!(cfg.contains("disable-l7-retry if !METH_GET !METH_HEAD !{ path /api/signup-submit }"));
        assert!(WAIT_PAGE.starts_with("HTTP/1.1 503"));
    }
}
