//! The platforms' API over HTTP: signed events take a purchase from start to certificate; a
//! resent event changes nothing; unsigned, stale, foreign and out-of-order events are refused
//! with their status codes.

mod support;

use app::completion::{api, db, EVENTS_PATH, KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use axum::{
    body::Body,
    http::{header, Request},
};
use sqlx::PgPool;
use support::*;

/// Rina (the demo's participant) buys a training; returns her browser (its clock at noon, two
/// hours after buying), the voucher and the platform.
async fn purchase(pool: &PgPool) -> (Browser, String, String) {
    server::seed::seed_demo(pool, wednesday_morning()).await.unwrap();
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
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
    (browser, voucher, platform)
}

/// A platform with a key, sending signed requests at the test clock's time.
struct Platform {
    key: String,
    secret: String,
}

impl Platform {
    async fn new(pool: &PgPool, code: &str) -> Platform {
        let key = db::create_key(pool, code, "cli:uji", wednesday_morning())
            .await
            .unwrap()
            .unwrap();
        let secret = api::platform_secret(&app::state::Settings::for_tests().secret, &key);
        Platform { key, secret }
    }

    async fn send_at(&self, browser: &mut Browser, body: &str, timestamp: i64) -> (u16, serde_json::Value) {
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

    async fn send(&self, browser: &mut Browser, body: &str) -> (u16, serde_json::Value) {
        let now = app::state::Clock::now(&*browser.clock).timestamp();
        self.send_at(browser, body, now).await
    }
}

fn event(id: &str, voucher: &str, kind: &str, percent: Option<i64>, at: &str) -> String {
    let mut body = serde_json::json!({
        "event_id": id, "voucher": voucher, "type": kind, "occurred_at": format!("2026-12-02T{at}:00+07:00"),
    });
    if let Some(percent) = percent {
        body["progress_percent"] = percent.into();
    }
    body.to_string()
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_events_take_a_purchase_from_start_to_one_certificate(pool: PgPool) {
    let (mut browser, voucher, platform_code) = purchase(&pool).await;
    let platform = Platform::new(&pool, &platform_code).await;

    let (status, started) = platform
        .send(&mut browser, &event("e1", &voucher, "mulai", None, "10:30"))
        .await;
    assert_eq!((status, &started["status"]), (200, &"dicatat".into()), "{started}");
    let (status, half) = platform
        .send(&mut browser, &event("e2", &voucher, "kemajuan", Some(50), "11:00"))
        .await;
    assert_eq!((status, half["progress_percent"].as_i64()), (200, Some(50)));
    let completion = event("e3", &voucher, "selesai", None, "11:30");
    let (status, done) = platform.send(&mut browser, &completion).await;
    assert_eq!(status, 200, "{done}");
    let certificate = done["certificate_url"].as_str().unwrap().to_owned();
    assert!(certificate.starts_with("/sertifikat/"), "{certificate}");

    // The completion resent (its response was lost), signed again a minute later: nothing changes.
    browser.clock.advance(chrono::Duration::minutes(1));
    let (status, again) = platform.send(&mut browser, &completion).await;
    assert_eq!((status, &again["status"]), (200, &"sudah-dicatat".into()));
    assert_eq!(again["certificate_url"].as_str(), Some(certificate.as_str()));
    assert_eq!(count(&pool, "select count(*) from certificates").await, 1);
    assert_eq!(count(&pool, "select count(*) from platform_events").await, 3);

    // A second completion under a new id, or the old id with another body, is refused.
    let (status, twice) = platform
        .send(&mut browser, &event("e4", &voucher, "selesai", None, "11:45"))
        .await;
    assert_eq!((status, &twice["error"]), (409, &"sudah-selesai".into()));
    let (status, reused) = platform
        .send(&mut browser, &event("e2", &voucher, "kemajuan", Some(60), "11:00"))
        .await;
    assert_eq!((status, &reused["error"]), (409, &"event-id-bentrok".into()));
    let row: (i16, bool) = sqlx::query_as("select progress_percent, completed_at is not null from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row, (100, true));

    // Rina sees it completed, with the certificate, among her purchases.
    let purchases = browser.get("/pembelian").await;
    assert!(
        purchases.body.contains(&format!("href=\"{certificate}\"")),
        "{}",
        purchases.body
    );

    // Her certificate to print: her full name, and a QR code of the verification page.
    let print_path = app::completion::certificate::print_path(certificate.trim_start_matches("/sertifikat/"));
    let printable = browser.get(&print_path).await;
    assert_eq!(printable.status.as_u16(), 200);
    assert!(printable.body.contains("Rina Wulandari"), "{}", printable.body);
    assert!(printable.body.contains("<svg"), "a QR code");
    assert!(printable.body.contains(&format!("http://127.0.0.1:3000{certificate}")));
    let stranger = browser.another().get(&print_path).await;
    assert!(
        !stranger.body.contains("Rina Wulandari"),
        "only its holder sees the full name"
    );

    // Anyone can check the certificate: valid, the holder's name partly masked, the training.
    let page = browser.another().get(&certificate).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.body.contains("Sertifikat ini sah."), "{}", page.body);
    assert!(page.body.contains("Ri**"), "{}", page.body);
    assert!(!page.body.contains("Rina"), "the name is masked");
    sqlx::query("update certificates set revoked_at = now(), revoked_reason = 'Penyelesaian tidak sah'")
        .execute(&pool)
        .await
        .unwrap();
    let revoked = browser.another().get(&certificate).await;
    assert!(revoked.body.contains("dicabut"), "{}", revoked.body);
    let unknown = browser.another().get("/sertifikat/AAAA-AAAA-AAAA-AAAA-AAAA").await;
    assert!(!unknown.body.contains("Sertifikat ini sah."));
}

#[sqlx::test(migrations = "../migrations")]
async fn two_copies_of_a_completion_at_once_give_one_certificate(pool: PgPool) {
    let (mut browser, voucher, platform_code) = purchase(&pool).await;
    let platform = Platform::new(&pool, &platform_code).await;
    platform
        .send(&mut browser, &event("s", &voucher, "mulai", None, "10:30"))
        .await;
    let completion = event("c", &voucher, "selesai", None, "11:30");
    let mut other = browser.another();
    let (first, second) = tokio::join!(
        platform.send(&mut browser, &completion),
        platform.send(&mut other, &completion)
    );
    assert_eq!((first.0, second.0), (200, 200));
    assert_eq!(first.1["certificate_url"], second.1["certificate_url"]);
    assert_eq!(count(&pool, "select count(*) from certificates").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn unsigned_stale_foreign_and_out_of_order_events_are_refused(pool: PgPool) {
    let (mut browser, voucher, platform_code) = purchase(&pool).await;
    let platform = Platform::new(&pool, &platform_code).await;
    let other_code = if platform_code == "sisnaker" {
        "pintaria"
    } else {
        "sisnaker"
    };
    let other_platform = Platform::new(&pool, other_code).await;
    let start = event("s1", &voucher, "mulai", None, "10:30");
    let now = wib("2026-12-02 12:00:00").timestamp();

    // A bad signature, a missing one, a key that is not the platform's.
    let forged = Platform {
        key: platform.key.clone(),
        secret: "bukan rahasianya".into(),
    };
    let (status, refused) = forged.send(&mut browser, &start).await;
    assert_eq!((status, &refused["error"]), (401, &"tanda-tangan-tidak-sah".into()));
    let unsigned = browser
        .send(
            Request::post(EVENTS_PATH)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(start.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(unsigned.status.as_u16(), 401);

    // A timestamp past the five-minute window either way (a replay of an old request).
    let (status, stale) = platform.send_at(&mut browser, &start, now - 301).await;
    assert_eq!((status, &stale["error"]), (401, &"stempel-waktu-kedaluwarsa".into()));
    let (status, _) = platform.send_at(&mut browser, &start, now + 301).await;
    assert_eq!(status, 401);
    assert_eq!(count(&pool, "select count(*) from platform_events").await, 0);

    // Unknown voucher, another platform's voucher, a field that does not parse.
    let (status, unknown) = platform
        .send(&mut browser, &event("u", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "mulai", None, "10:30"))
        .await;
    assert_eq!((status, &unknown["error"]), (404, &"voucher-tidak-dikenal".into()));
    let (status, foreign) = other_platform.send(&mut browser, &start).await;
    assert_eq!((status, &foreign["error"]), (403, &"voucher-platform-lain".into()));
    let (status, invalid) = platform
        .send(&mut browser, &event("p", &voucher, "kemajuan", Some(140), "10:30"))
        .await;
    assert_eq!((status, &invalid["field"]), (422, &"progress_percent".into()));

    // Completion before the start was reported, then completion dated before the start.
    let (status, early) = platform
        .send(&mut browser, &event("c1", &voucher, "selesai", None, "11:00"))
        .await;
    assert_eq!((status, &early["error"]), (409, &"belum-dimulai".into()));
    assert_eq!(platform.send(&mut browser, &start).await.0, 200);
    let (status, backwards) = platform
        .send(&mut browser, &event("c2", &voucher, "selesai", None, "10:15"))
        .await;
    assert_eq!((status, &backwards["error"]), (409, &"selesai-sebelum-mulai".into()));
    assert_eq!(count(&pool, "select count(*) from certificates").await, 0);

    // A revoked key signs nothing any more.
    assert!(db::revoke_key(&pool, &platform.key, "cli:uji", wednesday_morning())
        .await
        .unwrap());
    let (status, _) = platform
        .send(&mut browser, &event("c3", &voucher, "selesai", None, "11:30"))
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action like 'platform_keys.%'"
        )
        .await,
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_is_described_by_its_openapi_document(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    let document = browser.get(app::completion::OPENAPI_PATH).await;
    assert_eq!(document.status.as_u16(), 200);
    let parsed: serde_json::Value = serde_json::from_str(&document.body).unwrap();
    assert_eq!(parsed["openapi"], "3.1.0");
    assert!(parsed["paths"][EVENTS_PATH]["post"]["responses"]["409"].is_object());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_simulator_completes_a_training_over_real_http(pool: PgPool) {
    let (_, voucher, platform_code) = purchase(&pool).await;
    let platform = Platform::new(&pool, &platform_code).await;
    // A real server on a real socket, on the real clock (the simulator signs with it).
    let state = app::state::AppState {
        leptos_options: leptos::prelude::LeptosOptions::builder()
            .output_name("prakerja")
            .site_root("target/site")
            .build(),
        pool: pool.clone(),
        clock: std::sync::Arc::new(app::state::SystemClock),
        settings: std::sync::Arc::new(app::state::Settings::for_tests()),
        schedule: Default::default(),
        signups: app::signup::queue::SignupQueue::start(pool.clone(), 1, 8),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = server::routes::router(state, Default::default());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let answers = server::http_client::simulate_platform(
        &format!("http://{address}"),
        &platform.key,
        &platform.secret,
        &voucher,
        true,
    )
    .await
    .unwrap();
    let statuses: Vec<(&str, u16)> = answers.iter().map(|(kind, status, _)| (*kind, *status)).collect();
    assert_eq!(
        statuses,
        [("mulai", 200), ("kemajuan", 200), ("selesai", 200)],
        "{answers:?}"
    );
    assert!(answers[2].2.contains("/sertifikat/"), "{}", answers[2].2);
    assert_eq!(count(&pool, "select count(*) from certificates").await, 1);

    // A wrong secret is refused over the wire too, and the simulator stops there.
    let refused =
        server::http_client::simulate_platform(&format!("http://{address}"), &platform.key, "salah", &voucher, true)
            .await
            .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].1, 401);
}
