//! Configuration from the environment (see docs/configuration.md).

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
    /// PRAKERJA_DATABASE_READ_URL: a streaming standby (or a proxy in front of standbys) for the
    /// pages that may be slightly stale (`AppState::stale_ok_pool`); unset, they read the leader.
    pub database_read_url: Option<String>,
    /// PRAKERJA_DATABASE_READ_POOL_SIZE: connections to it (default 4).
    pub database_read_pool_size: u32,
    /// PRAKERJA_SIGNUP_WORKERS: batches of signups committing at once (each holds a connection).
    pub signup_workers: usize,
    pub addr: SocketAddr,
    pub site_root: String,
    pub site_pkg_dir: String,
    pub secret: Vec<u8>,
    /// PRAKERJA_PLATFORM_KEY_SECRETS: the master secrets of platform keys, by version.
    pub platform_keys: app::secrets::PlatformKeySecrets,
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
    /// PRAKERJA_MIN_STUDY_PERCENT: the share of a training's hours that must pass between its
    /// start and its completion for the certificate to be issued without an operator.
    pub study_rule: app::completion::StudyRule,
    pub request_timeout: Duration,
    pub admission: crate::admission::AdmissionSettings,
    /// PRAKERJA_HEADER_READ_TIMEOUT_MS and PRAKERJA_MAX_CONNECTIONS.
    pub connections: crate::serve::ConnectionLimits,
    /// PRAKERJA_STATEMENT_TIMEOUT_MS for the portal's own pool (0: none). Command-line tasks
    /// (a synthetic pool of millions, say) run without one.
    pub statement_timeout: Option<Duration>,
    /// PRAKERJA_PUBLISHED_DIR: where the waves' public files are written (default: a directory
    /// under the system's temporary one). Files are named by digest; processes may share it.
    pub published_dir: std::path::PathBuf,
    /// PRAKERJA_REGISTRY_URL, _KEY, _MAX_CONCURRENT and _TIMEOUT_MS: the civil registry. Unset in
    /// development: the server runs the registry simulator itself. Production requires it.
    pub registry: Option<app::verification::registry::RegistrySettings>,
    /// PRAKERJA_RAIL_URL, _KEY and _TIMEOUT_MS: the payout rail. Unset in development: the server
    /// runs the rail simulator itself. Production requires it.
    pub rail: Option<app::payouts::rail::RailSettings>,
    /// PRAKERJA_PAYOUT_COOLING_OFF_HOURS: how long after a change of payout account the new one
    /// may be paid into (default 72).
    pub payout_cooling_off: chrono::Duration,
}

/// Development's fixed secrets, so codes and keys survive a restart of `cargo xtask watch`.
/// Production refuses to start with either.
const DEVELOPMENT_SECRET: &str = "development-only-secret-not-for-production";
const DEVELOPMENT_PLATFORM_KEY_SECRETS: &str = "1:development-only-platform-key-secret-not-for-production";

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

fn connection_limits() -> Result<crate::serve::ConnectionLimits, String> {
    let defaults = crate::serve::ConnectionLimits::default();
    let limits = crate::serve::ConnectionLimits {
        header_read_timeout: parsed::<u64>("PRAKERJA_HEADER_READ_TIMEOUT_MS")?
            .map(Duration::from_millis)
            .unwrap_or(defaults.header_read_timeout),
        max_connections: parsed("PRAKERJA_MAX_CONNECTIONS")?.unwrap_or(defaults.max_connections),
        ..defaults
    };
    if limits.header_read_timeout.is_zero() || limits.max_connections == 0 {
        return Err("PRAKERJA_HEADER_READ_TIMEOUT_MS and PRAKERJA_MAX_CONNECTIONS must be above 0".into());
    }
    Ok(limits)
}

/// An outside service's address and key, from `PRAKERJA_<NAME>_URL` and `_KEY`: none when the
/// URL is unset (development then runs a simulator); `https://` only (`http://` in development);
/// a key of 16 characters or more, the simulator's own in development when unset.
fn outside_service(name: &str, development: bool, development_key: &str) -> Result<Option<(String, String)>, String> {
    let (url_var, key_var) = (format!("PRAKERJA_{name}_URL"), format!("PRAKERJA_{name}_KEY"));
    let Some(url) = var(&url_var) else {
        return Ok(None);
    };
    if !(url.starts_with("https://") || (development && url.starts_with("http://"))) {
        return Err(format!("{url_var} must start with https:// (http:// in development)"));
    }
    let key = match var(&key_var) {
        Some(key) if key.len() >= 16 => key,
        Some(_) => return Err(format!("{key_var} must be at least 16 characters")),
        None if development => development_key.to_owned(),
        None => return Err(format!("{key_var} is required with {url_var} in production")),
    };
    Ok(Some((url, key)))
}

