//! The connection pool.

use std::time::Duration;

use sqlx::{
    migrate::MigrateDatabase,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool, Postgres,
};

/// A pool that never holds the server hostage: it opens connections on demand, so the portal
/// serves again by itself as soon as PostgreSQL is back after a restart. With a statement
/// timeout, no statement holds a connection longer than that (a runaway query, or a client
/// made to hold one); PostgreSQL cancels it.
pub fn pool(url: &str, size: u32, statement_timeout: Option<Duration>) -> Result<PgPool, sqlx::Error> {
    let mut options: PgConnectOptions = url.parse()?;
    if let Some(timeout) = statement_timeout {
        options = options.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]);
    }
    Ok(PgPoolOptions::new()
        .max_connections(size)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(true)
        .connect_lazy_with(options))
}

/// Waits for the database at start-up (it may be starting next to us).
pub async fn wait_until_ready(pool: &PgPool, patience: Duration) -> Result<(), sqlx::Error> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match sqlx::query("select 1").execute(pool).await {
            Ok(_) => return Ok(()),
            Err(error) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(%error, "database not ready yet");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Creates the database named in `url` when it does not exist yet (a newcomer's first run).
pub async fn create_if_missing(url: &str) -> Result<(), sqlx::Error> {
    if !Postgres::database_exists(url).await? {
        Postgres::create_database(url).await?;
    }
    Ok(())
}

/// Drops and recreates the database named in `url`.
pub async fn recreate(url: &str) -> Result<(), sqlx::Error> {
    if Postgres::database_exists(url).await? {
        Postgres::force_drop_database(url).await?;
    }
    Postgres::create_database(url).await
}
