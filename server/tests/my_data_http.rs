//! "Data saya": an applicant sees everything held about them, downloads it as JSON and PDF
//! (audited, their own only), corrects their email (a code to the new address) and mobile
//! number, and asks for deletion, which the job carries out; strangers get nothing.

mod support;

use sqlx::PgPool;
use support::*;

const PAGE: &str = "/dasbor/data-saya";
const EMAIL: &str = "siti@contoh.id";

async fn registered(pool: &PgPool) -> Browser {
    let mut browser = Browser::signed_in(pool.clone(), EMAIL).await;
    browser.register(NIK, KK).await;
    browser
}

/// The code in the last message to `email` (the email-change one).
async fn change_code(pool: &PgPool, email: &str) -> String {
    let body: String =
        sqlx::query_scalar("select body from outbox_messages where recipient = $1 order by id desc limit 1")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap();
    let marker = "akun Prakerja Anda: ";
    let at = body.find(marker).unwrap() + marker.len();
    body[at..at + 6].to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_applicant_sees_and_downloads_everything_held_about_them_and_nothing_else(pool: PgPool) {
    let mut siti = registered(&pool).await;
    let page = siti.get(PAGE).await;
    assert_eq!(page.status, 200);
    for shown in [
        "Pendaftaran",
        NIK,
        "Siti Rahmawati",
        "+6281234567890",
        EMAIL,
        "Hasil verifikasi",
        "Kartu Prakerja",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }

    let json = siti.get("/dasbor/data-saya.json").await;
    assert_eq!(json.status, 200);
    assert_eq!(json.headers["cache-control"], "no-store");
    assert!(json.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"data-saya-PK-"));
    let document: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(document["pendaftaran"]["nik"], NIK);
    assert_eq!(document["akun"]["email"], EMAIL);
    assert!(document["catatan_audit"].is_array());

    let pdf = siti.get("/dasbor/data-saya.pdf").await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.body.starts_with("%PDF-1.4"));
    assert!(pdf.body.contains("(Siti Rahmawati) Tj"), "the name is in the file");
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'data_subject.export'"
        )
        .await,
        2
    );

    // Another account gets its own (empty) document; a stranger is sent to sign in.
    let mut other = Browser::signed_in(pool.clone(), "lain@contoh.id").await;
    let theirs = other.get("/dasbor/data-saya.json").await.body;
    assert!(!theirs.contains(NIK) && theirs.contains("lain@contoh.id"), "{theirs}");
    let mut stranger = siti.another();
    assert_eq!(stranger.get("/dasbor/data-saya.json").await.location(), Some("/masuk"));
    assert_eq!(stranger.get(PAGE).await.location(), Some("/masuk"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_email_is_used_once_its_code_comes_back(pool: PgPool) {
    let mut siti = registered(&pool).await;
    let refused = siti
        .submit("/api/request-email-change", &[("email", "bukan email")], PAGE)
        .await;
    assert!(refused.contains("id=\"email-error\""), "{refused}");
    assert!(refused.contains("value=\"bukan email\""), "{refused}");

    let asked = siti
        .submit("/api/request-email-change", &[("email", "Siti.Baru@Contoh.id")], PAGE)
        .await;
    assert!(asked.contains("Kode dikirim ke siti.baru@contoh.id"), "{asked}");
    assert!(asked.contains("Menunggu kode untuk siti.baru@contoh.id"), "{asked}");
    let code = change_code(&pool, "siti.baru@contoh.id").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = siti.submit("/api/confirm-email-change", &[("code", wrong)], PAGE).await;
    assert!(refused.contains("Kode salah. Sisa percobaan: 4."), "{refused}");

    let changed = siti.submit("/api/confirm-email-change", &[("code", &code)], PAGE).await;
    assert!(
        changed.contains("Email akun Anda sekarang siti.baru@contoh.id."),
        "{changed}"
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from accounts where email = 'siti.baru@contoh.id'"
        )
        .await,
        1
    );
    let told: String =
        sqlx::query_scalar("select subject from outbox_messages where recipient = $1 order by id desc limit 1")
            .bind(EMAIL)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(told, "Email akun Prakerja Anda diganti");
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("select before, after from audit_log where action = 'data_subject.email-change'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(before["email"], EMAIL, "masked in the log");
    assert!(after["email"].as_str().unwrap().contains('*'));
    // The code is used once.
    let again = siti.submit("/api/confirm-email-change", &[("code", &code)], PAGE).await;
    assert!(again.contains("tidak berlaku lagi"), "{again}");

    // An address another account uses: said only to whoever holds its code.
    let _other = Browser::signed_in(pool.clone(), "dipakai@contoh.id").await;
    siti.submit("/api/request-email-change", &[("email", "dipakai@contoh.id")], PAGE)
        .await;
    let code = change_code(&pool, "dipakai@contoh.id").await;
    let taken = siti.submit("/api/confirm-email-change", &[("code", &code)], PAGE).await;
    assert!(taken.contains("sudah dipakai akun Prakerja lain"), "{taken}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_mobile_number_is_corrected_audited_and_told(pool: PgPool) {
    let mut siti = registered(&pool).await;
    let refused = siti.submit("/api/change-mobile", &[("mobile", "12345")], PAGE).await;
    assert!(refused.contains("id=\"mobile-error\""), "{refused}");
    let changed = siti
        .submit("/api/change-mobile", &[("mobile", "0857 1111 2222")], PAGE)
        .await;
    assert!(changed.contains("Nomor ponsel Anda sekarang"), "{changed}");
    let mobile: String = sqlx::query_scalar("select mobile from applicants")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mobile, "+6285711112222");
    let after: serde_json::Value =
        sqlx::query_scalar("select after from audit_log where action = 'data_subject.mobile-change'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!after.to_string().contains("85711112222"), "masked: {after}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deletion_request_is_recorded_once_and_carried_out_by_the_job(pool: PgPool) {
    let mut siti = registered(&pool).await;
    let page = siti.get(PAGE).await.body;
    assert!(page.contains("Yang disimpan sampai 31 Desember 2027"), "{page}");
    let refused = siti.submit("/api/request-deletion", &[], PAGE).await;
    assert!(refused.contains("Centang pernyataan"), "{refused}");
    let asked = siti.submit("/api/request-deletion", &[("confirm", "ya")], PAGE).await;
    assert!(asked.contains("Permintaan penghapusan tercatat"), "{asked}");
    siti.submit("/api/request-deletion", &[("confirm", "ya")], PAGE).await;
    assert_eq!(
        count(&pool, "select count(*) from deletion_requests").await,
        1,
        "twice is once"
    );

    let done = app::my_data::rights::db::carry_out_deletions(&pool, wednesday_morning())
        .await
        .unwrap();
    assert_eq!(done, 1);
    assert_eq!(
        app::my_data::rights::db::carry_out_deletions(&pool, wednesday_morning())
            .await
            .unwrap(),
        0
    );
    // Signed out everywhere, and the address no longer signs in to this account.
    assert_eq!(siti.get(PAGE).await.location(), Some("/masuk"));
    assert_eq!(
        count(&pool, "select count(*) from accounts where email = 'siti@contoh.id'").await,
        0
    );
    let (mobile, city, erased): (String, String, bool) =
        sqlx::query_as("select mobile, city, erased_at is not null from applicants")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((mobile.as_str(), city.as_str(), erased), ("+62800000000", "-", true));
    // Kept, as the page said: the NIK, until the end of next year.
    assert_eq!(
        count(&pool, &format!("select count(*) from applicants where nik = '{NIK}'")).await,
        1
    );
    let kept: chrono::NaiveDate = sqlx::query_scalar("select kept_until from deletion_requests")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept.to_string(), "2027-12-31");
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'data_subject.deletion' and actor = 'sistem'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn downloads_and_codes_are_budgeted(pool: PgPool) {
    let mut siti = registered(&pool).await;
    for n in 0..20 {
        assert_eq!(siti.get("/dasbor/data-saya.json").await.status, 200, "{n}");
    }
    let refused = siti.get("/dasbor/data-saya.pdf").await;
    assert_eq!(refused.status, 429, "an honest refusal: {}", refused.body);

    // Five wrong codes void the change: the right one no longer works.
    siti.submit("/api/request-email-change", &[("email", "baru@contoh.id")], PAGE)
        .await;
    let code = change_code(&pool, "baru@contoh.id").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        siti.submit("/api/confirm-email-change", &[("code", wrong)], PAGE).await;
    }
    let void = siti.submit("/api/confirm-email-change", &[("code", &code)], PAGE).await;
    assert!(void.contains("tidak berlaku lagi"), "{void}");
    assert_eq!(
        count(&pool, "select count(*) from accounts where email = 'baru@contoh.id'").await,
        0
    );
    // And changes asked are budgeted: each sends a message to an address of the asker's choice.
    for n in 1..5 {
        let asked = siti
            .submit(
                "/api/request-email-change",
                &[("email", &format!("baru{n}@contoh.id"))],
                PAGE,
            )
            .await;
        assert!(asked.contains("Kode dikirim"), "{n}: {asked}");
    }
    let refused = siti
        .submit("/api/request-email-change", &[("email", "lagi@contoh.id")], PAGE)
        .await;
    assert!(
        refused.contains("Anda sudah 5 kali meminta perubahan email hari ini"),
        "{refused}"
    );
}