fn registry_settings(development: bool) -> Result<Option<app::verification::registry::RegistrySettings>, String> {
    let Some((url, key)) = outside_service("REGISTRY", development, crate::registry_simulator::DEVELOPMENT_KEY)? else {
        return Ok(None);
    };
    let mut settings = app::verification::registry::RegistrySettings::new(&url, &key);
    if let Some(max) = parsed::<usize>("PRAKERJA_REGISTRY_MAX_CONCURRENT")? {
        if max == 0 {
            return Err("PRAKERJA_REGISTRY_MAX_CONCURRENT must be above 0".into());
        }
        settings.max_concurrent = max;
    }
    if let Some(millis) = parsed::<u64>("PRAKERJA_REGISTRY_TIMEOUT_MS")? {
        if millis == 0 {
            return Err("PRAKERJA_REGISTRY_TIMEOUT_MS must be above 0".into());
        }
        settings.timeout = Duration::from_millis(millis);
    }
    Ok(Some(settings))
}

fn rail_settings(development: bool) -> Result<Option<app::payouts::rail::RailSettings>, String> {
    let Some((url, key)) = outside_service("RAIL", development, crate::rail_simulator::DEVELOPMENT_KEY)? else {
        return Ok(None);
    };
    let timeout = match parsed::<u64>("PRAKERJA_RAIL_TIMEOUT_MS")? {
        None => app::payouts::rail::DEFAULT_TIMEOUT,
        Some(0) => return Err("PRAKERJA_RAIL_TIMEOUT_MS must be above 0".into()),
        Some(millis) => Duration::from_millis(millis),
    };
    Ok(Some(app::payouts::rail::RailSettings { url, key, timeout }))
}

