//! Every fixed address in `app::paths` is one of the router's routes: the router's `path!`
//! literals and the constants the features link with cannot drift apart.

mod support;

use axum::http::StatusCode;
use sqlx::PgPool;
use support::*;

#[sqlx::test(migrations = "../migrations")]
async fn every_fixed_address_is_served(pool: PgPool) {
    let signup_steps = app::signup::SignupStep::ALL.map(|step| step.path());
    let addresses = app::paths::FIXED_PAGES
        .iter()
        .map(|path| path.to_string())
        .chain(signup_steps);
    for path in addresses {
        // A fresh browser each time: signed out, so a page behind a sign-in redirects to it
        // (or answers 401/403), which is fine; only "not found" is not.
        let mut browser = Browser::new(pool.clone(), wednesday_morning());
        let answer = browser.get(&path).await;
        assert_ne!(answer.status, StatusCode::NOT_FOUND, "{path} is not a route");
    }
    // And an address that is not one is "not found", so the check above can fail.
    let mut browser = Browser::new(pool, wednesday_morning());
    assert_eq!(browser.get("/daftar/tidak-ada").await.status, StatusCode::NOT_FOUND);
}
