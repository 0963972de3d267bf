//! The Prakerja server: configuration, router, background jobs and the command line.
// The catalogue page's view type nests deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod admission;
pub mod audit_actor;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo_catalogue;
pub mod http_client;
pub mod jobs;
pub mod published;
pub mod rail_simulator;
pub mod registry_simulator;
pub mod routes;
pub mod security;
pub mod seed;
pub mod serve;
pub mod simulated_service;
pub mod synthetic;

use std::sync::Arc;

use app::state::{AppState, Clock, Settings, ShiftedClock, SystemClock};
use leptos::prelude::LeptosOptions;

/// The application state for a configuration.
pub fn state(config: &config::Config, pool: sqlx::PgPool) -> AppState {
    // Each build lives in its own directory under the package directory (content-addressed,
    // so browsers may cache it forever); `cargo xtask build` writes its id next to the site.
    let pkg_dir = match std::fs::read_to_string(format!("{}/build.txt", config.site_root)) {
        Ok(build_id) => format!("{}/{}", config.site_pkg_dir, build_id.trim()),
        Err(_) => config.site_pkg_dir.clone(),
    };
    let leptos_options = LeptosOptions::builder()
        .output_name(env!("LEPTOS_OUTPUT_NAME"))
        .site_root(config.site_root.as_str())
        .site_pkg_dir(pkg_dir)
        .site_addr(config.addr)
        .build();
    let clock: Arc<dyn Clock> = match config.clock_start {
        Some(start) => Arc::new(ShiftedClock::starting_at(start)),
        None => Arc::new(SystemClock),
    };
    // A few connections commit batches of signups; the rest serve everything else.
    let workers = config
        .signup_workers
        .clamp(1, (config.database_pool_size as usize / 2).max(1));
    let services = app::feature_services(&pool, workers, 64);
    AppState {
        leptos_options,
        pool,
        clock,
        wall_clock: Arc::new(SystemClock),
        settings: Arc::new(Settings {
            secret: config.secret.clone(),
            platform_keys: config.platform_keys.clone(),
            public_url: config.public_url.clone(),
            secure_cookies: config.secure_cookies(),
            dev_mailbox: config.dev_mailbox,
            trust_forwarded_for: config.trust_forwarded_for,
            test_pass_mark: config.test_pass_mark,
            incentive: config.incentive,
            study_rule: config.study_rule,
            payout_cooling_off: config.payout_cooling_off,
        }),
        services,
    }
}

/// The payout rail: the configured one, or in development (none configured) the simulator,
/// started here on a free local port and asked over real HTTP.
pub async fn rail(config: &config::Config) -> Result<app::payouts::rail::HttpRail, Box<dyn std::error::Error>> {
    use app::payouts::rail::{HttpRail, RailSettings, DEFAULT_TIMEOUT};
    let settings = match &config.rail {
        Some(settings) => settings.clone(),
        None => {
            let simulator = rail_simulator::RailSimulator::new(rail_simulator::DEVELOPMENT_KEY);
            // The demo's participant has an e-wallet in her name, to link on her incentive page.
            simulator.open_account(
                &app::payouts::rail::WireDestination {
                    kind: app::payouts::rail::DestinationKind::EWallet,
                    provider: "dana".to_owned(),
                    number: seed::DEMO_WALLET.to_owned(),
                },
                seed::RINA.full_name,
            );
            let addr = simulator.spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            tracing::info!("no PRAKERJA_RAIL_URL: the payout-rail simulator serves on http://{addr}");
            RailSettings {
                url: format!("http://{addr}"),
                key: rail_simulator::DEVELOPMENT_KEY.to_owned(),
                timeout: DEFAULT_TIMEOUT,
            }
        }
    };
    Ok(HttpRail::from_settings(&settings)?)
}

/// The civil registry the verification jobs ask: the configured one, or in development (none
/// configured) the simulator, started here on a free local port and asked over real HTTP.
pub async fn registry(
    config: &config::Config,
) -> Result<app::verification::registry::HttpRegistry, Box<dyn std::error::Error>> {
    use app::verification::registry::{HttpRegistry, RegistrySettings};
    let settings = match &config.registry {
        Some(settings) => settings.clone(),
        None => {
            let simulator = registry_simulator::RegistrySimulator::new(
                registry_simulator::Population::synthetic(),
                registry_simulator::DEVELOPMENT_KEY,
            );
            let addr = simulator.spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            tracing::info!("no PRAKERJA_REGISTRY_URL: the registry simulator serves on http://{addr}");
            RegistrySettings::new(&format!("http://{addr}"), registry_simulator::DEVELOPMENT_KEY)
        }
    };
    Ok(HttpRegistry::new(settings)?)
}
