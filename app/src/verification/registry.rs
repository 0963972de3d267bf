//! The civil registry (Dukcapil): what verification asks it, and the HTTP client that asks.
//!
//! The API is written down in `registry_openapi.json`; `prakerja registry simulate` serves it
//! with a synthetic population. The NIK travels in the body of a POST, never in a URL, so it
//! stays out of access logs on both sides.
//!
//! The client is careful with a service it does not own: every call has a timeout; a failed
//! call is retried a few times after a random pause (full jitter, so a thousand workers do not
//! come back in step); a run of failures opens a circuit breaker, after which no call is made
//! until a cool-down has passed and one trial call succeeds; and a semaphore caps the calls in
//! flight. An outage is never an answer: [`RegistryUnavailable`] makes the verification job
//! wait, and nobody is refused because the registry was down.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The path of the lookup (POST, JSON body [`LookupRequest`]).
pub const LOOKUP_PATH: &str = "/v1/penduduk/periksa";
/// The health check (GET).
pub const HEALTH_PATH: &str = "/v1/kesehatan";
/// The registry's error code for a NIK it has no resident for (with status 404).
pub const NOT_FOUND_CODE: &str = "nik-tidak-ditemukan";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LookupRequest {
    pub nik: String,
}

/// Whether the registry records the resident as alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifeStatus {
    #[serde(rename = "hidup")]
    Alive,
    #[serde(rename = "meninggal")]
    Deceased,
}

/// The registry's record of one resident, as it sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub nik: String,
    /// The family card (KK) the NIK is listed on.
    #[serde(rename = "kk")]
    pub family_card: String,
    #[serde(rename = "nama_lengkap")]
    pub full_name: String,
    #[serde(rename = "tanggal_lahir")]
    pub birth_date: NaiveDate,
    /// "L" or "P", as on the KTP.
    #[serde(rename = "jenis_kelamin")]
    pub gender: String,
    #[serde(rename = "status_hidup")]
    pub life: LifeStatus,
}

/// The registry's error body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegistryError {
    pub error: String,
}

/// What the registry said about a NIK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryFinding {
    Found(Resident),
    NotFound,
}

/// The registry could not be asked: nothing is known, and the question waits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryUnavailable {
    #[error("the circuit breaker is open after repeated failures")]
    CircuitOpen,
    #[error("no answer in time")]
    Timeout,
    #[error("the registry answered HTTP {0}")]
    Status(u16),
    #[error("the registry could not be reached: {0}")]
    Transport(String),
    #[error("the registry's answer could not be read: {0}")]
    Malformed(String),
}

impl RegistryUnavailable {
    /// Worth another try soon: the service may be busy or briefly away. A refused key or a
    /// request the registry calls malformed will not get better by repeating it.
    fn is_transient(&self) -> bool {
        match self {
            RegistryUnavailable::Timeout | RegistryUnavailable::Transport(_) => true,
            RegistryUnavailable::Status(status) => *status == 429 || *status >= 500,
            RegistryUnavailable::CircuitOpen | RegistryUnavailable::Malformed(_) => false,
        }
    }
}

/// The civil registry, as verification sees it.
pub trait CivilRegistry: Send + Sync {
    fn lookup(&self, nik: &str) -> impl Future<Output = Result<RegistryFinding, RegistryUnavailable>> + Send;
}

/// How the client treats the registry (PRAKERJA_REGISTRY_*; see docs/configuration.md).
#[derive(Clone, Debug)]
pub struct RegistrySettings {
    /// e.g. https://dukcapil.example (http:// only in development).
    pub base_url: String,
    pub api_key: String,
    /// For one call, connection included.
    pub timeout: Duration,
    /// Calls per lookup, the first included.
    pub attempts: u32,
    /// The first retry waits up to this long; each further one up to twice as long.
    pub backoff: Duration,
    pub max_concurrent: usize,
    /// Consecutive failed calls that open the breaker.
    pub breaker_failures: u32,
    /// How long an open breaker refuses calls before it lets one trial call through.
    pub breaker_cooldown: Duration,
}

impl RegistrySettings {
    pub fn new(base_url: &str, api_key: &str) -> RegistrySettings {
        RegistrySettings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            timeout: Duration::from_secs(2),
            attempts: 3,
            backoff: Duration::from_millis(100),
            max_concurrent: 64,
            breaker_failures: 10,
            breaker_cooldown: Duration::from_secs(10),
        }
    }
}

