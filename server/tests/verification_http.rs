//! Verification and the test over HTTP, as plain forms (JavaScript off): an applicant refused
//! by a rule reads why, an operator signs in and decides the manual queue (audited), and an
//! applicant takes the whole test with the server keeping the deadline.

mod support;

use app::operators;
use sqlx::PgPool;
use support::*;
use uuid::Uuid;

/// Signs `email` up as applicant number `n` (a NIK and family card of its own); returns the
/// applicant's id.
async fn registered_applicant(browser: &mut Browser, email: &str, n: u16) -> Uuid {
    let nik = format!("320101570895{n:04}");
    let kk = format!("320101200315{n:04}");
    assert_eq!(browser.sign_in(email).await, "/daftar/identitas");
    browser.register(&nik, &kk).await
}

async fn verify_all(pool: &PgPool) {
    verify_all_as_registered(pool, wednesday_morning()).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_applicant_reads_why_and_an_operator_decides_the_manual_queue(pool: PgPool) {
    let mut excluded = Browser::new(pool.clone(), wednesday_morning());
    registered_applicant(&mut excluded, "asn@contoh.id", 1).await;
    sqlx::query!(
        "insert into exclusions (nik, category, source, imported_at) values ('3201015708950001', 'asn', 'BKN', now())"
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut doubtful = excluded.another();
    let doubtful_id = registered_applicant(&mut doubtful, "ragu@contoh.id", 2).await;
    // The civil registry's placeholder date, on a record that came in another way.
    sqlx::query!(
        "update applicants set birth_date = '1995-01-01' where id = $1",
        doubtful_id
    )
    .execute(&pool)
    .await
    .unwrap();

    assert!(excluded.get("/dasbor").await.body.contains("sedang diperiksa otomatis"));
    verify_all(&pool).await;
    let dashboard = excluded.get("/dasbor").await.body;
    assert!(dashboard.contains("tidak dapat diterima"), "{dashboard}");
    assert!(
        dashboard.contains("tercatat sebagai aparatur sipil negara (ASN)"),
        "{dashboard}"
    );
    assert!(doubtful.get("/dasbor").await.body.contains("diperiksa oleh petugas"));

    // Signed out, the console sends to its sign-in page; a wrong password is refused.
    let mut stranger = excluded.another();
    assert_eq!(
        stranger.get("/operator/verifikasi").await.location(),
        Some("/operator/masuk")
    );
    let wrong = stranger
        .submit(
            "/api/operator-sign-in",
            &[("username", "siti.verif"), ("password", "bukan kata sandinya")],
            "/operator/masuk",
        )
        .await;
    assert!(wrong.contains("Nama pengguna atau kata sandi salah"));

    let mut console = signed_in_operator(&excluded, "siti.verif", operators::OperatorRole::Verifier).await;
    let queue = console.get("/operator/verifikasi").await;
    assert_eq!(queue.headers.get("cache-control").unwrap(), "no-store");
    assert!(
        queue.headers.contains_key("x-prakerja-operator"),
        "the service worker keeps no copy"
    );
    let reference: String = sqlx::query_scalar!("select reference from applicants where id = $1", doubtful_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(queue.body.contains(&reference), "the manual case is in the queue");
    // The verifier saw full NIKs and KKs: on record, with whose.
    let viewed: serde_json::Value = sqlx::query_scalar(
        "select after from audit_log where action = 'verification.view-full-numbers' and actor = 'operator:siti.verif'
         order by id limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        viewed["references"]
            .as_array()
            .unwrap()
            .contains(&reference.clone().into()),
        "{viewed}"
    );
    let filtered = console
        .get("/operator/verifikasi?status=ditolak&alasan=dikecualikan:asn")
        .await;
    assert!(filtered.body.contains("3201015708950001"));
    assert!(!filtered.body.contains(&reference));

    // A refusal needs a reason.
    let id = doubtful_id.to_string();
    let no_reason = console
        .submit(
            "/api/decide-verification",
            &[
                ("applicant", &id),
                ("decision", "ditolak"),
                ("reason", ""),
                ("return_to", "/operator/verifikasi"),
            ],
            "/operator/verifikasi",
        )
        .await;
    assert!(no_reason.contains("Pilih alasan penolakan"));

    let approved = console
        .submit(
            "/api/decide-verification",
            &[
                ("applicant", &id),
                ("decision", "terverifikasi"),
                ("return_to", "/operator/verifikasi"),
            ],
            "/operator/verifikasi",
        )
        .await;
    assert!(approved.contains("disimpan: terverifikasi"));
    assert!(doubtful.get("/dasbor").await.body.contains("Data Anda terverifikasi"));
    // Found again by registration number, whatever its status now.
    let found = console
        .get(&format!("/operator/verifikasi?nomor={}", reference.to_lowercase()))
        .await;
    assert!(
        found.body.contains(&reference) && found.body.contains("Diputuskan oleh"),
        "{}",
        found.body
    );
    let (actor, before, after): (String, serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select actor, before, after from audit_log where action = 'verification.decide' and subject = $1",
    )
    .bind(&reference)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(actor, "operator:siti.verif");
    assert_eq!(before["status"], "periksa-manual");
    assert_eq!(before["reasons"][0], "tanggal-lahir-perlu-dicek");
    assert_eq!(after["status"], "terverifikasi");

    // The funnel counts them.
    let funnel = console.get("/operator/corong").await.body;
    assert!(funnel.contains("02-12-2026"), "{funnel}");
    assert!(funnel.contains("Dikecualikan: aparatur sipil negara (ASN)"));
}

/// A wave open on the test day, and the question bank.
async fn open_wave_and_bank(pool: &PgPool) {
    sqlx::query!(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, seed_source)
         values ('Gelombang 1', $1, $2, $1, 1000, 1000000, 'Sumber seed uji.')",
        wednesday_morning() - chrono::Duration::days(2),
        wednesday_morning() + chrono::Duration::days(5)
    )
    .execute(pool)
    .await
    .unwrap();
    assert!(app::assessment::db::load_bank(pool).await.unwrap() >= 224);
}

/// The question on the page: (attempt, position), and its correct option from the database.
async fn question_on(page: &str, pool: &PgPool) -> (String, String, Option<i16>) {
    let attempt = hidden_field(page, "attempt");
    let position = hidden_field(page, "position");
    let correct = sqlx::query_scalar!(
        "select q.correct_option from test_attempts t join test_questions q on q.id = t.question_ids[$2] where t.id = $1",
        Uuid::parse_str(&attempt).unwrap(),
        position.parse::<i32>().unwrap()
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (attempt, position, correct)
}

#[sqlx::test(migrations = "../migrations")]
async fn an_applicant_takes_the_whole_test_one_question_per_page(pool: PgPool) {
    open_wave_and_bank(&pool).await;
    let mut applicant = Browser::new(pool.clone(), wednesday_morning());
    registered_applicant(&mut applicant, "tes@contoh.id", 3).await;
    assert!(applicant.get("/tes").await.body.contains("data Anda terverifikasi"));
    verify_all(&pool).await;
    assert!(applicant.get("/tes").await.body.contains("Mulai tes"));
    assert_eq!(
        applicant.post_form("/api/start-test", &[]).await.location(),
        Some("/tes")
    );

    let mut neighbour = applicant.another();
    registered_applicant(&mut neighbour, "tetangga@contoh.id", 4).await;
    verify_all(&pool).await;
    neighbour.post_form("/api/start-test", &[]).await;
    let drawn: Vec<Vec<i32>> = sqlx::query_scalar!("select question_ids from test_attempts")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_ne!(drawn[0], drawn[1], "neighbours get different tests");

    for position in 1..=18 {
        let page = applicant.get("/tes").await.body;
        assert!(page.contains(&format!("Soal {position} dari 18")), "{page}");
        // The page says nothing about which option is right.
        assert!(!page.contains("correct"), "{page}");
        let (attempt, shown_position, correct) = question_on(&page, &pool).await;
        assert_eq!(shown_position, position.to_string());
        if position == 1 {
            let refused = applicant
                .submit(
                    "/api/answer-question",
                    &[("attempt", &attempt), ("position", "1")],
                    "/tes",
                )
                .await;
            assert!(refused.contains("Pilih salah satu jawaban"));
        }
        // Every ability question right but the first; motivation statements "Setuju".
        let choice = match correct {
            Some(correct) if position == 1 => (correct + 1) % 4,
            Some(correct) => correct,
            None => 3,
        };
        let choice = choice.to_string();
        let fields = [
            ("attempt", attempt.as_str()),
            ("position", shown_position.as_str()),
            ("choice", &choice),
        ];
        assert_eq!(
            applicant.post_form("/api/answer-question", &fields).await.location(),
            Some("/tes")
        );
        // A replay of the same post (a double click, a retry) changes nothing.
        applicant.post_form("/api/answer-question", &fields).await;
        applicant.clock.advance(chrono::Duration::seconds(30));
        if position == 9 {
            let resumed = applicant.another_tab().get("/tes").await.body;
            assert!(resumed.contains("Soal 10 dari 18"));
            assert!(resumed.contains("20 menit 30 detik"), "{resumed}");
        }
    }
    let result = applicant.get("/tes").await.body;
    assert!(result.contains("Anda lulus tes"), "{result}");
    assert!(result.contains("13 dari 14"));
    assert_eq!(count(&pool, "select count(*) from test_answers").await, 18);
    assert!(applicant.get("/dasbor").await.body.contains("Hasil tes: lulus"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_server_refuses_answers_after_the_deadline_and_an_admin_grants_another_attempt(pool: PgPool) {
    open_wave_and_bank(&pool).await;
    let mut applicant = Browser::new(pool.clone(), wednesday_morning());
    let applicant_id = registered_applicant(&mut applicant, "lambat@contoh.id", 5).await;
    verify_all(&pool).await;
    applicant.post_form("/api/start-test", &[]).await;
    let page = applicant.get("/tes").await.body;
    let (attempt, position, _) = question_on(&page, &pool).await;
    applicant.clock.advance(chrono::Duration::minutes(25));
    let result = applicant
        .submit(
            "/api/answer-question",
            &[("attempt", &attempt), ("position", &position), ("choice", "0")],
            "/tes?waktu-habis=1",
        )
        .await;
    assert_eq!(count(&pool, "select count(*) from test_answers").await, 0);
    assert!(result.contains("Waktu tes sudah habis"));
    assert!(result.contains("Anda belum lulus tes"));

    // One attempt per wave...
    applicant.post_form("/api/start-test", &[]).await;
    assert!(applicant.get("/tes").await.body.contains("Anda belum lulus tes"));
    assert_eq!(count(&pool, "select count(*) from test_attempts").await, 1);

    // ...unless a program admin grants another (a verifier may not).
    let reason = [
        ("applicant", applicant_id.to_string()),
        ("reason", "Listrik padam saat tes".to_owned()),
    ];
    let reason: Vec<(&str, &str)> = reason.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut verifier = signed_in_operator(&applicant, "verif.satu", operators::OperatorRole::Verifier).await;
    verifier.post_form("/api/grant-test-attempt", &reason).await;
    assert_eq!(count(&pool, "select count(*) from test_attempt_grants").await, 0);
    let mut admin = signed_in_operator(&applicant, "admin.satu", operators::OperatorRole::ProgramAdmin).await;
    admin.post_form("/api/grant-test-attempt", &reason).await;
    assert_eq!(count(&pool, "select count(*) from test_attempt_grants").await, 1);
    assert_eq!(
        audit_entries(&pool, "test.grant-attempt", "operator:admin.satu").await,
        1
    );
    // A second wave whose joining window opened earlier overlaps the first: the grant is not
    // lost to it, and the new attempt counts for the wave it was granted in.
    sqlx::query(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, seed_source)
         values ('Gelombang 0', $1, $2, $1, 1000, 1000000, 'Sumber seed uji.')",
    )
    .bind(wednesday_morning() - chrono::Duration::days(3))
    .bind(wednesday_morning() + chrono::Duration::days(5))
    .execute(&pool)
    .await
    .unwrap();
    assert!(applicant.get("/tes").await.body.contains("kesempatan mengulang"));
    applicant.post_form("/api/start-test", &[]).await;
    assert!(applicant.get("/tes").await.body.contains("Soal 1 dari 18"));
    assert_eq!(count(&pool, "select count(*) from test_attempts").await, 2);
    assert_eq!(
        count(
            &pool,
            "select count(*) from test_attempts t join waves w on w.id = t.wave_id
             where w.name = 'Gelombang 1' and t.grant_id is not null"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_return_path_off_this_site_is_refused_before_the_decision_is_saved(pool: PgPool) {
    let mut applicant = Browser::new(pool.clone(), wednesday_morning());
    let id = registered_applicant(&mut applicant, "kembali@contoh.id", 3)
        .await
        .to_string();
    let mut console = signed_in_operator(&applicant, "siti.kembali", operators::OperatorRole::Verifier).await;
    // Browsers drop tabs and line breaks from a URL and read a backslash as a slash.
    for return_to in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: a=b",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let response = console
            .post_form(
                "/api/decide-verification",
                &[
                    ("applicant", &id),
                    ("decision", "terverifikasi"),
                    ("return_to", return_to),
                ],
            )
            .await;
        assert_eq!(response.status, axum::http::StatusCode::BAD_REQUEST, "{return_to:?}");
        assert_eq!(response.location(), None, "{return_to:?}");
    }
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'verification.decide'"
        )
        .await,
        0,
        "nothing was decided"
    );
    verify_all(&pool).await;
    let kept = console
        .post_form(
            "/api/decide-verification",
            &[
                ("applicant", &id),
                ("decision", "terverifikasi"),
                ("return_to", "/operator/verifikasi?halaman=2"),
            ],
        )
        .await;
    assert_eq!(kept.location(), Some("/operator/verifikasi?halaman=2"));
}
