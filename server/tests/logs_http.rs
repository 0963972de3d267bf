//! No personal data (NIK, phone, email) in the logs, even at debug level, through a whole signup.

mod support;

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_whole_signup_logs_no_nik_phone_or_email(pool: PgPool) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser.sign_in("rahasia@contoh.id").await;
    for step in [identity(NIK, KK), contact(), background()] {
        browser.post_form("/api/signup-save-step", &pairs(&step)).await;
    }
    // A wrong step too: errors must not echo values into the logs.
    browser
        .post_form("/api/signup-save-step", &pairs(&identity("3201015708950099", KK)))
        .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.len() > 100, "the capture works: {logs}");
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
