//! Where the machine's CPU time goes during a step: the portal, PostgreSQL (every process named
//! `postgres`), this load generator, and the rest. The load generator shares the cores with what
//! it measures, so the bench reports its share instead of pretending it is free.

use std::time::Duration;

/// CPU time used so far, by whom.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuTimes {
    pub machine_busy: Duration,
    pub portal: Duration,
    pub postgres: Duration,
    pub load_generator: Duration,
}

impl CpuTimes {
    /// Reads /proc now. On a system without /proc every figure is zero (and the bench says so).
    pub fn now(portal_pid: Option<u32>) -> CpuTimes {
        CpuTimes {
            machine_busy: machine_busy().unwrap_or_default(),
            portal: portal_pid.and_then(process_time).unwrap_or_default(),
            postgres: processes_named("postgres"),
            load_generator: process_time(std::process::id()).unwrap_or_default(),
        }
    }

    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        CpuTimes {
            machine_busy: self.machine_busy.saturating_sub(earlier.machine_busy),
            portal: self.portal.saturating_sub(earlier.portal),
            postgres: self.postgres.saturating_sub(earlier.postgres),
            load_generator: self.load_generator.saturating_sub(earlier.load_generator),
        }
    }

    /// Everything busy that is none of the three (the kernel's own work, other programs).
    pub fn other(&self) -> Duration {
        self.machine_busy
            .saturating_sub(self.portal + self.postgres + self.load_generator)
    }
}

/// Clock ticks per second of /proc's figures (USER_HZ; 100 on every Linux this runs on).
const TICKS_PER_SECOND: u64 = 100;

fn ticks(count: u64) -> Duration {
    Duration::from_millis(count * 1000 / TICKS_PER_SECOND)
}

/// Busy time of all cores: the first line of /proc/stat minus idle and iowait.
fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal …
    let busy: u64 = fields
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4 && *i < 8)
        .map(|(_, v)| v)
        .sum();
    Some(ticks(busy))
}

/// User plus system time of one process (all its threads), and its command name.
fn process_stat(pid: u32) -> Option<(String, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold spaces; the fields after it are plain.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat[open + 1..close].to_owned();
    let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // After the name: state(0) ppid(1) … utime(11) stime(12).
    let user: u64 = rest.get(11)?.parse().ok()?;
    let system: u64 = rest.get(12)?.parse().ok()?;
    Some((name, ticks(user + system)))
}

fn process_time(pid: u32) -> Option<Duration> {
    process_stat(pid).map(|(_, time)| time)
}

fn processes_named(wanted: &str) -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(process_stat)
        .filter(|(name, _)| name == wanted)
        .map(|(_, time)| time)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_uses_cpu_time_that_the_machine_counts() {
        let before = CpuTimes::now(None);
        // Spin until a few clock ticks of this process's CPU time are counted (on a busy machine
        // that takes longer than the same wall time), or give up after 5 s.
        let start = std::time::Instant::now();
        let mut x: u64 = 1;
        let used = loop {
            for _ in 0..1_000_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            let used = CpuTimes::now(None).since(&before);
            if used.load_generator >= Duration::from_millis(100) || start.elapsed() > Duration::from_secs(5) {
                break used;
            }
        };
        std::hint::black_box(x);
        assert!(used.load_generator >= Duration::from_millis(100), "{used:?}");
        // Both are counted in clock ticks, read at slightly different moments.
        assert!(
            used.machine_busy + Duration::from_millis(20) >= used.load_generator,
            "{used:?}"
        );
    }
}
