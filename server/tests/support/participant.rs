//! A participant on the way to the incentive: Rina (the demo's participant) buys a training,
//! its platform reports it started and finished, and she reviews it.

use app::{
    completion::{api, db, KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER},
    paths::EVENTS_PATH,
};
use axum::{
    body::Body,
    http::{header, Request},
};
use sqlx::PgPool;

use super::{hidden_fields, wednesday_morning, wib, Browser};

/// Rina (the demo's participant) buys a training; returns her browser (its clock at noon, two
/// hours after buying), the voucher and the platform.
pub async fn purchase(pool: &PgPool) -> (Browser, String, String) {
    purchase_on(pool, app::state::Settings::for_tests()).await
}

/// The same on a server with these settings.
pub async fn purchase_on(pool: &PgPool, settings: app::state::Settings) -> (Browser, String, String) {
    server::seed::seed_demo(pool, wednesday_morning()).await.unwrap();
    let mut browser = Browser::with_settings(pool.clone(), wednesday_morning(), settings);
    browser.sign_in("rina@contoh.id").await;
    let page = browser
        .get("/pelatihan?kategori=barista&urut=harga&dalam_saldo=1")
        .await;
    let fields = hidden_fields(&page.body);
    let form: Vec<(&str, &str)> = fields[..2].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bought = browser.post_form("/api/buy-training", &form).await;
    assert_eq!(bought.location(), Some("/pembelian"), "{}", bought.body);
    let (voucher, platform): (String, String) = sqlx::query_as(
        "select p.voucher_code, t.platform_code from purchases p join trainings t on t.id = p.training_id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    browser.clock.set(wib("2026-12-02 12:00:00"));
    // Back after two hours: the idle session ended, so she signs in again.
    browser.sign_in("rina@contoh.id").await;
    (browser, voucher, platform)
}

/// A platform with a key, sending signed requests at the test clock's time.
pub struct Platform {
    pub key: String,
    pub secret: String,
}

impl Platform {
    pub async fn new(pool: &PgPool, code: &str) -> Platform {
        let key = db::create_key(pool, code, 1, "cli:uji", wednesday_morning())
            .await
            .unwrap()
            .unwrap();
        let secret = app::state::Settings::for_tests()
            .platform_keys
            .key_secret(1, &key)
            .unwrap();
        Platform { key, secret }
    }

    pub async fn send_at(&self, browser: &mut Browser, body: &str, timestamp: i64) -> (u16, serde_json::Value) {
        let timestamp = timestamp.to_string();
        let request = Request::post(EVENTS_PATH)
            .header(header::CONTENT_TYPE, "application/json")
            .header(KEY_HEADER, &self.key)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(
                SIGNATURE_HEADER,
                api::signature(&self.secret, &timestamp, body.as_bytes()),
            )
            .body(Body::from(body.to_owned()))
            .unwrap();
        let response = browser.send(request).await;
        (
            response.status.as_u16(),
            serde_json::from_str(&response.body).unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn send(&self, browser: &mut Browser, body: &str) -> (u16, serde_json::Value) {
        let now = app::state::Clock::now(&*browser.clock).timestamp();
        self.send_at(browser, body, now).await
    }
}

pub fn event(id: &str, voucher: &str, kind: &str, percent: Option<i64>, at: &str) -> String {
    let mut body = serde_json::json!({
        "event_id": id, "voucher": voucher, "type": kind, "occurred_at": format!("2026-12-02T{at}:00+07:00"),
    });
    if let Some(percent) = percent {
        body["progress_percent"] = percent.into();
    }
    body.to_string()
}

/// Rina's purchase, started and finished on its platform; returns her browser, the purchase id
/// and the training's id.
pub async fn finished_training(pool: &PgPool) -> (Browser, uuid::Uuid, i32) {
    let (mut browser, voucher, platform_code) = purchase(pool).await;
    let platform = Platform::new(pool, &platform_code).await;
    for (id, kind, at) in [("s", "mulai", "10:30"), ("c", "selesai", "11:30")] {
        let (status, answer) = platform.send(&mut browser, &event(id, &voucher, kind, None, at)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let (purchase, training): (uuid::Uuid, i32) = sqlx::query_as("select id, training_id from purchases")
        .fetch_one(pool)
        .await
        .unwrap();
    (browser, purchase, training)
}

/// A finished training, reviewed (the incentive is scheduled); Rina's browser.
pub async fn reviewed_training(pool: &PgPool) -> Browser {
    let (mut browser, purchase, _) = finished_training(pool).await;
    let written = browser
        .post_form(
            "/api/write-review",
            &review_form(&purchase.to_string(), "4", "4", REVIEW_TEXT),
        )
        .await;
    assert!(written.location().is_some(), "{}", written.body);
    browser
}

pub const REVIEW_TEXT: &str = "Materinya runtut, praktik espresso sangat membantu saya memulai usaha.";

pub fn review_form<'a>(
    purchase: &'a str,
    training: &'a str,
    service: &'a str,
    body: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("purchase", purchase),
        ("review[training_stars]", training),
        ("review[service_stars]", service),
        ("review[body]", body),
    ]
}
