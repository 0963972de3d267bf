//! The signup over HTTP, without JavaScript (plain form posts and redirects) and as the WASM
//! client calls it.

mod support;

use axum::http::StatusCode;
use sqlx::PgPool;
use support::*;

#[sqlx::test(migrations = "../migrations")]
async fn signup_without_javascript_from_email_code_to_dashboard(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    assert!(browser.get("/").await.body.contains("Pendaftaran sedang dibuka"));
    assert_eq!(browser.sign_in("siti@contoh.id").await, "/daftar/identitas");
    browser.fill_signup(NIK, KK).await;

    let check = browser.get("/daftar/periksa").await;
    assert!(check.body.contains("Periksa jawaban Anda"));
    assert!(
        check.body.contains("href=\"/daftar/identitas#nik\""),
        "each answer has a change link"
    );

    let refused = browser.submit_signup_to(false, "/daftar/periksa").await;
    assert!(refused.contains("Centang pernyataan ini"));

    let dashboard = browser.submit_signup_to(true, "/dasbor?baru=1").await;
    assert!(dashboard.contains("Pendaftaran berhasil"));
    let reference: String = sqlx::query_scalar("select reference from applicants")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(dashboard.contains(&reference));
    assert!(dashboard.contains("3201********0003"), "the NIK is shown masked");
    assert!(!dashboard.contains(NIK));

    let stored: (String, String, Vec<String>) = sqlx::query_as("select mobile, kk, interests from applicants")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        (
            "+6281234567890".into(),
            KK.into(),
            vec!["barista".into(), "menjahit".into()]
        )
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_field_is_shown_next_to_it_and_the_other_answers_are_kept(pool: PgPool) {
    let mut browser = Browser::signed_in(pool, "budi@contoh.id").await;
    let mut step = identity("3201015708950003", KK);
    step[4].1 = "1995-08-18".into(); // disagrees with the NIK
    step[3].1 = "Siti R4hmawati".into();
    // Back to the same step.
    let page = browser
        .submit("/api/signup-save-step", &pairs(&step), "/daftar/identitas")
        .await;
    assert!(page.contains("Tanggal lahir tidak sesuai dengan NIK"));
    assert!(page.contains("Nama hanya boleh berisi huruf"));
    assert!(page.contains("href=\"#birth_date\""), "the summary links to the field");
    assert!(page.contains("value=\"3201015708950003\""), "the NIK is kept");
    assert!(
        page.contains("value=\"Siti R4hmawati\""),
        "even the wrong value is kept as typed"
    );
    assert!(page.contains("aria-invalid=\"true\""));
    // The errors are shown once: a reload shows the form without them.
    assert!(!browser
        .get("/daftar/identitas")
        .await
        .body
        .contains("Tanggal lahir tidak sesuai"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_registered_nik_is_refused_with_a_clear_message(pool: PgPool) {
    let mut first = Browser::signed_in(pool.clone(), "pertama@contoh.id").await;
    first.register(NIK, KK).await;

    let mut second = first.another();
    second.sign_in("kedua@contoh.id").await;
    let page = second.signup_refused(NIK, KK).await;
    assert!(page.contains("NIK ini sudah terdaftar"));
    assert!(page.contains("href=\"/daftar/identitas#nik\""));
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn after_five_refusals_for_a_taken_nik_the_refusal_no_longer_says_so(pool: PgPool) {
    let mut owner = Browser::signed_in(pool.clone(), "pemilik@contoh.id").await;
    owner.register(NIK, KK).await;

    // Someone holding the owner's NIK tries it again and again (20 submits).
    let mut script = owner.another().seen_from("198.51.100.7");
    script.sign_in("penebak@contoh.id").await;
    script.fill_signup(NIK, KK).await;
    let mut told = 0;
    for _ in 0..20 {
        script.submit_signup(true).await;
        let page = script.get("/daftar/periksa").await.body;
        if page.contains("NIK ini sudah terdaftar") {
            told += 1;
        } else {
            assert!(page.contains("terlalu banyak percobaan"), "{page}");
        }
    }
    assert_eq!(told, 5, "the budget per account");

    // Another account from the same address has the address's budget left; its own refusals
    // count against both.
    let mut other = owner.another().seen_from("198.51.100.7");
    other.sign_in("lain@contoh.id").await;
    other.fill_signup(NIK, KK).await;
    other.submit_signup(true).await;
    assert!(other
        .get("/daftar/periksa")
        .await
        .body
        .contains("NIK ini sudah terdaftar"));
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn outside_the_window_a_submit_is_refused_and_the_input_kept(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), saturday_morning());
    let home = browser.get("/").await.body;
    assert!(home.contains("Pendaftaran sedang ditutup"));
    assert!(home.contains("Senin, 7 Desember 2026 pukul 08.00 WIB"));
    browser.sign_in("sabtu@contoh.id").await;
    let page = browser.signup_refused(NIK, KK).await;
    assert!(page.contains("Pendaftaran sedang ditutup, jadi data Anda belum dikirim"));
    assert!(
        page.contains("value=\"3201015708950003\""),
        "the answers are still there"
    );
    assert!(
        page.contains("name=\"declaration\" value=\"ya\" checked"),
        "the ticked declaration too"
    );
    assert_eq!(count(&pool, "select count(*) from applicants").await, 0);

    // On Monday at 08:00 WIB the session has long expired: signing in again finds the same
    // answers, and they go through.
    browser.clock.set(wib("2026-12-07 08:00:00"));
    assert_eq!(browser.get("/daftar/periksa").await.location(), Some("/masuk"));
    assert_eq!(browser.sign_in("sabtu@contoh.id").await, "/daftar/periksa");
    assert_eq!(browser.submit_signup(true).await.location(), Some("/dasbor?baru=1"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_wasm_client_receives_errors_as_data(pool: PgPool) {
    let mut browser = Browser::signed_in(pool, "wasm@contoh.id").await;
    let mut step = identity("123", KK);
    step.truncate(2);
    let answer = browser.post_from_wasm("/api/signup-save-step", &pairs(&step)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.location().is_none(),
        "no redirect: the page shows the errors itself"
    );
    let value: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(value["Invalid"][0]["field"], "nik");
    assert_eq!(value["Invalid"][0]["message"], "NIK harus terdiri dari 16 angka.");
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_out_visitors_are_sent_to_sign_in_and_brought_back(pool: PgPool) {
    let mut browser = Browser::new(pool, wednesday_morning());
    let page = browser.get("/daftar/alamat-kontak").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location(), Some("/masuk"));
    assert_eq!(browser.sign_in("kembali@contoh.id").await, "/daftar/alamat-kontak");
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_out_ends_the_session(pool: PgPool) {
    let mut browser = Browser::signed_in(pool.clone(), "keluar@contoh.id").await;
    assert_eq!(
        count(&pool, "select count(*) from sessions where account_id is not null").await,
        1
    );
    let out = browser.post_form("/api/sign-out", &[]).await;
    assert_eq!(out.location(), Some("/?keluar=1"));
    assert_eq!(
        count(&pool, "select count(*) from sessions where account_id is not null").await,
        0
    );
    assert_eq!(browser.get("/dasbor").await.location(), Some("/masuk"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_step_posted_after_the_session_expired_survives_signing_in_again(pool: PgPool) {
    let mut browser = Browser::signed_in(pool, "lupa@contoh.id").await;
    browser
        .post_form("/api/signup-save-step", &pairs(&identity(NIK, KK)))
        .await;
    // The applicant went for lunch: the 12-hour session is over when they post the next step.
    browser.clock.advance(chrono::Duration::hours(13));
    let posted = browser.post_form("/api/signup-save-step", &pairs(&contact())).await;
    assert_eq!(posted.location(), Some("/masuk"));
    assert_eq!(browser.sign_in("lupa@contoh.id").await, "/daftar/alamat-kontak");
    let page = browser.get("/daftar/alamat-kontak").await.body;
    assert!(
        page.contains("value=\"Kabupaten Bogor\""),
        "what was posted while signed out is back"
    );
    assert!(page.contains("value=\"0812-3456-7890\""));
    assert!(browser
        .get("/daftar/identitas")
        .await
        .body
        .contains(&format!("value=\"{NIK}\"")));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_final_submit_after_the_session_expired_registers_nothing_until_signed_in(pool: PgPool) {
    let mut browser = Browser::signed_in(pool.clone(), "besok@contoh.id").await;
    browser.fill_signup(NIK, KK).await;
    let answers = browser.signup_check_form(true).await;
    // The applicant submits the next morning (the window is open again; the session is over):
    // the batch finds no live session, so nothing is registered and sign-in comes first.
    browser.clock.advance(chrono::Duration::hours(24));
    let posted = browser.post_form("/api/signup-submit", &form_pairs(&answers)).await;
    assert_eq!(posted.location(), Some("/masuk"), "{}", posted.body);
    assert_eq!(count(&pool, "select count(*) from applicants").await, 0);
    assert_eq!(browser.sign_in("besok@contoh.id").await, "/daftar/periksa");
    let submitted = browser.submit_signup(true).await;
    assert_eq!(submitted.location(), Some("/dasbor?baru=1"), "{}", submitted.body);
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
}

/// The service worker keeps a copy of a form step only as the server renders it for that:
/// without the applicant's answers, and marked with the account's device tag.
#[sqlx::test(migrations = "../migrations")]
async fn the_copy_kept_on_the_device_is_a_blank_form_bound_to_the_account(pool: PgPool) {
    let mut browser = Browser::signed_in(pool.clone(), "siti@contoh.id").await;
    browser.fill_signup(NIK, KK).await;

    let shown = browser.get("/daftar/identitas").await;
    assert!(
        shown.body.contains(&format!("value=\"{NIK}\"")),
        "the applicant sees the answers"
    );
    let blank = browser
        .send(
            axum::http::Request::get("/daftar/identitas")
                .header(axum::http::header::ACCEPT, "text/html")
                .header("x-prakerja-copy", "blank")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.body.contains("Data diri sesuai KTP"), "the form itself");
    for answer in [NIK, KK, "Siti Rahmawati"] {
        assert!(!blank.body.contains(answer), "the blank copy holds no {answer}");
    }
    let owner = shown
        .headers
        .get("x-prakerja-owner")
        .expect("the page names its device tag");
    assert_eq!(blank.headers.get("x-prakerja-owner"), Some(owner));
    assert_eq!(owner.len(), 16);
    assert!(!owner.to_str().unwrap().contains("siti"), "the tag is opaque");

    let mut other = browser.another();
    other.sign_in("budi@contoh.id").await;
    let others = other.get("/daftar/identitas").await;
    assert_ne!(
        others.headers.get("x-prakerja-owner"),
        Some(owner),
        "each account its own tag"
    );
    let signed_out = browser.another().get("/").await;
    assert!(signed_out.headers.get("x-prakerja-owner").is_none());
}
