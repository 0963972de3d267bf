// The catalogue page's view type nests deeper than the default limit allows.
#![recursion_limit = "256"]
use std::{sync::Arc, time::Duration};

use clap::Parser;
use server::{
    cli::{Cli, Command},
    config::{Config, Environment},
    db, jobs, routes, seed,
};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Stack for each runtime thread of an unoptimised build (the dev demo's). Pages render on the
/// workers' stacks, and such a build needs several times a release build's frames: its waves
/// console passed tokio's default of 2 MiB. A release build keeps the default.
const UNOPTIMISED_WORKER_STACK_BYTES: usize = 8 << 20;

fn main() {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if cfg!(debug_assertions) {
        runtime.thread_stack_size(UNOPTIMISED_WORKER_STACK_BYTES);
    }
    let runtime = runtime.build().expect("the tokio runtime starts");
    runtime.block_on(serve_or_run_command());
}

async fn serve_or_run_command() {
    let cli = Cli::parse();
    // The simulators stand alone: they need no database and no portal configuration.
    if matches!(cli.command, Some(Command::Registry(_) | Command::Rail(_))) {
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
            .init();
        let outcome = match cli.command {
            Some(Command::Registry(command)) => server::cli::registry(command).await,
            Some(Command::Rail(command)) => server::cli::rail(command).await,
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            eprintln!("simulator: {error}");
            std::process::exit(1);
        }
        return;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            std::process::exit(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    match config.environment {
        Environment::Production => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        Environment::Development => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    if let Err(error) = run(cli, config).await {
        tracing::error!(%error, "failed");
        std::process::exit(1);
    }
}

async fn run(cli: Cli, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or(Command::Serve);
    config.refuse_unsafe_production(matches!(command, Command::Serve), matches!(command, Command::SeedDemo))?;
    if let Command::ResetDatabase { yes } = command {
        if !yes || config.environment != Environment::Development {
            return Err("reset-database needs --yes and PRAKERJA_ENV=development".into());
        }
        db::recreate(&config.database_url).await?;
        return Ok(());
    }
    if matches!(command, Command::Migrate | Command::SeedDemo | Command::Serve) {
        db::create_if_missing(&config.database_url).await?;
    }
    let statement_timeout = match command {
        Command::Serve => config.statement_timeout,
        _ => None,
    };
    let pool = db::pool(&config.database_url, config.database_pool_size, statement_timeout)?;
    db::wait_until_ready(&pool, Duration::from_secs(60)).await?;
    match command {
        Command::ResetDatabase { .. } => {} // done above, before connecting
        Command::Migrate => migrate(&pool).await?,
        Command::SeedDemo => {
            migrate(&pool).await?;
            seed::seed_demo(&pool, config.clock_start.unwrap_or_else(chrono::Utc::now)).await?;
            println!(
                "Demo data loaded: sign in as {} or {}; operators {} and {} (password {:?}) on /operator/masuk.",
                seed::REGISTERED_DEMO_EMAIL,
                seed::DRAFT_DEMO_EMAIL,
                seed::DEMO_OPERATORS[0].0,
                seed::DEMO_OPERATORS[1].0,
                seed::DEMO_OPERATOR_PASSWORD
            );
        }
        Command::Schedule(command) => server::cli::schedule(&pool, command).await?,
        Command::Exclusions(command) => server::cli::exclusions(&pool, command).await?,
        Command::Operator(command) => {
            let development = config.environment != server::config::Environment::Production;
            server::cli::operator(&pool, &config.secret, development, command).await?
        }
        Command::Wave(command) => server::cli::wave(&pool, command).await?,
        Command::Catalogue(command) => server::cli::catalogue(&pool, command).await?,
        Command::Card(command) => server::cli::card(&pool, command).await?,
        Command::Platform(command) => server::cli::platform(&pool, &config.platform_keys, command).await?,
        Command::Outbox { limit } => server::cli::print_outbox(&pool, limit).await?,
        Command::Registry(_) | Command::Rail(_) => {} // handled before the configuration is read
        Command::Verification(server::cli::VerificationCommand::Drain { workers, batch }) => {
            migrate(&pool).await?;
            let registry = Arc::new(server::registry(&config).await?);
            server::cli::drain_verifications(&pool, registry, workers, batch).await?;
        }
        Command::Incentive(command) => {
            migrate(&pool).await?;
            let rail = server::rail(&config).await?;
            server::cli::reconcile(&pool, &rail, command).await?;
        }
        Command::Verification(server::cli::VerificationCommand::QueueSynthetic { applicants }) => {
            if config.environment != Environment::Development {
                return Err("queue-synthetic writes made-up applicants: development databases only".into());
            }
            migrate(&pool).await?;
            server::synthetic::queue_for_verification(&pool, applicants, chrono::Utc::now()).await?;
        }
        Command::Serve => {
            migrate(&pool).await?;
            let mailer = Arc::new(jobs::Mailer::from_config(
                config.smtp_url.as_deref(),
                &config.mail_from,
            )?);
            let registry = Arc::new(server::registry(&config).await?);
            let rail = Arc::new(server::rail(&config).await?);
            let mut state = server::state(&config, pool);
            // The participant's page asks the rail for an account holder's name.
            state.services = state.services.clone().with(rail.clone());
            if let Some(url) = &config.database_read_url {
                let standby = db::pool(url, config.database_read_pool_size, statement_timeout)?;
                state.services = state.services.clone().with(Arc::new(app::state::StandbyPool(standby)));
                tracing::info!("pages that may be slightly stale read the standby");
            }
            let options = config.router_options();
            jobs::spawn(state.clone(), mailer, options.published.clone(), registry, rail);
            let router = routes::router(state, options);
            let listener = server::serve::listen(config.addr)?;
            tracing::info!("listening on http://{}", config.addr);
            server::serve::serve(listener, router, config.connections.clone(), shutdown_signal()).await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The schema, then the test's question bank (idempotent: questions are keyed by code).
async fn migrate(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    app::MIGRATOR.run(pool).await.map_err(|error| match error {
        // The history before the first release was consolidated on 2026-12-03: a database made
        // by an earlier build has migrations this one no longer has.
        sqlx::migrate::MigrateError::VersionMissing(_) | sqlx::migrate::MigrateError::VersionMismatch(_) => format!(
            "{error}: this database was made by a build from before 2026-12-03, whose migrations \
             were consolidated since; recreate it (`prakerja reset-database --yes`, then `prakerja migrate`)"
        )
        .into(),
        other => Box::<dyn std::error::Error>::from(other),
    })?;
    let added = app::assessment::db::load_bank(pool).await?;
    if added > 0 {
        tracing::info!(added, "test questions loaded");
    }
    Ok(())
}
