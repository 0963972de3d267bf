//! A civil-registry simulator for demos, tests and benchmarks: the API of
//! `app/src/verification/registry_openapi.json` over real HTTP, serving a deterministic
//! synthetic population (see [`population`]), with a latency, an error rate and outages that can
//! be set, also while it runs.

pub mod population;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use app::verification::registry::{LookupRequest, HEALTH_PATH, LOOKUP_PATH, NOT_FOUND_CODE};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use rand::Rng;

use crate::simulated_service::{error, require_key, serve};

pub use population::Population;

/// The development and test key (production talks to the real registry with its own).
pub const DEVELOPMENT_KEY: &str = "dukcapil-simulasi-kunci-pengembangan";

pub struct RegistrySimulator {
    population: Population,
    api_key: String,
    latency_ms: AtomicU64,
    /// Out of a million calls, how many fail with a 500.
    errors_per_million: AtomicU32,
    down: AtomicBool,
    /// Lookups answered (found or not), for tests and the benchmark.
    pub answered: AtomicU64,
    in_flight: AtomicU64,
    /// The most lookups it was serving at one moment (a client's cap shows here).
    pub peak_in_flight: AtomicU64,
}

/// Counts a lookup in flight while it lives.
struct InFlight<'a>(&'a RegistrySimulator);

impl<'a> InFlight<'a> {
    fn enter(simulator: &'a RegistrySimulator) -> InFlight<'a> {
        let now = simulator.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        simulator.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(simulator)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl RegistrySimulator {
    pub fn new(population: Population, api_key: &str) -> Arc<RegistrySimulator> {
        Arc::new(RegistrySimulator {
            population,
            api_key: api_key.to_owned(),
            latency_ms: AtomicU64::new(0),
            errors_per_million: AtomicU32::new(0),
            down: AtomicBool::new(false),
            answered: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
        })
    }

    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms.store(
            u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The share of calls (0 to 1) answered with a 500.
    pub fn set_error_rate(&self, rate: f64) {
        let per_million = (rate.clamp(0.0, 1.0) * 1_000_000.0).round() as u32;
        self.errors_per_million.store(per_million, Ordering::Relaxed);
    }

    /// While down, every call is answered 503.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    pub fn population(&self) -> &Population {
        &self.population
    }

    pub fn router(self: &Arc<Self>) -> Router {
        // The health check needs no key; the lookup does.
        require_key(Router::new().route(LOOKUP_PATH, post(lookup)), &self.api_key)
            .route(HEALTH_PATH, get(health))
            .with_state(self.clone())
    }

    /// Serves on `addr` (port 0: any free one) until the process ends; returns the address.
    pub async fn spawn(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        serve(addr, self.router(), "registry").await
    }

    /// Takes the service down for `down_for` every `every`, for as long as the process runs.
    pub fn schedule_outages(self: &Arc<Self>, every: Duration, down_for: Duration) {
        let simulator = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every.saturating_sub(down_for)).await;
                simulator.set_down(true);
                tracing::info!(seconds = down_for.as_secs(), "registry simulator: outage begins");
                tokio::time::sleep(down_for).await;
                simulator.set_down(false);
                tracing::info!("registry simulator: outage ends");
            }
        });
    }
}

async fn health(State(simulator): State<Arc<RegistrySimulator>>) -> StatusCode {
    if simulator.down.load(Ordering::Relaxed) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

async fn lookup(State(simulator): State<Arc<RegistrySimulator>>, body: axum::body::Bytes) -> Response {
    let _in_flight = InFlight::enter(&simulator);
    if simulator.down.load(Ordering::Relaxed) {
        return error(StatusCode::SERVICE_UNAVAILABLE, "layanan-tidak-tersedia");
    }
    let latency = simulator.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let errors = simulator.errors_per_million.load(Ordering::Relaxed);
    if errors > 0 && rand::rng().random_range(0..1_000_000) < errors {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "galat-internal");
    }
    let Ok(request) = serde_json::from_slice::<LookupRequest>(&body) else {
        return error(StatusCode::BAD_REQUEST, "nik-tidak-valid");
    };
    let Ok(nik) = app::domain::Nik::parse(&request.nik) else {
        return error(StatusCode::BAD_REQUEST, "nik-tidak-valid");
    };
    simulator.answered.fetch_add(1, Ordering::Relaxed);
    match simulator.population.resident(&nik) {
        Some(resident) => Json(resident).into_response(),
        None => error(StatusCode::NOT_FOUND, NOT_FOUND_CODE),
    }
}
