//! Sign-in codes, sessions, CSRF, headers and error handling over HTTP.

mod support;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use sqlx::PgPool;
use support::*;

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_security_headers_and_a_nonce_for_every_inline_script(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    let page = browser.get("/").await;
    let csp = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    let scripts: Vec<&str> = page
        .body
        .split("<script")
        .skip(1)
        .map(|tag| &tag[..tag.find('>').unwrap()])
        .collect();
    assert!(scripts.len() >= 2, "the hydration script and the resource data");
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the nonce: <script{tag}>"
        );
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(page.headers.get(name).unwrap(), value, "{name}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_cookie_is_http_only_and_same_site(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    let sent = browser
        .post_form("/api/request-code", &[("email", "kuki@contoh.id")])
        .await;
    let cookie = sent.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"));
    assert!(!sent.location().unwrap().contains("kuki"), "no personal data in URLs");
}

#[sqlx::test(migrations = "../migrations")]
async fn cross_site_form_posts_are_refused(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let response = browser
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/api/request-code")
                    .header(header::HOST, "127.0.0.1:3000")
                    .header(name, value)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("email=korban%40contoh.id"))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{name}");
    }
    assert_eq!(count(&pool, "select count(*) from outbox_messages").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn codes_are_stored_hashed_and_lock_after_five_wrong_tries(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser
        .post_form("/api/request-code", &[("email", "coba@contoh.id")])
        .await;
    let code = latest_code(&pool, "coba@contoh.id").await;
    let hash: Vec<u8> = sqlx::query_scalar("select code_hash from sign_in_challenges")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hash.len(), 32);
    assert!(!String::from_utf8_lossy(&hash).contains(&code));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        browser.post_form("/api/verify-code", &[("code", wrong)]).await;
        assert!(browser
            .get("/masuk/kode")
            .await
            .body
            .contains(&format!("Sisa percobaan: {left}.")));
    }
    browser.post_form("/api/verify-code", &[("code", wrong)]).await;
    let right = browser.post_form("/api/verify-code", &[("code", &code)]).await;
    assert_eq!(right.location(), Some("/masuk/kode"), "the right code no longer works");
    assert!(browser.get("/masuk/kode").await.body.contains("tidak berlaku lagi"));
}

#[sqlx::test(migrations = "../migrations")]
async fn codes_expire_after_fifteen_minutes(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser
        .post_form("/api/request-code", &[("email", "lambat@contoh.id")])
        .await;
    let code = latest_code(&pool, "lambat@contoh.id").await;
    browser.clock.advance(chrono::Duration::minutes(15));
    browser.post_form("/api/verify-code", &[("code", &code)]).await;
    assert!(browser
        .get("/masuk/kode")
        .await
        .body
        .contains("Kode sudah tidak berlaku"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_code_at_most_once_a_minute_per_address(pool: PgPool) {
    let mut first = Browser::new(pool.clone(), wednesday_morning());
    first
        .post_form("/api/request-code", &[("email", "sering@contoh.id")])
        .await;
    // The same address from another browser within the minute.
    let mut other = first.another();
    let refused = other
        .post_form("/api/request-code", &[("email", "Sering@Contoh.id")])
        .await;
    assert_eq!(refused.location(), Some("/masuk"));
    let page = other.get("/masuk").await.body;
    assert!(page.contains("Kode untuk email ini baru saja dikirim"));
    assert!(page.contains("value=\"Sering@Contoh.id\""), "the typed address is kept");
    // Back on the first browser, asking again just leads to the code page.
    assert_eq!(
        first
            .post_form("/api/request-code", &[("email", "sering@contoh.id")])
            .await
            .location(),
        Some("/masuk/kode")
    );
    assert_eq!(count(&pool, "select count(*) from sign_in_challenges").await, 1);

    first.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        other
            .post_form("/api/request-code", &[("email", "sering@contoh.id")])
            .await
            .location(),
        Some("/masuk/kode")
    );
    assert_eq!(count(&pool, "select count(*) from sign_in_challenges").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn server_errors_show_a_generic_message_without_internals(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser.sign_in("rusak@contoh.id").await;
    sqlx::query("drop table signup_drafts").execute(&pool).await.unwrap();

    // The WASM client gets the error as data, and shows its Indonesian message.
    let answer = browser
        .post_from_wasm("/api/signup-save-step", &pairs(&identity(NIK, KK)))
        .await;
    assert!(answer.status.is_server_error(), "{}", answer.status);
    let error: app::error::AppError = serde_json::from_str(&answer.body).unwrap();
    assert!(matches!(error, app::error::AppError::Internal { .. }));
    assert!(error.to_string().starts_with("Terjadi kesalahan pada server"));

    // Without JavaScript the same message is shown on the form.
    let plain = browser
        .post_form("/api/signup-save-step", &pairs(&identity(NIK, KK)))
        .await;
    assert_eq!(plain.location(), Some("/daftar/identitas"));
    let page = browser.get("/daftar/identitas").await.body;
    assert!(page.contains("Terjadi kesalahan pada server") && page.contains("Kode kejadian"));

    for body in [&answer.body, &page] {
        assert!(
            !body.contains("signup_drafts") && !body.contains("relation") && !body.contains("sqlx"),
            "{body}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_health_check_reports_the_database(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    let response = browser
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_development_mailbox_exists_only_when_enabled(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    browser
        .post_form("/api/request-code", &[("email", "surat@contoh.id")])
        .await;
    assert!(browser.get("/dev/surat").await.body.contains("surat@contoh.id"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_shared_device_is_remembered_and_marked_on_every_page(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    let plain = browser.get("/").await;
    assert!(plain.headers.get("x-prakerja-shared-device").is_none());
    assert!(!plain.body.contains("data-shared-device=\"true\""));

    browser
        .post_form(
            "/api/request-code",
            &[("email", "warnet@contoh.id"), ("shared_device", "ya")],
        )
        .await;
    let code = latest_code(&pool, "warnet@contoh.id").await;
    browser.post_form("/api/verify-code", &[("code", &code)]).await;
    let page = browser.get("/daftar/identitas").await;
    assert_eq!(
        page.headers.get("x-prakerja-shared-device").unwrap(),
        "1",
        "the service worker keeps no copy"
    );
    assert!(
        page.body.contains("data-shared-device=\"true\""),
        "the browser keeps no draft"
    );
}
