//! Configuration from the environment (see README: "Configuration").

use std::{net::SocketAddr, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub environment: Environment,
    pub database_url: String,
    pub database_pool_size: u32,
    /// PRAKERJA_SIGNUP_WORKERS: batches of signups committing at once (each holds a connection).
    pub signup_workers: usize,
    pub addr: SocketAddr,
    pub site_root: String,
    pub site_pkg_dir: String,
    pub secret: Vec<u8>,
    /// The portal's address as people reach it (certificates' QR codes point there).
    pub public_url: String,
    pub dev_mailbox: bool,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
    pub trust_forwarded_for: bool,
    /// PRAKERJA_TEST_PASS_MARK: correct ability answers (of 14) needed to pass the test.
    pub test_pass_mark: i16,
    /// PRAKERJA_INCENTIVE_MONTHLY (whole rupiah) and PRAKERJA_INCENTIVE_MONTHS.
    pub incentive: app::incentive::IncentivePlan,
    pub request_timeout: Duration,
    pub admission: crate::admission::AdmissionSettings,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    var(name)
        .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
        .transpose()
}

fn flag(name: &str, default: bool) -> Result<bool, String> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(format!("{name}: expected true or false, got {other:?}")),
    }
}

/// PRAKERJA_MAX_IN_FLIGHT, PRAKERJA_MIN_IN_FLIGHT, PRAKERJA_MAX_QUEUED, PRAKERJA_MAX_QUEUE_WAIT_MS
/// and PRAKERJA_TARGET_SERVICE_MS (see `admission`).
fn admission_settings() -> Result<crate::admission::AdmissionSettings, String> {
    let defaults = crate::admission::AdmissionSettings::default();
    let millis = |name: &str, default: Duration| -> Result<Duration, String> {
        Ok(parsed::<u64>(name)?.map(Duration::from_millis).unwrap_or(default))
    };
    let settings = crate::admission::AdmissionSettings {
        max_in_flight: parsed("PRAKERJA_MAX_IN_FLIGHT")?.unwrap_or(defaults.max_in_flight),
        min_in_flight: parsed("PRAKERJA_MIN_IN_FLIGHT")?.unwrap_or(defaults.min_in_flight),
        max_queued: parsed("PRAKERJA_MAX_QUEUED")?.unwrap_or(defaults.max_queued),
        max_wait: millis("PRAKERJA_MAX_QUEUE_WAIT_MS", defaults.max_wait)?,
        target_service: millis("PRAKERJA_TARGET_SERVICE_MS", defaults.target_service)?,
    };
    if settings.min_in_flight == 0 || settings.max_in_flight < settings.min_in_flight {
        return Err("PRAKERJA_MIN_IN_FLIGHT must be at least 1 and at most PRAKERJA_MAX_IN_FLIGHT".into());
    }
    Ok(settings)
}

fn incentive_plan() -> Result<app::incentive::IncentivePlan, String> {
    let default = app::incentive::IncentivePlan::default();
    let monthly = match parsed::<i64>("PRAKERJA_INCENTIVE_MONTHLY")? {
        None => default.monthly(),
        Some(amount) => app::domain::Rupiah::from_whole(amount).ok_or("PRAKERJA_INCENTIVE_MONTHLY is out of range")?,
    };
    let months = parsed::<i16>("PRAKERJA_INCENTIVE_MONTHS")?.unwrap_or(default.months());
    app::incentive::IncentivePlan::new(monthly, months)
        .ok_or_else(|| "PRAKERJA_INCENTIVE_MONTHLY must be above 0 and PRAKERJA_INCENTIVE_MONTHS 1 to 24".to_owned())
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let environment = match var("PRAKERJA_ENV").as_deref() {
            None | Some("production") => Environment::Production,
            Some("development") => Environment::Development,
            Some(other) => {
                return Err(format!(
                    "PRAKERJA_ENV: expected development or production, got {other:?}"
                ))
            }
        };
        let development = environment == Environment::Development;
        let database_url = var("DATABASE_URL").ok_or("DATABASE_URL is not set")?;
        let secret = match var("PRAKERJA_SECRET") {
            Some(secret) if secret.len() >= 32 => secret.into_bytes(),
            Some(_) => return Err("PRAKERJA_SECRET must be at least 32 characters".into()),
            // Development only: a fixed key, so codes survive a restart of `cargo xtask watch`.
            None if development => b"development-only-secret-not-for-production".to_vec(),
            None => return Err("PRAKERJA_SECRET is required in production (32+ random characters)".into()),
        };
        let addr: SocketAddr = parsed("PRAKERJA_ADDR")?.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let public_url = match var("PRAKERJA_PUBLIC_URL") {
            Some(url) if url.starts_with("https://") || (development && url.starts_with("http://")) => {
                url.trim_end_matches('/').to_owned()
            }
            Some(_) => return Err("PRAKERJA_PUBLIC_URL must start with https:// (http:// in development)".into()),
            // Behind a proxy this is wrong: production deployments set it (see the README).
            None => format!("http://{addr}"),
        };
        Ok(Config {
            environment,
            database_url,
            // A few connections per core: more only make PostgreSQL's backends fight for the CPU.
            database_pool_size: parsed("PRAKERJA_DATABASE_POOL_SIZE")?.unwrap_or(8),
            // Two batches: one commits while the next fills. More batches at once are each smaller,
            // and every batch costs PostgreSQL a transaction, a commit and its statements.
            signup_workers: parsed("PRAKERJA_SIGNUP_WORKERS")?.unwrap_or(2),
            addr,
            public_url,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            site_pkg_dir: var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()),
            secret,
            dev_mailbox: flag("PRAKERJA_DEV_MAILBOX", development)?,
            smtp_url: var("PRAKERJA_SMTP_URL"),
            mail_from: var("PRAKERJA_MAIL_FROM").unwrap_or_else(|| "Prakerja <noreply@prakerja.example>".into()),
            // RFC 3339, e.g. 2026-12-02T10:00:00+07:00
            clock_start: parsed::<chrono::DateTime<chrono::FixedOffset>>("PRAKERJA_CLOCK_START")?.map(|t| t.to_utc()),
            trust_forwarded_for: flag("PRAKERJA_TRUST_FORWARDED_FOR", false)?,
            test_pass_mark: match parsed::<i16>("PRAKERJA_TEST_PASS_MARK")? {
                None => app::assessment::DEFAULT_PASS_MARK,
                Some(mark) if (1..=app::assessment::ABILITY_QUESTIONS as i16).contains(&mark) => mark,
                Some(_) => return Err("PRAKERJA_TEST_PASS_MARK must be between 1 and 14".into()),
            },
            incentive: incentive_plan()?,
            request_timeout: Duration::from_secs(30),
            admission: admission_settings()?,
        })
    }

    pub fn router_options(&self) -> crate::routes::RouterOptions {
        crate::routes::RouterOptions {
            hsts: self.environment == Environment::Production,
            request_timeout: self.request_timeout,
            admission: self.admission.clone(),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production
    }
}
