//! No personal data (NIK, phone, email) in the logs, even at debug level, through a whole signup.

mod support;

use sqlx::PgPool;
use support::*;

#[sqlx::test(migrations = "../migrations")]
async fn a_whole_signup_logs_no_nik_phone_or_email(pool: PgPool) {
    let (captured, _guard) = CapturedLogs::start();

    let mut browser = Browser::signed_in(pool.clone(), "rahasia@contoh.id").await;
    for step in [identity(NIK, KK), contact(), background()] {
        browser.post_form("/api/signup-save-step", &pairs(&step)).await;
    }
    // A wrong step too: errors must not echo values into the logs.
    browser
        .post_form("/api/signup-save-step", &pairs(&identity("3201015708950099", KK)))
        .await;

    let logs = captured.text();
    assert!(logs.len() > 100, "the capture works: {logs}");
    // The sign-in decision is logged, by the challenge and not the address.
    assert!(
        logs.lines()
            .any(|line| line.contains("sign-in code checked") && line.contains("accepted")),
        "{logs}"
    );
    for secret in [
        NIK,
        "3201015708950099",
        KK,
        "081234567890",
        "6281234567890",
        "0812-3456-7890",
        "rahasia@contoh.id",
    ] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}
