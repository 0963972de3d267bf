//! Pengaduan over HTTP, as a browser without JavaScript uses it: a complaint filed from the
//! page it is about (the record attached only when it is the applicant's), answered within five
//! working days (WIB, holidays skipped), replied to and closed by an operator, read by the
//! applicant; a resent form is one complaint, and one posted after the session expired is filed
//! at the next sign-in. Each step audited and emailed.

mod support;

use app::operators::OperatorRole;
use sqlx::PgPool;
use support::*;

const NEW: &str = "/pengaduan/baru";
const LIST: &str = "/pengaduan";
const QUEUE: &str = "/operator/pengaduan";
const EMAIL: &str = "siti@contoh.id";
const BODY: &str = "Data saya ditolak padahal NIK dan nama sudah sesuai KTP.";

async fn verified_applicant(pool: &PgPool) -> Browser {
    let mut siti = Browser::signed_in(pool.clone(), EMAIL).await;
    siti.register(NIK, KK).await;
    verify_all_as_registered(pool, wednesday_morning()).await;
    siti
}

/// The new-complaint form about `about`, as the page shows it: its hidden fields.
async fn form(browser: &mut Browser, about: &str) -> (String, Vec<(String, String)>) {
    let page = browser.get(&format!("{NEW}?tentang={about}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let hidden = hidden_fields(&page.body);
    (page.body, hidden)
}

fn filled<'a>(hidden: &'a [(String, String)], category: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = form_pairs(hidden);
    fields.push(("complaint[category]", category));
    fields.push(("complaint[body]", body));
    fields
}

#[sqlx::test(migrations = "../migrations")]
async fn a_complaint_about_a_record_is_answered_closed_and_read(pool: PgPool) {
    let mut siti = verified_applicant(&pool).await;
    let (page, hidden) = form(&mut siti, "verifikasi").await;
    assert!(page.contains("Tentang: "), "{page}");
    assert!(page.contains("Verifikasi: "), "the record is attached: {page}");

    // Too short: refused beside the field, what was typed kept.
    let short = filled(&hidden, "verifikasi", "Tolong.");
    let refused = siti.submit("/api/file-complaint", &short, NEW).await;
    assert!(refused.contains("paling sedikit 20 karakter"), "{refused}");
    assert!(refused.contains("Tolong."), "{refused}");

    let fields = filled(&hidden, "verifikasi", BODY);
    let filed = siti.post_form("/api/file-complaint", &fields).await;
    assert_eq!(filed.location(), Some(LIST));
    // The same form again (a double click): the same complaint.
    siti.post_form("/api/file-complaint", &fields).await;
    assert_eq!(count(&pool, "select count(*) from complaints").await, 1);
    let list = siti.get(LIST).await.body;
    let reference: String = sqlx::query_scalar("select reference from complaints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(list.contains(&format!("Pengaduan {reference} tercatat.")), "{list}");
    assert!(list.contains("menunggu jawaban"), "{list}");
    // Filed on Wednesday 2 December: five working days is Wednesday the 9th.
    assert!(
        list.contains("dijawab paling lambat Rabu, 9 Desember 2026 pukul 23.59 WIB"),
        "{list}"
    );
    assert!(list.contains(BODY));
    let dashboard = siti.get("/dasbor").await.body;
    assert!(
        dashboard.contains("<span data-complaints=\"\">1 menunggu jawaban</span>"),
        "{dashboard}"
    );

    // Operators see it in their queue, with the record, and answer.
    let mut verifier = signed_in_operator(&siti, "verifikator.aduan", OperatorRole::Verifier).await;
    let queue = verifier.get(QUEUE).await.body;
    assert!(queue.contains(&reference) && queue.contains("Verifikasi: "), "{queue}");
    let reply_field = format!("text-{reference}");
    let answer = "Data Anda sudah kami periksa ulang dan kini terverifikasi.";
    let replied = verifier
        .submit(
            "/api/handle-complaint",
            &[("complaint", &reference), ("action", "jawab"), ("text", answer)],
            QUEUE,
        )
        .await;
    assert!(
        replied.contains(&format!("Jawaban untuk {reference} terkirim.")),
        "{replied}"
    );
    // Closing needs an outcome: refused beside this complaint's field.
    let refused = verifier
        .submit(
            "/api/handle-complaint",
            &[
                ("complaint", &reference),
                ("action", "tutup"),
                ("text", answer),
                ("outcome", ""),
            ],
            QUEUE,
        )
        .await;
    assert!(
        refused.contains(&format!("id=\"outcome-{reference}-error\"")),
        "{refused}"
    );
    assert!(!reply_field.is_empty());
    verifier
        .submit(
            "/api/handle-complaint",
            &[
                ("complaint", &reference),
                ("action", "tutup"),
                ("text", "Pengaduan kami tutup: verifikasi Anda sudah benar."),
                ("outcome", "diselesaikan"),
            ],
            QUEUE,
        )
        .await;
    assert!(
        !verifier.get(QUEUE).await.body.contains(&reference),
        "closed: out of the queue"
    );

    // The applicant reads both answers, by an operator not named, and was emailed each.
    let list = siti.get(LIST).await.body;
    assert!(list.contains(answer) && list.contains("Petugas Prakerja"), "{list}");
    assert!(list.contains("selesai: Diselesaikan"), "{list}");
    assert!(!list.contains("verifikator.aduan"), "{list}");
    assert!(siti.get("/dasbor").await.body.contains("1 selesai"));
    let subjects: Vec<String> = sqlx::query_scalar(
        "select subject from outbox_messages where recipient = $1 and subject like 'Pengaduan%' order by id",
    )
    .bind(EMAIL)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        subjects,
        [
            format!("Pengaduan {reference} kami terima"),
            format!("Pengaduan {reference} dijawab"),
            format!("Pengaduan {reference} selesai ditangani")
        ]
    );
    for action in ["complaints.file", "complaints.reply", "complaints.close"] {
        assert_eq!(
            count(
                &pool,
                &format!("select count(*) from audit_log where action = '{action}' and subject = '{reference}'")
            )
            .await,
            1,
            "{action}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn another_persons_record_is_never_attached(pool: PgPool) {
    let mut siti = verified_applicant(&pool).await;
    // A record of someone else (or of no one) named in the address: nothing attached or said.
    let mut other = Browser::signed_in(pool.clone(), "lain@contoh.id").await;
    let (page, hidden) = form(&mut other, "verifikasi").await;
    assert!(!page.contains("Tentang: "), "{page}");
    let fields = filled(&hidden, "verifikasi", BODY);
    other.post_form("/api/file-complaint", &fields).await;
    let about: Option<String> = sqlx::query_scalar("select about_summary from complaints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(about, None);
    // A forged record name posted with the form is checked again, and dropped.
    let (_, hidden) = form(&mut other, "").await;
    let mut forged: Vec<(String, String)> = hidden.into_iter().filter(|(k, _)| k != "complaint[about]").collect();
    forged.push(("complaint[about]".into(), "verifikasi".into()));
    let mut fields: Vec<(&str, &str)> = form_pairs(&forged);
    fields.push(("complaint[category]", "lainnya"));
    fields.push(("complaint[body]", BODY));
    other.post_form("/api/file-complaint", &fields).await;
    assert_eq!(
        count(&pool, "select count(*) from complaints where about_summary is not null").await,
        0
    );
    // An applicant is no operator.
    let refused = siti
        .post_form(
            "/api/handle-complaint",
            &[("complaint", "PGD-AAAA-AAAA"), ("action", "jawab"), ("text", BODY)],
        )
        .await;
    assert_ne!(refused.status.as_u16(), 200);
    assert_eq!(
        count(
            &pool,
            "select count(*) from complaint_messages where author <> 'peserta'"
        )
        .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_complaint_posted_after_the_session_expired_is_filed_at_the_next_sign_in(pool: PgPool) {
    let mut siti = verified_applicant(&pool).await;
    let (_, hidden) = form(&mut siti, "verifikasi").await;
    // The session ends while the applicant types.
    sqlx::query("delete from sessions").execute(&pool).await.unwrap();
    let fields = filled(&hidden, "verifikasi", BODY);
    let answer = siti.post_form("/api/file-complaint", &fields).await;
    assert_eq!(answer.location(), Some("/masuk"));
    assert_eq!(count(&pool, "select count(*) from complaints").await, 0);
    // A minute later (a new code for the same address waits that long).
    siti.clock.advance(chrono::Duration::minutes(2));
    let after = siti.sign_in(EMAIL).await;
    assert_eq!(after, LIST);
    assert_eq!(count(&pool, "select count(*) from complaints").await, 1);
    assert!(siti.get(LIST).await.body.contains(BODY));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_answer_clock_skips_the_programs_holidays(pool: PgPool) {
    sqlx::query(
        "insert into registration_exceptions (starts_at, ends_at, created_at, kind, note)
         values ($1, $2, now(), 'closed', 'Libur uji')",
    )
    .bind(wib("2026-12-04 00:00:00"))
    .bind(wib("2026-12-05 00:00:00"))
    .execute(&pool)
    .await
    .unwrap();
    let mut siti = verified_applicant(&pool).await;
    let (_, hidden) = form(&mut siti, "verifikasi").await;
    siti.post_form("/api/file-complaint", &filled(&hidden, "verifikasi", BODY))
        .await;
    let list = siti.get(LIST).await.body;
    assert!(
        list.contains("dijawab paling lambat Kamis, 10 Desember 2026 pukul 23.59 WIB"),
        "{list}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_purchase_is_complained_about_from_the_purchases_page(pool: PgPool) {
    let (mut rina, voucher, _) = support::participant::purchase(&pool).await;
    let purchases = rina.get("/pembelian").await.body;
    let link = format!("/pengaduan/baru?tentang=pembelian:{voucher}");
    assert!(purchases.contains(&format!("href=\"{link}\"")), "{purchases}");
    let form = rina.get(&link).await.body;
    assert!(
        form.contains(&format!("(voucher {voucher})")),
        "the purchase is attached: {form}"
    );
    assert!(form.contains("<option value=\"pembelian\" selected"), "{form}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_script_does_not_file_a_thousand_complaints(pool: PgPool) {
    let mut siti = verified_applicant(&pool).await;
    for n in 0..10 {
        let (_, hidden) = form(&mut siti, "verifikasi").await;
        let answer = siti
            .post_form("/api/file-complaint", &filled(&hidden, "lainnya", BODY))
            .await;
        assert_eq!(answer.location(), Some(LIST), "{n}");
    }
    let (_, hidden) = form(&mut siti, "verifikasi").await;
    let refused = siti
        .submit("/api/file-complaint", &filled(&hidden, "lainnya", BODY), NEW)
        .await;
    assert!(
        refused.contains("Anda sudah mengajukan 10 pengaduan hari ini"),
        "{refused}"
    );
    assert_eq!(count(&pool, "select count(*) from complaints").await, 10);
}
