//! Which PostgreSQL the commands use: DATABASE_URL when set; otherwise the machine's server on
//! 127.0.0.1:5432 when it answers; otherwise a private cluster under the target directory,
//! started with the system's initdb/pg_ctl (installing Debian's postgresql if they are missing).

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::{process, target_dir, tools, workspace_root, Result};

const PRIVATE_PORT: u16 = 55432;

/// A URL of the `prakerja` database on the chosen server.
pub fn ensure() -> Result<String> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.trim().is_empty() {
            return Ok(url);
        }
    }
    let machine = "127.0.0.1:5432".parse().expect("valid address");
    let forced_private = std::env::var("PRAKERJA_PRIVATE_CLUSTER").is_ok_and(|v| v == "1");
    if !forced_private && TcpStream::connect_timeout(&machine, Duration::from_secs(1)).is_ok() {
        return Ok("postgres://postgres@127.0.0.1:5432/prakerja".into());
    }
    let cluster = Cluster::private();
    cluster.start()?;
    Ok(cluster.url("prakerja"))
}

/// The same server, another database.
pub fn with_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let server = base.rsplit_once('/').map(|(server, _)| server).unwrap_or(base);
    format!("{server}/{name}{query}")
}

pub fn is_root() -> bool {
    process::output(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0")
}

/// A command run as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn as_cluster_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

pub fn postgres_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = process::output(Command::new("pg_config").arg("--bindir")) {
        let dir = PathBuf::from(dir.trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop()
}

/// The cluster's directory: under the target dir, unless the `postgres` user cannot reach it
/// (root's home is private), then under /var/tmp.
pub fn cluster_dir(name: &str) -> PathBuf {
    let preferred = target_dir().join(name);
    if !is_root() {
        return preferred;
    }
    let parent = target_dir();
    let reachable = Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(&parent)
        .status()
        .is_ok_and(|s| s.success());
    if reachable {
        preferred
    } else {
        PathBuf::from(format!("/var/tmp/prakerja-{name}"))
    }
}

/// A PostgreSQL cluster of our own, started with the system's initdb/pg_ctl.
pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// The cluster the commands use when no other PostgreSQL is there.
    pub fn private() -> Cluster {
        Cluster {
            dir: cluster_dir("pgdata"),
            port: PRIVATE_PORT,
        }
    }

    /// A cluster the crash test may restart at will.
    pub fn for_crash_test() -> Cluster {
        Cluster {
            dir: cluster_dir("pgdata-crash"),
            port: PRIVATE_PORT + 1,
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn bin() -> Result<PathBuf> {
        match postgres_bin_dir() {
            Some(bin) => Ok(bin),
            None => {
                println!("xtask: no PostgreSQL found; installing Debian's postgresql");
                tools::apt_install(&["postgresql"])?;
                postgres_bin_dir().ok_or_else(|| "postgresql installed but initdb not found".to_owned())
            }
        }
    }

    /// `pg_ctl` with its arguments, run as the cluster's owner.
    pub fn pg_ctl(&self, args: &[&str]) -> Result<Command> {
        let mut command = as_cluster_owner(&Self::bin()?.join("pg_ctl"));
        command.args(args).arg("-D").arg(&self.dir);
        Ok(command)
    }

    pub fn start(&self) -> Result {
        let bin = Self::bin()?;
        if !self.dir.join("PG_VERSION").exists() {
            println!("xtask: creating a private PostgreSQL cluster in {}", self.dir.display());
            std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
            if is_root() {
                process::run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&self.dir))?;
            }
            process::run(as_cluster_owner(&bin.join("initdb")).arg("-D").arg(&self.dir).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]))?;
        }
        let running = self.pg_ctl(&["status"])?.output().is_ok_and(|o| o.status.success());
        if !running {
            println!(
                "xtask: starting the private PostgreSQL cluster on 127.0.0.1:{}",
                self.port
            );
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1",
                self.port,
                self.dir.display()
            );
            let log = self.dir.join("log");
            let log = log.to_string_lossy();
            process::run(self.pg_ctl(&["-l", &log, "-o", &options, "-w", "start"])?)?;
        }
        Ok(())
    }
}

/// Drops and recreates a database and applies the migrations with psql (for `sqlx-prepare`,
/// which runs before the server binary can be built).
pub fn recreate_with_psql(url: &str) -> Result {
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let maintenance = with_name(url, "postgres");
    let psql = |target: &str| {
        let mut command = Command::new("psql");
        command.args(["-v", "ON_ERROR_STOP=1", "-q", target]);
        command
    };
    process::run(psql(&maintenance).args(["-c", &format!("drop database if exists \"{name}\"")]))?;
    process::run(psql(&maintenance).args(["-c", &format!("create database \"{name}\"")]))?;
    let mut migrations: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("migrations"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    migrations.sort();
    for migration in migrations {
        process::run(psql(url).arg("-f").arg(&migration))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            super::with_name("postgres://u@h:5432/prakerja", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_name("postgres://u@h/prakerja?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