/// A circuit breaker: closed (calls go through), open (none do, until the cool-down ends), then
/// half-open (one trial call; its success closes the breaker, its failure opens it again).
pub struct CircuitBreaker {
    failures_to_open: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Admission {
    Go,
    Refuse,
    /// The trial call is out: its outcome decides (callers wait for it rather than fail, so a
    /// batch arriving just after an outage is not all put back).
    AwaitTrial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BreakerState {
    Closed {
        consecutive_failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A trial call is out; everyone else waits for its outcome.
    HalfOpen {
        since: Instant,
    },
}

impl CircuitBreaker {
    pub fn new(failures_to_open: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            failures_to_open: failures_to_open.max(1),
            cooldown,
            state: Mutex::new(BreakerState::Closed {
                consecutive_failures: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        // The state is a plain value: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a call may go out now.
    pub fn allow(&self) -> bool {
        self.admit() == Admission::Go
    }

    fn admit(&self) -> Admission {
        let mut state = self.state();
        match *state {
            BreakerState::Closed { .. } => Admission::Go,
            BreakerState::Open { until } if Instant::now() >= until => {
                *state = BreakerState::HalfOpen { since: Instant::now() };
                Admission::Go
            }
            BreakerState::Open { .. } => Admission::Refuse,
            // A trial whose caller went away never reports: after a cool-down, another goes.
            BreakerState::HalfOpen { since } if since.elapsed() >= self.cooldown => {
                *state = BreakerState::HalfOpen { since: Instant::now() };
                Admission::Go
            }
            BreakerState::HalfOpen { .. } => Admission::AwaitTrial,
        }
    }

    /// Whether calls are refused right now (open and cooling down, or a trial call out).
    pub fn is_refusing(&self) -> bool {
        match *self.state() {
            BreakerState::Closed { .. } => false,
            BreakerState::Open { until } => Instant::now() < until,
            BreakerState::HalfOpen { .. } => true,
        }
    }

    pub fn succeeded(&self) {
        *self.state() = BreakerState::Closed {
            consecutive_failures: 0,
        };
    }

    pub fn failed(&self) {
        let mut state = self.state();
        *state = match *state {
            BreakerState::Closed { consecutive_failures } if consecutive_failures + 1 < self.failures_to_open => {
                BreakerState::Closed {
                    consecutive_failures: consecutive_failures + 1,
                }
            }
            _ => BreakerState::Open {
                until: Instant::now() + self.cooldown,
            },
        };
    }
}

/// What the client has done, for logs and the benchmark.
#[derive(Default)]
pub struct RegistryCounters {
    pub calls: AtomicU64,
    pub failed_calls: AtomicU64,
    pub refused_by_breaker: AtomicU64,
}

/// The registry over HTTP.
pub struct HttpRegistry {
    client: reqwest::Client,
    lookup_url: String,
    settings: RegistrySettings,
    permits: tokio::sync::Semaphore,
    breaker: CircuitBreaker,
    pub counters: RegistryCounters,
}

impl HttpRegistry {
    pub fn new(settings: RegistrySettings) -> Result<HttpRegistry, String> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(settings.base_url.starts_with("https://"))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .pool_max_idle_per_host(settings.max_concurrent)
            .user_agent("prakerja-portal")
            .build()
            .map_err(|e| format!("the registry client: {e}"))?;
        Ok(HttpRegistry {
            client,
            lookup_url: format!("{}{LOOKUP_PATH}", settings.base_url),
            permits: tokio::sync::Semaphore::new(settings.max_concurrent.max(1)),
            breaker: CircuitBreaker::new(settings.breaker_failures, settings.breaker_cooldown),
            settings,
            counters: RegistryCounters::default(),
        })
    }

    /// Whether the breaker is holding calls back (workers pause instead of spinning).
    pub fn is_holding_back(&self) -> bool {
        self.breaker.is_refusing()
    }

    async fn call(&self, nik: &str) -> Result<RegistryFinding, RegistryUnavailable> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| RegistryUnavailable::Transport("the client is shutting down".into()))?;
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        let response = self
            .client
            .post(&self.lookup_url)
            .bearer_auth(&self.settings.api_key)
            .json(&LookupRequest { nik: nik.to_owned() })
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        match status {
            200 => response
                .json::<Resident>()
                .await
                .map(RegistryFinding::Found)
                .map_err(|e| RegistryUnavailable::Malformed(e.without_url().to_string())),
            404 => match response.json::<RegistryError>().await {
                Ok(body) if body.error == NOT_FOUND_CODE => Ok(RegistryFinding::NotFound),
                // A 404 from a proxy or a wrong path is not a registry's "no such NIK".
                _ => Err(RegistryUnavailable::Status(404)),
            },
            _ => Err(RegistryUnavailable::Status(status)),
        }
    }
}

fn transport_error(error: reqwest::Error) -> RegistryUnavailable {
    if error.is_timeout() {
        RegistryUnavailable::Timeout
    } else {
        RegistryUnavailable::Transport(error.without_url().to_string())
    }
}

/// How often a caller looks whether the breaker's trial call has returned.
const TRIAL_POLL: Duration = Duration::from_millis(20);

/// A random pause up to `base * 2^retry` (full jitter).
fn jittered(base: Duration, retry: u32) -> Duration {
    use rand::Rng;
    let ceiling = base.saturating_mul(1 << retry.min(10));
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(rand::rng().random_range(0..=millis))
}

impl CivilRegistry for HttpRegistry {
    async fn lookup(&self, nik: &str) -> Result<RegistryFinding, RegistryUnavailable> {
        let attempts = self.settings.attempts.max(1);
        let mut retry = 0;
        loop {
            match self.breaker.admit() {
                Admission::Go => {}
                Admission::Refuse => {
                    self.counters.refused_by_breaker.fetch_add(1, Ordering::Relaxed);
                    return Err(RegistryUnavailable::CircuitOpen);
                }
                Admission::AwaitTrial => {
                    tokio::time::sleep(TRIAL_POLL).await;
                    continue;
                }
            }
            match self.call(nik).await {
                Ok(finding) => {
                    self.breaker.succeeded();
                    return Ok(finding);
                }
                Err(error) => {
                    self.counters.failed_calls.fetch_add(1, Ordering::Relaxed);
                    self.breaker.failed();
                    retry += 1;
                    if !error.is_transient() || retry >= attempts {
                        return Err(error);
                    }
                    tokio::time::sleep(jittered(self.settings.backoff, retry - 1)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_a_run_of_failures_and_closes_after_a_good_trial() {
        let breaker = CircuitBreaker::new(3, Duration::from_millis(30));
        breaker.failed();
        breaker.failed();
        assert!(breaker.allow(), "two failures of three");
        breaker.succeeded();
        breaker.failed();
        breaker.failed();
        assert!(breaker.allow(), "a success starts the count again");
        breaker.failed();
        assert!(breaker.is_refusing());
        assert!(!breaker.allow(), "open");
        std::thread::sleep(Duration::from_millis(40));
        assert!(!breaker.is_refusing(), "cooled down");
        assert!(breaker.allow(), "one trial after the cool-down");
        assert!(!breaker.allow(), "only one");
        breaker.failed();
        assert!(!breaker.allow(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow());
        breaker.succeeded();
        assert!(breaker.allow() && breaker.allow(), "closed");
    }

    #[test]
    fn a_trial_whose_caller_went_away_is_replaced_after_a_cool_down() {
        let breaker = CircuitBreaker::new(1, Duration::from_millis(30));
        breaker.failed();
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow(), "the trial");
        assert_eq!(breaker.admit(), Admission::AwaitTrial, "the others wait for it");
        // Its caller never reports.
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow(), "another trial");
    }

    #[test]
    fn pauses_are_random_and_bounded() {
        let base = Duration::from_millis(100);
        let pauses: Vec<_> = (0..200).map(|_| jittered(base, 2)).collect();
        assert!(pauses.iter().all(|p| *p <= Duration::from_millis(400)));
        assert!(pauses.iter().any(|p| *p != pauses[0]), "not all the same");
        assert!(jittered(base, 60) <= base * 1024, "the exponent is capped");
    }

    #[test]
    fn only_what_may_pass_is_retried() {
        assert!(RegistryUnavailable::Timeout.is_transient());
        assert!(RegistryUnavailable::Status(503).is_transient());
        assert!(RegistryUnavailable::Status(429).is_transient());
        assert!(!RegistryUnavailable::Status(401).is_transient());
        assert!(!RegistryUnavailable::Status(400).is_transient());
        assert!(!RegistryUnavailable::CircuitOpen.is_transient());
    }

    #[test]
    fn the_wire_format_is_the_documented_one() {
        let resident = Resident {
            nik: "3174011708950001".into(),
            family_card: "3174010101150001".into(),
            full_name: "Agus Prasetyo".into(),
            birth_date: NaiveDate::from_ymd_opt(1995, 8, 17).unwrap(),
            gender: "L".into(),
            life: LifeStatus::Alive,
        };
        let json = serde_json::to_value(&resident).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "nik": "3174011708950001", "kk": "3174010101150001", "nama_lengkap": "Agus Prasetyo",
                "tanggal_lahir": "1995-08-17", "jenis_kelamin": "L", "status_hidup": "hidup"
            })
        );
        let spec: serde_json::Value = serde_json::from_str(include_str!("registry_openapi.json")).unwrap();
        let documented = &spec["components"]["schemas"]["Penduduk"]["properties"];
        for key in json.as_object().unwrap().keys() {
            assert!(documented.get(key).is_some(), "{key} is documented");
        }
        assert!(spec["paths"].get(LOOKUP_PATH).is_some());
        assert!(spec["paths"].get(HEALTH_PATH).is_some());
    }
}
