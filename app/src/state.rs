//! Server state that reaches server functions through context.

use std::sync::{Arc, Mutex};

use axum::extract::FromRef;
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;

/// Where time comes from, so tests can stand on the edges of the registration window.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that started at a chosen instant and runs at normal speed from there (used by the
/// end-to-end tests and demos to stand inside or outside the registration window).
pub struct ShiftedClock {
    offset: Duration,
}

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> ShiftedClock {
        ShiftedClock {
            offset: start - Utc::now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// A clock that stands still until moved (unit and database tests).
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(at: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Settings the application code needs (the server's own config lives in the server crate).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Key for HMACs of sign-in codes and rate-limit keys. At least 32 bytes.
    pub secret: Vec<u8>,
    /// The master secrets of platform keys, by version (never the secret above).
    pub platform_keys: crate::secrets::PlatformKeySecrets,
    /// The portal's address as people reach it, without a trailing slash.
    pub public_url: String,
    /// `Secure` cookies with the `__Host-` prefix; off only for plain-HTTP development.
    pub secure_cookies: bool,
    /// Shows sent messages on /dev/surat (development and tests only).
    pub dev_mailbox: bool,
    /// Trust the last `X-Forwarded-For` hop as the client address (behind our own proxy only).
    pub trust_forwarded_for: bool,
    /// Ability questions (of 14) an applicant must answer correctly to pass the test.
    pub test_pass_mark: i16,
    /// What a participant is paid after their first finished and reviewed training.
    pub incentive: crate::domain::IncentivePlan,
    /// How long a training must have been studied for its completion to be certified by itself.
    pub study_rule: crate::domain::StudyRule,
    /// How long after a change of payout account the new one may be paid into.
    pub payout_cooling_off: Duration,
}

/// Three days: time for a participant to read the email that tells them of the change.
pub const DEFAULT_PAYOUT_COOLING_OFF: Duration = Duration::hours(72);

impl Settings {
    pub fn for_tests() -> Settings {
        Settings {
            secret: vec![7; 32],
            platform_keys: crate::secrets::PlatformKeySecrets::parse("1:platform-key-secret-for-tests-only-0001")
                .expect("a valid secret"),
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: false,
            dev_mailbox: true,
            trust_forwarded_for: false,
            test_pass_mark: crate::domain::DEFAULT_PASS_MARK,
            incentive: crate::domain::IncentivePlan::default(),
            // Tests drive whole trainings in seconds; the rule's own tests set it.
            study_rule: crate::domain::StudyRule::new(0).expect("a valid share"),
            payout_cooling_off: DEFAULT_PAYOUT_COOLING_OFF,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    /// The real time, for what must agree with the world outside: the codes of operators'
    /// authenticator apps. (`clock` may be shifted in development and end-to-end tests.)
    pub wall_clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// What features keep for the whole process (the signup batcher, the schedule cache), by
    /// type: the state knows no feature, each feature finds its own.
    pub services: Services,
}

/// One value per type, shared by every clone of the state.
#[derive(Clone, Default)]
pub struct Services(Arc<axum::http::Extensions>);

impl Services {
    /// Adds `service` (while the state is being built).
    pub fn with<T: ?Sized + Send + Sync + 'static>(self, service: Arc<T>) -> Services {
        let mut map = Arc::unwrap_or_clone(self.0);
        map.insert(service);
        Services(Arc::new(map))
    }

    /// The service of type `T`, if the server was built with it.
    pub fn find<T: ?Sized + Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.get::<Arc<T>>().map(|service| &**service)
    }

    /// The service of type `T`; an internal error when the server was built without it.
    pub fn get<T: ?Sized + Send + Sync + 'static>(&self) -> Result<&T, AppError> {
        self.0
            .get::<Arc<T>>()
            .map(|service| &**service)
            .ok_or_else(|| AppError::internal(format!("{} missing from the state", std::any::type_name::<T>())))
    }
}

/// A pool on a streaming standby (PRAKERJA_DATABASE_READ_URL), for pages that may show the
/// database as it was a moment ago: the catalogue, its document and the comparison, the waves'
/// audit pages and files, and certificate verification. How stale they may be is bounded by
/// the proxy in front of the standbys (docs/cluster.md).
pub struct StandbyPool(pub PgPool);

impl AppState {
    /// The pool for reads that may lag the leader by the standby's replay delay: the standby's
    /// when one is configured, otherwise the leader's. Anything a person has just changed, and
    /// every write, reads `pool`.
    pub fn stale_ok_pool(&self) -> &PgPool {
        self.services
            .find::<StandbyPool>()
            .map(|standby| &standby.0)
            .unwrap_or(&self.pool)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state provided by the server's router to every page render and server function.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}