fn incentive_plan() -> Result<app::incentive::IncentivePlan, String> {
    let default = app::incentive::IncentivePlan::default();
    let monthly = match parsed::<i64>("PRAKERJA_INCENTIVE_MONTHLY")? {
        None => default.monthly(),
        Some(amount) => app::domain::Rupiah::from_whole(amount).ok_or("PRAKERJA_INCENTIVE_MONTHLY is out of range")?,
    };
    let months = parsed::<i16>("PRAKERJA_INCENTIVE_MONTHS")?.unwrap_or(default.months());
    let plan = app::incentive::IncentivePlan::new(monthly, months)
        .ok_or("PRAKERJA_INCENTIVE_MONTHLY must be above 0 and PRAKERJA_INCENTIVE_MONTHS 1 to 24")?;
    match parsed::<i16>("PRAKERJA_INCENTIVE_HOLDING_DAYS")? {
        None => Ok(plan),
        Some(days) => plan
            .holding(days)
            .ok_or_else(|| "PRAKERJA_INCENTIVE_HOLDING_DAYS must be 0 to 90".to_owned()),
    }
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
            Some(secret) if !development && secret == DEVELOPMENT_SECRET => {
                return Err("PRAKERJA_SECRET: the development secret is refused in production".into())
            }
            Some(secret) if secret.len() >= 32 => secret.into_bytes(),
            Some(_) => return Err("PRAKERJA_SECRET must be at least 32 characters".into()),
            None if development => DEVELOPMENT_SECRET.as_bytes().to_vec(),
            None => return Err("PRAKERJA_SECRET is required in production (32+ random characters)".into()),
        };
        let platform_keys = match var("PRAKERJA_PLATFORM_KEY_SECRETS") {
            Some(raw) if !development && raw.contains(DEVELOPMENT_PLATFORM_KEY_SECRETS) => {
                return Err("PRAKERJA_PLATFORM_KEY_SECRETS: the development secret is refused in production".into())
            }
            Some(raw) => app::secrets::PlatformKeySecrets::parse(&raw)
                .map_err(|e| format!("PRAKERJA_PLATFORM_KEY_SECRETS: {e}"))?,
            None if development => app::secrets::PlatformKeySecrets::parse(DEVELOPMENT_PLATFORM_KEY_SECRETS)?,
            None => {
                return Err(
                    "PRAKERJA_PLATFORM_KEY_SECRETS is required in production (1:<32+ random characters>)".into(),
                )
            }
        };
        if platform_keys.contains(&secret) {
            return Err("PRAKERJA_PLATFORM_KEY_SECRETS must differ from PRAKERJA_SECRET".into());
        }
        let dev_mailbox = flag("PRAKERJA_DEV_MAILBOX", development)?;
        if dev_mailbox && !development {
            return Err(
                "PRAKERJA_DEV_MAILBOX: the development mailbox shows sign-in codes to anyone; \
                        it cannot be on in production"
                    .into(),
            );
        }
        let addr: SocketAddr = parsed("PRAKERJA_ADDR")?.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let public_url = match var("PRAKERJA_PUBLIC_URL") {
            Some(url) if url.starts_with("https://") || (development && url.starts_with("http://")) => {
                url.trim_end_matches('/').to_owned()
            }
            Some(_) => return Err("PRAKERJA_PUBLIC_URL must start with https:// (http:// in development)".into()),
            // Behind a proxy this is wrong: production deployments set it (see docs/configuration.md).
            None => format!("http://{addr}"),
        };
        Ok(Config {
            environment,
            database_url,
            // A few connections per core: more only make PostgreSQL's backends fight for the CPU.
            database_pool_size: parsed("PRAKERJA_DATABASE_POOL_SIZE")?.unwrap_or(8),
            database_read_url: var("PRAKERJA_DATABASE_READ_URL"),
            database_read_pool_size: parsed("PRAKERJA_DATABASE_READ_POOL_SIZE")?.unwrap_or(4),
            // Two batches: one commits while the next fills. More batches at once are each smaller,
            // and every batch costs PostgreSQL a transaction, a commit and its statements.
            signup_workers: parsed("PRAKERJA_SIGNUP_WORKERS")?.unwrap_or(2),
            addr,
            public_url,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            site_pkg_dir: var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()),
            secret,
            platform_keys,
            dev_mailbox,
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
            study_rule: match parsed::<i16>("PRAKERJA_MIN_STUDY_PERCENT")? {
                None => app::completion::StudyRule::default(),
                Some(percent) => app::completion::StudyRule::new(percent)
                    .ok_or("PRAKERJA_MIN_STUDY_PERCENT must be between 0 and 100")?,
            },
            request_timeout: Duration::from_secs(30),
            admission: admission_settings()?,
            connections: connection_limits()?,
            statement_timeout: match parsed::<u64>("PRAKERJA_STATEMENT_TIMEOUT_MS")? {
                Some(0) => None,
                Some(millis) => Some(Duration::from_millis(millis)),
                None => Some(Duration::from_secs(30)),
            },
            published_dir: var("PRAKERJA_PUBLISHED_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("prakerja-published")),
            registry: registry_settings(development)?,
            rail: rail_settings(development)?,
            payout_cooling_off: match parsed::<i64>("PRAKERJA_PAYOUT_COOLING_OFF_HOURS")? {
                None => app::state::DEFAULT_PAYOUT_COOLING_OFF,
                Some(hours) if (0..=24 * 30).contains(&hours) => chrono::Duration::hours(hours),
                Some(_) => return Err("PRAKERJA_PAYOUT_COOLING_OFF_HOURS must be between 0 and 720".into()),
            },
        })
    }

    pub fn router_options(&self) -> crate::routes::RouterOptions {
        crate::routes::RouterOptions {
            hsts: self.environment == Environment::Production,
            request_timeout: self.request_timeout,
            admission: self.admission.clone(),
            published: std::sync::Arc::new(crate::published::PublishedFiles::new(self.published_dir.clone())),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production
    }

    /// What production refuses for a command, besides what `from_env` refuses for every one:
    /// serving without a way to send mail (sign-in codes would vanish), and demo data.
    pub fn refuse_unsafe_production(&self, serving: bool, seeding_demo: bool) -> Result<(), String> {
        if self.environment != Environment::Production {
            return Ok(());
        }
        if seeding_demo {
            return Err("seed-demo loads known accounts and passwords: refused with PRAKERJA_ENV=production".into());
        }
        if serving && self.registry.is_none() {
            return Err(
                "PRAKERJA_REGISTRY_URL and PRAKERJA_REGISTRY_KEY are required in production: applicants are \
                 verified against the civil registry"
                    .into(),
            );
        }
        if serving && self.rail.is_none() {
            return Err(
                "PRAKERJA_RAIL_URL and PRAKERJA_RAIL_KEY are required in production: incentives are paid through \
                 the payout rail"
                    .into(),
            );
        }
        if serving && self.smtp_url.is_none() {
            return Err("PRAKERJA_SMTP_URL is required in production: sign-in codes are sent by email".into());
        }
        Ok(())
    }
}
