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
    let sent = browser.request_code("kuki@contoh.id").await;
    let cookie = sent.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"));
    assert!(!sent.location().unwrap().contains("kuki"), "no personal data in URLs");
}

/// A post carrying only these headers (besides the form's own).
fn bare_post(path: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn cross_site_form_posts_are_refused(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:3000")],
        // The scheme counts: the same host over another scheme is another origin.
        &[("origin", "https://127.0.0.1:3000")],
        &[("origin", "null")],
        // Says nothing of where it comes from.
        &[],
        &[("referer", "https://evil.example/http://127.0.0.1:3000/masuk")],
    ] {
        let response = browser
            .send(bare_post("/api/request-code", headers, "email=korban%40contoh.id"))
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(count(&pool, "select count(*) from outbox_messages").await, 0);

    // A browser or proxy that strips Origin still sends the page it came from.
    let referred = browser
        .send(bare_post(
            "/api/request-code",
            &[("referer", "http://127.0.0.1:3000/masuk"), ("accept", "text/html")],
            "email=sah%40contoh.id",
        ))
        .await;
    assert_eq!(referred.location(), Some("/masuk/kode"), "{}", referred.body);
    assert_eq!(count(&pool, "select count(*) from outbox_messages").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_in_change_without_origin_or_fetch_metadata_is_refused(pool: PgPool) {
    let mut browser = Browser::signed_in(pool.clone(), "asal@contoh.id").await;
    let sessions = count(&pool, "select count(*) from sessions where account_id is not null").await;
    let refused = browser.send(bare_post("/api/sign-out", &[], "")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&pool, "select count(*) from sessions where account_id is not null").await,
        sessions,
        "still signed in"
    );
    let page = browser.get("/daftar/identitas").await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.location());
}

#[sqlx::test(migrations = "../migrations")]
async fn refusals_from_server_functions_are_honest_statuses_without_an_error_log(pool: PgPool) {
    let (logs, _guard) = CapturedLogs::start();
    let mut browser = Browser::new(pool.clone(), wednesday_morning());

    // Over the body limit, with and without JavaScript: 413, and no incident logged.
    let huge = format!("email={}", "a".repeat(100 * 1024));
    for accept in ["application/json", "text/html"] {
        let response = browser
            .send(bare_post(
                "/api/request-code",
                &[("origin", ORIGIN), ("accept", accept)],
                &huge,
            ))
            .await;
        assert_eq!(
            response.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{accept}: {} {:?}",
            response.body,
            response.headers
        );
        assert!(response.location().is_none());
        // Without JavaScript the sentence itself; the WASM client reads the error and says it.
        let expected = if accept == "text/html" {
            app::error::AppError::PayloadTooLarge.to_string()
        } else {
            "\"PayloadTooLarge\"".to_owned()
        };
        assert_eq!(response.body, expected);
    }
    let from_wasm = [("origin", ORIGIN), ("accept", "application/json")];
    for (path, body, status) in [
        // A function that does not exist: 404 (leptos_axum alone says 400).
        ("/api/fungsi-yang-tidak-ada", "a=1", StatusCode::NOT_FOUND),
        // A body that is not the function's arguments: 400.
        ("/api/decide-verification", "%zz=%%", StatusCode::BAD_REQUEST),
    ] {
        let answer = browser.send(bare_post(path, &from_wasm, body)).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
    }

    // A verifier calling a program admin's function: 403; an applicant that is not there: 404.
    let mut verifier = signed_in_operator(&browser, "verif.status", app::operators::OperatorRole::Verifier).await;
    let nobody = uuid::Uuid::nil().to_string();
    let forbidden = verifier
        .post_from_wasm(
            "/api/grant-test-attempt",
            &[("applicant", &nobody), ("reason", "Alasan yang cukup")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{}", forbidden.body);
    assert!(
        forbidden.body.contains("Forbidden"),
        "the WASM client reads the error: {}",
        forbidden.body
    );
    let missing = verifier
        .post_from_wasm(
            "/api/decide-verification",
            &[("applicant", &nobody), ("decision", "terverifikasi")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);

    let logs = logs.text();
    assert!(!logs.contains("internal error"), "{logs}");
    // Refused access is logged, with the path and the status (ASVS 7.2.2).
    assert!(
        logs.lines().any(|line| line.contains("access refused")
            && line.contains("/api/grant-test-attempt")
            && line.contains("403")),
        "{logs}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_of_a_type_the_route_does_not_read_is_refused_with_415(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    let typed = |path: &str, content_type: &str, body: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    for (path, content_type, body) in [
        ("/api/request-code", "application/json", r#"{"email":"json@contoh.id"}"#),
        ("/api/request-code", "text/plain", "email=teks%40contoh.id"),
        (
            "/platform/v1/events",
            "application/x-www-form-urlencoded",
            "type=selesai",
        ),
        ("/platform/v1/events", "text/plain", "{}"),
    ] {
        let response = browser.send(typed(path, content_type, body)).await;
        assert_eq!(
            response.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path} {content_type}: {}",
            response.body
        );
    }
    assert_eq!(count(&pool, "select count(*) from outbox_messages").await, 0);
    let platform = browser.send(typed("/platform/v1/events", "text/plain", "{}")).await;
    assert!(
        platform.body.contains("\"error\":\"jenis-isi-tidak-didukung\""),
        "the platform API answers JSON: {}",
        platform.body
    );
    // The types each route reads pass, parameters and case aside; a post without a body needs none.
    let form = browser
        .send(typed(
            "/api/request-code",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            "email=sah%40contoh.id",
        ))
        .await;
    assert_eq!(form.location(), Some("/masuk/kode"), "{}", form.body);
    let empty = browser
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/sign-out")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ORIGIN, ORIGIN)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(empty.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", empty.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn codes_are_stored_hashed_and_lock_after_five_wrong_tries(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser.request_code("coba@contoh.id").await;
    let code = latest_code(&pool, "coba@contoh.id").await;
    let hash: Vec<u8> = sqlx::query_scalar("select code_hash from sign_in_challenges")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hash.len(), 32);
    assert!(!String::from_utf8_lossy(&hash).contains(&code));
    // The body is cleared once the message is sent; the subject stays, so it holds no code.
    let subject: String = sqlx::query_scalar("select subject from outbox_messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!subject.contains(&code), "{subject}");

    for left in (1..=4).rev() {
        assert!(wrong_code(&mut browser, &code)
            .await
            .contains(&format!("Sisa percobaan: {left}.")));
    }
    let wrong = if code == "000000" { "111111" } else { "000000" };
    browser.post_form("/api/verify-code", &[("code", wrong)]).await;
    let right = browser.post_form("/api/verify-code", &[("code", &code)]).await;
    assert_eq!(right.location(), Some("/masuk/kode"), "the right code no longer works");
    assert!(browser.get("/masuk/kode").await.body.contains("tidak berlaku lagi"));
}

#[sqlx::test(migrations = "../migrations")]
async fn codes_expire_after_ten_minutes(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    browser.request_code("lambat@contoh.id").await;
    let code = latest_code(&pool, "lambat@contoh.id").await;
    browser.clock.advance(chrono::Duration::minutes(10));
    assert!(enter_code(&mut browser, &code)
        .await
        .contains("Kode sudah tidak berlaku"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_code_at_most_once_a_minute_per_address(pool: PgPool) {
    let mut first = Browser::new(pool.clone(), wednesday_morning());
    first.request_code("sering@contoh.id").await;
    // The same address from another browser within the minute.
    let mut other = first.another();
    let refused = other.request_code("Sering@Contoh.id").await;
    assert_eq!(refused.location(), Some("/masuk"));
    let page = other.get("/masuk").await.body;
    assert!(page.contains("Kode untuk email ini baru saja dikirim"));
    assert!(page.contains("value=\"Sering@Contoh.id\""), "the typed address is kept");
    // Back on the first browser, asking again just leads to the code page.
    assert_eq!(
        first.request_code("sering@contoh.id").await.location(),
        Some("/masuk/kode")
    );
    assert_eq!(count(&pool, "select count(*) from sign_in_challenges").await, 1);

    first.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        other.request_code("sering@contoh.id").await.location(),
        Some("/masuk/kode")
    );
    assert_eq!(count(&pool, "select count(*) from sign_in_challenges").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn server_errors_show_a_generic_message_without_internals(pool: PgPool) {
    let mut browser = Browser::signed_in(pool.clone(), "rusak@contoh.id").await;
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
    browser.request_code("surat@contoh.id").await;
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

/// Posts `code` on the code page and returns what the code page then says.
async fn enter_code(browser: &mut Browser, code: &str) -> String {
    browser.post_form("/api/verify-code", &[("code", code)]).await;
    browser.get("/masuk/kode").await.body
}

/// Posts a wrong code (one that is not `right`) and returns what the code page then says.
async fn wrong_code(browser: &mut Browser, right: &str) -> String {
    enter_code(browser, if right == "000000" { "111111" } else { "000000" }).await
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_codes_are_counted_across_codes_then_the_address_is_locked_and_its_owner_told(pool: PgPool) {
    const EMAIL: &str = "sasaran@contoh.id";
    let mut attacker = Browser::new(pool.clone(), wednesday_morning());
    let mut code = String::new();
    // Two codes, five wrong guesses each: a new code every minute gives no new guesses.
    for round in 0..2 {
        if round > 0 {
            attacker.clock.advance(chrono::Duration::seconds(61));
        }
        let sent = attacker.request_code(EMAIL).await;
        assert_eq!(sent.location(), Some("/masuk/kode"), "round {round}");
        code = latest_code(&pool, EMAIL).await;
        for guess in 0..5 {
            let page = wrong_code(&mut attacker, &code).await;
            if round == 1 && guess == 4 {
                assert!(page.contains("dikunci sementara"), "{page}");
            }
        }
    }
    let told: String =
        sqlx::query_scalar("select subject from outbox_messages where recipient = $1 order by id desc limit 1")
            .bind(EMAIL)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(told.contains("dikunci"), "the owner is told: {told}");

    // Locked: a third code is not sent, and even the right code does not sign in.
    attacker.clock.advance(chrono::Duration::seconds(61));
    let mails = count(&pool, "select count(*) from outbox_messages").await;
    attacker.request_code(EMAIL).await;
    assert!(attacker.get("/masuk").await.body.contains("dikunci sementara"));
    assert_eq!(
        count(&pool, "select count(*) from outbox_messages").await,
        mails,
        "no new code sent"
    );
    let mut owner = attacker.another();
    owner.request_code(EMAIL).await;
    assert_eq!(count(&pool, "select count(*) from outbox_messages").await, mails);
    let right = attacker.post_form("/api/verify-code", &[("code", &code)]).await;
    assert_eq!(right.location(), Some("/masuk/kode"), "not signed in");
    assert_eq!(
        count(&pool, "select count(*) from sessions where account_id is not null").await,
        0
    );

    // After the hour, the owner signs in.
    owner.clock.advance(chrono::Duration::minutes(60));
    assert_eq!(owner.sign_in(EMAIL).await, "/daftar/identitas");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stranger_guessing_an_operator_password_locks_only_themselves_out(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut operator = signed_in_operator(&browser, "admin.kunci", app::operators::OperatorRole::ProgramAdmin).await;
    operator.post_form("/api/sign-out", &[]).await;
    let mut stranger = browser.another().seen_from("203.0.113.9");
    for _ in 0..10 {
        stranger
            .post_form(
                "/api/operator-sign-in",
                &[("username", "admin.kunci"), ("password", "tebakan yang salah sekali")],
            )
            .await;
    }
    let page = stranger.get("/operator/masuk").await.body;
    assert!(page.contains("Terlalu banyak percobaan masuk"), "{page}");
    // Even the right password from the guesser's address waits.
    let guessed = stranger
        .post_form(
            "/api/operator-sign-in",
            &[("username", "admin.kunci"), ("password", OPERATOR_PASSWORD)],
        )
        .await;
    assert_eq!(guessed.location(), Some("/operator/masuk"));
    // The operator, from another address, signs in.
    let mut own = browser.another().seen_from("2001:db8:7::1");
    let signed_in = own
        .post_form(
            "/api/operator-sign-in",
            &[("username", "admin.kunci"), ("password", OPERATOR_PASSWORD)],
        )
        .await;
    assert_eq!(
        signed_in.location(),
        Some("/operator/masuk/kode"),
        "on to the second factor: {}",
        signed_in.body
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_everywhere_ends_every_session_of_the_account(pool: PgPool) {
    let mut phone = Browser::signed_in(pool.clone(), "dua.perangkat@contoh.id").await;
    let mut laptop = phone.another();
    laptop.clock.advance(chrono::Duration::seconds(61));
    laptop.sign_in("dua.perangkat@contoh.id").await;
    let mut someone_else = phone.another();
    someone_else.sign_in("orang.lain@contoh.id").await;
    assert_eq!(laptop.get("/daftar/identitas").await.status, StatusCode::OK);

    let out = phone.post_form("/api/sign-out-everywhere", &[]).await;
    assert_eq!(out.location(), Some("/?keluar=semua"));
    for browser in [&mut phone, &mut laptop] {
        let page = browser.get("/daftar/identitas").await;
        assert_eq!(page.location(), Some("/masuk"), "signed out");
    }
    assert_eq!(
        someone_else.get("/daftar/identitas").await.status,
        StatusCode::OK,
        "other accounts stay signed in"
    );
}

/// Besides the absolute lifetime, a session unused for 30 minutes (applicants) or 15 minutes
/// (operators) has ended; using it keeps it alive.
#[sqlx::test(migrations = "../migrations")]
async fn idle_sessions_end_after_30_minutes_for_applicants_and_15_for_operators(pool: PgPool) {
    let mut applicant = Browser::signed_in(pool.clone(), "siti@contoh.id").await;
    for _ in 0..3 {
        applicant.clock.advance(chrono::Duration::minutes(29));
        let page = applicant.get("/daftar/identitas").await;
        assert_eq!(page.status, 200, "used within 30 minutes: still signed in");
    }
    applicant.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(applicant.get("/daftar/identitas").await.location(), Some("/masuk"));

    let mut operator = signed_in_operator(&applicant, "verifikator.diam", app::operators::OperatorRole::Verifier).await;
    operator.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(operator.get("/operator/verifikasi").await.status, 200);
    operator.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(operator.get("/operator/verifikasi").await.status, 200);
    operator.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        operator.get("/operator/verifikasi").await.location(),
        Some("/operator/masuk"),
        "16 minutes unused"
    );
}
