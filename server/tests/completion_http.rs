//! The platforms' API over HTTP: signed events take a purchase from start to certificate; a
//! resent event changes nothing; unsigned, stale, foreign and out-of-order events are refused
//! with their status codes.

mod support;

use app::{completion::db, paths::EVENTS_PATH};
use axum::{
    body::Body,
    http::{header, Request},
};
use sqlx::PgPool;
use support::{participant::*, *};

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
    let print_path = app::paths::print_path(certificate.trim_start_matches("/sertifikat/"));
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
    // The same as a PDF file to download; a visitor is sent to sign in first, another
    // participant finds nothing.
    let code = certificate.trim_start_matches("/sertifikat/");
    let pdf_path = app::paths::pdf_path(code);
    let pdf = browser.get(&pdf_path).await;
    assert_eq!(pdf.status.as_u16(), 200);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        pdf.headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"sertifikat-prakerja-{code}.pdf\"").as_str()
    );
    assert!(pdf.body.starts_with("%PDF-1.4") && pdf.body.contains("(Rina Wulandari) Tj"));
    let visitor = browser.another().get(&pdf_path).await;
    assert_eq!(visitor.location(), Some(print_path.as_str()));
    let mut budi = browser.another();
    budi.sign_in(server::seed::REGISTERED_DEMO_EMAIL).await;
    let foreign = budi.get(&pdf_path).await;
    assert_eq!(foreign.status.as_u16(), 404);
    assert!(!foreign.body.contains("Rina"));

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
    let document = browser.get(app::paths::OPENAPI_PATH).await;
    assert_eq!(document.status.as_u16(), 200);
    let parsed: serde_json::Value = serde_json::from_str(&document.body).unwrap();
    assert_eq!(parsed["openapi"], "3.1.0");
    assert!(parsed["paths"][EVENTS_PATH]["post"]["responses"]["409"].is_object());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_simulator_completes_a_training_over_real_http(pool: PgPool) {
    let (_, voucher, platform_code) = purchase(&pool).await;
    let platform = Platform::new(&pool, &platform_code).await;
    // A real server on a real socket.
    let state = app::state::AppState {
        leptos_options: leptos::prelude::LeptosOptions::builder()
            .output_name("prakerja")
            .site_root("target/site")
            .build(),
        pool: pool.clone(),
        // Two days ahead, as the end-to-end servers run: the simulator corrects its clock by the
        // server's time when told its timestamp is stale.
        clock: std::sync::Arc::new(app::state::ShiftedClock::starting_at(
            chrono::Utc::now() + chrono::Duration::days(2),
        )),
        wall_clock: std::sync::Arc::new(app::state::SystemClock),
        settings: std::sync::Arc::new(app::state::Settings::for_tests()),
        services: app::feature_services(&pool, 1, 8),
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

/// Posts the review form of `purchase` with these stars (training, service) and words; asserts
/// where the answer sends the browser and returns that page's body.
async fn write_review(
    browser: &mut Browser,
    purchase: &str,
    (training, service): (&str, &str),
    body: &str,
    back_to: &str,
) -> String {
    let form = review_form(purchase, training, service, body);
    browser.submit("/api/write-review", &form, back_to).await
}

/// The console's form that hides review number `review`, for this reason.
fn hide_review_form<'a>(review: &'a str, reason: &'a str) -> [(&'static str, &'a str); 2] {
    [("review", review), ("review_reason", reason)]
}

async fn spreads(pool: &PgPool) -> (Vec<i32>, Vec<i32>, Vec<i32>) {
    sqlx::query_as(
        "select t.rating_counts, pr.rating_counts, pl.service_rating_counts from purchases p
         join trainings t on t.id = p.training_id join providers pr on pr.id = t.provider_id
         join platforms pl on pl.code = t.platform_code",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_finished_training_is_reviewed_once_and_its_stars_feed_the_catalogue(pool: PgPool) {
    let (mut browser, voucher, platform_code) = purchase(&pool).await;
    let purchase: uuid::Uuid = sqlx::query_scalar("select id from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let purchase_text = purchase.to_string();
    let review_path = app::paths::review_path(purchase);

    // Not finished yet: no form, and a post writes nothing.
    let early = browser.get(&review_path).await;
    assert!(early.body.contains("setelah platform melaporkan"), "{}", early.body);
    let refused = browser
        .post_form("/api/write-review", &review_form(&purchase_text, "5", "4", REVIEW_TEXT))
        .await;
    assert_eq!(refused.location(), Some("/pembelian"));
    assert_eq!(count(&pool, "select count(*) from reviews").await, 0);
    // The database refuses it too, whoever writes.
    let unfinished = sqlx::query(
        "insert into reviews (purchase_id, training_stars, service_stars, body, written_at)
         values ($1, 5, 5, $2, now())",
    )
    .bind(purchase)
    .bind(REVIEW_TEXT)
    .execute(&pool)
    .await;
    assert!(unfinished.unwrap_err().to_string().contains("valid certificate"));

    let platform = Platform::new(&pool, &platform_code).await;
    platform
        .send(&mut browser, &event("s", &voucher, "mulai", None, "10:30"))
        .await;
    platform
        .send(&mut browser, &event("c", &voucher, "selesai", None, "11:30"))
        .await;
    let purchases = browser.get("/pembelian").await;
    assert!(
        purchases.body.contains(&format!("href=\"{review_path}\"")),
        "{}",
        purchases.body
    );

    // JavaScript off: what does not parse comes back next to its field, with what was typed.
    let form = write_review(&mut browser, &purchase_text, ("", "4"), "Bagus.", &review_path).await;
    assert!(form.contains("Pilih 1 sampai 5 bintang untuk pelatihannya."), "{form}");
    assert!(form.contains("Ulasan paling sedikit 30 karakter (sekarang 6)"));
    assert!(form.contains(">Bagus.</textarea>"), "the text is kept");
    assert!(form.contains("value=\"4\" checked"), "the service stars are kept");
    // The WASM client gets the same errors without a redirect.
    let from_wasm = browser
        .post_from_wasm("/api/write-review", &review_form(&purchase_text, "7", "4", REVIEW_TEXT))
        .await;
    assert!(from_wasm.location().is_none());
    assert!(from_wasm.body.contains("training_stars"), "{}", from_wasm.body);
    assert_eq!(count(&pool, "select count(*) from reviews").await, 0);

    // Written, then the same form again (a double click, a replay): one review.
    let thanked = write_review(&mut browser, &purchase_text, ("5", "4"), REVIEW_TEXT, "/pembelian").await;
    assert!(thanked.contains("ulasan Anda tersimpan"), "{thanked}");
    assert!(thanked.contains("Rp600.000 sebulan selama 4 bulan"), "{thanked}");
    let again = write_review(&mut browser, &purchase_text, ("1", "1"), REVIEW_TEXT, "/pembelian").await;
    assert!(again.contains("sudah tersimpan sebelumnya"));
    assert_eq!(count(&pool, "select count(*) from reviews").await, 1);
    // The database refuses a second review of the purchase and a review of an unfinished one.
    let duplicate = sqlx::query(
        "insert into reviews (purchase_id, training_stars, service_stars, body, written_at)
         select purchase_id, 1, 1, body, now() from reviews",
    )
    .execute(&pool)
    .await;
    assert!(duplicate.is_err());

    // Its stars count for the training, its provider and the platform's service.
    assert_eq!(
        spreads(&pool).await,
        (vec![0, 0, 0, 0, 1], vec![0, 0, 0, 0, 1], vec![0, 0, 0, 1, 0])
    );
    // The first review of a finished training schedules the incentive: 4 × Rp600.000.
    assert_eq!(
        count(&pool, "select sum(amount)::bigint from incentive_installments").await,
        2_400_000
    );
    let dashboard = browser.get("/dasbor").await;
    assert!(
        dashboard.body.contains("Rp600.000 sebulan × 4 bulan"),
        "{}",
        dashboard.body
    );

    // Everyone sees the spread and the words; the comparison shows the spreads too.
    let training: i32 = sqlx::query_scalar("select training_id from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut visitor = browser.another();
    let reviews = visitor.get(&app::paths::training_reviews_path(training)).await;
    assert!(reviews.body.contains(REVIEW_TEXT), "{}", reviews.body);
    assert!(reviews.body.contains("5 bintang: 1"));
    assert!(!reviews.body.contains("Rina"), "reviews carry no name");
    // The catalogue's snapshot catches a moved rating within a second.
    let started = std::time::Instant::now();
    let compare = loop {
        let compare = visitor.get(&format!("/pelatihan/banding?pilih={training}")).await;
        if compare.body.contains("5,0 dari 5 (1 ulasan)") || started.elapsed() > std::time::Duration::from_secs(1) {
            break compare;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(compare.body.contains("5,0 dari 5 (1 ulasan)"), "{}", compare.body);
    assert!(compare.body.contains("Penilaian lembaga"), "{}", compare.body);
    let document = visitor.get("/api/katalog.json").await;
    assert!(document.body.contains("[0,0,0,0,1]"));

    // Someone else's purchase has no review page for them.
    let mut budi = browser.another();
    budi.sign_in(server::seed::REGISTERED_DEMO_EMAIL).await;
    let foreign = budi.get(&review_path).await;
    assert!(!foreign.body.contains("Kirim ulasan"), "{}", foreign.body);
    let foreign_post = budi
        .post_form("/api/write-review", &review_form(&purchase_text, "1", "1", REVIEW_TEXT))
        .await;
    assert_ne!(foreign_post.status.as_u16(), 200);
    assert_eq!(count(&pool, "select count(*) from reviews").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn operators_hide_reviews_revoke_certificates_and_make_keys_in_the_console(pool: PgPool) {
    let (mut browser, purchase, training) = finished_training(&pool).await;
    let purchase_text = purchase.to_string();
    browser
        .post_form("/api/write-review", &review_form(&purchase_text, "2", "3", REVIEW_TEXT))
        .await;
    let number: i64 = sqlx::query_scalar("select id from reviews")
        .fetch_one(&pool)
        .await
        .unwrap();

    use app::operators::OperatorRole;
    let number_text = number.to_string();
    let mut verifier = signed_in_operator(&browser, "verifikator.satu", OperatorRole::Verifier).await;
    let refused = verifier.get("/operator/penyelesaian").await;
    assert!(refused.body.contains("Anda tidak berwenang"), "{}", refused.body);
    assert!(!refused.body.contains(REVIEW_TEXT));
    verifier
        .post_form(
            "/api/hide-review",
            &hide_review_form(&number_text, "Alasan yang cukup panjang"),
        )
        .await;
    assert_eq!(
        count(&pool, "select count(*) from reviews where hidden_at is not null").await,
        0
    );
    let mut admin = signed_in_operator(&browser, "admin.satu", OperatorRole::ProgramAdmin).await;
    let console = admin.get("/operator/penyelesaian").await;
    assert!(console.body.contains(REVIEW_TEXT), "{}", console.body);
    assert!(console.body.contains(&format!("No. {number}")));

    // A reason too short: refused, with what was typed.
    let again = admin
        .submit(
            "/api/hide-review",
            &hide_review_form(&number_text, "x"),
            "/operator/penyelesaian",
        )
        .await;
    assert!(again.contains("Tulis alasan 5 sampai 500 karakter"), "{again}");
    assert!(again.contains(&format!("value=\"{number}\"")));
    let reason = "Berisi nomor telepon pribadi";
    let hidden = admin
        .post_form("/api/hide-review", &hide_review_form(&number_text, reason))
        .await;
    assert_eq!(hidden.location(), Some("/operator/penyelesaian"));
    assert_eq!(
        spreads(&pool).await,
        (vec![0; 5], vec![0; 5], vec![0; 5]),
        "hidden stars stop counting"
    );
    let public = browser
        .another()
        .get(&app::paths::training_reviews_path(training))
        .await;
    assert!(!public.body.contains(REVIEW_TEXT), "{}", public.body);
    assert!(public.body.contains(reason));
    // Words are never edited, by anyone.
    assert!(sqlx::query("update reviews set body = body || '!'")
        .execute(&pool)
        .await
        .is_err());

    // A certificate revoked with its reason: the public page says so.
    let code: String = sqlx::query_scalar("select code from certificates")
        .fetch_one(&pool)
        .await
        .unwrap();
    let revoked = admin
        .post_form(
            "/api/revoke-certificate",
            &[
                ("certificate", &code.to_lowercase()),
                ("certificate_reason", "Penyelesaian tidak wajar"),
            ],
        )
        .await;
    assert_eq!(revoked.location(), Some("/operator/penyelesaian"));
    let page = browser.another().get(&format!("/sertifikat/{code}")).await;
    assert!(
        page.body.contains("dicabut") && page.body.contains("Penyelesaian tidak wajar"),
        "{}",
        page.body
    );

    // A key: its secret shown once, then never again; revoked from the console too.
    let made = admin
        .submit(
            "/api/platform-key",
            &[("platform", "pintaria")],
            "/operator/penyelesaian",
        )
        .await;
    let key: String = sqlx::query_scalar("select key_id from platform_keys where platform_code = 'pintaria'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let secret = app::state::Settings::for_tests()
        .platform_keys
        .key_secret(1, &key)
        .unwrap();
    assert!(made.contains(&secret));
    assert!(
        !admin.get("/operator/penyelesaian").await.body.contains(&secret),
        "shown once"
    );
    admin.post_form("/api/platform-key", &[("revoke", &key)]).await;
    assert_eq!(
        count(
            &pool,
            "select count(*) from platform_keys where revoked_at is not null and platform_code = 'pintaria'"
        )
        .await,
        1
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where actor = 'operator:admin.satu' and action not like 'operators.%' order by id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "reviews.hide",
            "certificates.revoke",
            "platform_keys.create",
            "platform_keys.revoke"
        ]
    );
}

/// Posts the console's decision on a held completion (with a reason, when given); asserts the
/// answer sends the admin back to the console and returns the console page.
async fn decide_completion(admin: &mut Browser, purchase: &str, decision: &str, reason: Option<&str>) -> String {
    let mut form = vec![("purchase", purchase), ("decision", decision)];
    if let Some(reason) = reason {
        form.push(("completion_reason", reason));
    }
    admin
        .submit("/api/decide-completion", &form, "/operator/penyelesaian")
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_platform_key_cannot_date_events_back_or_certify_a_training_finished_too_soon(pool: PgPool) {
    let settings = app::state::Settings {
        study_rule: app::completion::StudyRule::default(),
        ..app::state::Settings::for_tests()
    };
    let (mut browser, voucher, platform_code) = purchase_on(&pool, settings).await;
    let platform = Platform::new(&pool, &platform_code).await;
    let body = |id: &str, kind: &str, percent: Option<i64>, at: &str| {
        let mut body = serde_json::json!({ "event_id": id, "voucher": voucher, "type": kind, "occurred_at": at });
        if let Some(percent) = percent {
            body["progress_percent"] = percent.into();
        }
        body.to_string()
    };

    // Started in 2020, before the purchase; or dated ahead of the server's clock.
    let (status, answer) = platform
        .send(&mut browser, &body("x1", "mulai", None, "2020-01-01T08:00:00+07:00"))
        .await;
    assert_eq!((status, &answer["field"]), (422, &"occurred_at".into()), "{answer}");
    let (status, answer) = platform
        .send(&mut browser, &body("x2", "mulai", None, "2026-12-02T12:10:00+07:00"))
        .await;
    assert_eq!((status, &answer["field"]), (422, &"occurred_at".into()), "{answer}");

    // A start dated just after the purchase, progress that goes back, a second start dated
    // further back: refused or ignored.
    let (status, _) = platform
        .send(&mut browser, &event("x3", &voucher, "mulai", None, "10:30"))
        .await;
    assert_eq!(status, 200);
    platform
        .send(&mut browser, &event("x4", &voucher, "kemajuan", Some(60), "11:00"))
        .await;
    let (status, answer) = platform
        .send(&mut browser, &event("x5", &voucher, "kemajuan", Some(40), "11:05"))
        .await;
    assert_eq!((status, &answer["error"]), (409, &"kemajuan-mundur".into()), "{answer}");
    platform
        .send(&mut browser, &event("x6", &voucher, "mulai", None, "10:01"))
        .await;
    let started: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select started_at from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(started, wib("2026-12-02 10:30:00"), "the first start stands");

    // Finished "one second later", as the portal saw it: held for an operator, no certificate.
    browser.clock.advance(chrono::Duration::seconds(1));
    let (status, done) = platform
        .send(&mut browser, &event("x7", &voucher, "selesai", None, "12:00"))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["held_for_review"], true, "{done}");
    assert!(done["certificate_url"].is_null());
    assert_eq!(count(&pool, "select count(*) from certificates").await, 0);
    let refused_certificate = sqlx::query(
        "insert into certificates (code, purchase_id, issued_at) select 'ABCD-EFGH-JKMN-PQRS-TUVW', id, now() from purchases",
    )
    .execute(&pool)
    .await;
    assert!(
        refused_certificate.is_err(),
        "the database refuses a certificate while it is held"
    );
    assert!(browser.get("/pembelian").await.body.contains("petugas memeriksanya"));

    // A program admin sees it with the study time, and certifies it (audited).
    let mut admin = signed_in_operator(&browser, "admin.tahan", app::operators::OperatorRole::ProgramAdmin).await;
    let console = admin.get("/operator/penyelesaian").await.body;
    assert!(console.contains("Penyelesaian yang ditahan"), "{console}");
    assert!(console.contains("0 menit dari start yang diterima portal"), "{console}");
    let purchase_id: uuid::Uuid = sqlx::query_scalar("select id from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let id = purchase_id.to_string();
    let no_reason = decide_completion(&mut admin, &id, "ditolak", Some("")).await;
    assert!(no_reason.contains("field-error"));
    let certified = decide_completion(&mut admin, &id, "terbit", None).await;
    assert!(certified.contains("diterbitkan"));
    assert_eq!(count(&pool, "select count(*) from certificates").await, 1);
    assert_eq!(
        audit_entries(&pool, "completions.decide", "operator:admin.tahan").await,
        1
    );
    let again = decide_completion(&mut admin, &id, "ditolak", Some("Terlambat sekali")).await;
    assert!(again.contains("sudah diputuskan"));
    assert!(browser.get("/pembelian").await.body.contains("Sertifikat (cetak"));
}
