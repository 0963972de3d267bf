//! The Prakerja server: configuration, router, background jobs and the command line.

pub mod admission;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo_catalogue;
pub mod jobs;
pub mod routes;
pub mod security;
pub mod seed;

use std::sync::Arc;

use app::state::{AppState, Clock, Settings, ShiftedClock, SystemClock};
use leptos::prelude::LeptosOptions;

/// The application state for a configuration.
pub fn state(config: &config::Config, pool: sqlx::PgPool) -> AppState {
    // The bundle's content-hashed name, written by `cargo xtask build` next to the site.
    let output_name = std::fs::read_to_string(format!("{}/build.txt", config.site_root))
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| env!("LEPTOS_OUTPUT_NAME").to_owned());
    let leptos_options = LeptosOptions::builder()
        .output_name(output_name)
        .site_root(config.site_root.as_str())
        .site_pkg_dir(config.site_pkg_dir.as_str())
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
    let signups = app::signup::queue::SignupQueue::start(pool.clone(), workers, 64);
    AppState {
        leptos_options,
        pool,
        clock,
        settings: Arc::new(Settings {
            secret: config.secret.clone(),
            secure_cookies: config.secure_cookies(),
            dev_mailbox: config.dev_mailbox,
            trust_forwarded_for: config.trust_forwarded_for,
            test_pass_mark: config.test_pass_mark,
        }),
        schedule: Default::default(),
        signups,
    }
}
