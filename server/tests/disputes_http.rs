//! "NIK saya dipakai orang lain" over HTTP without JavaScript: the owner of a NIK that someone
//! else registered files a dispute; the record holding the NIK is held until an operator
//! decides; a granted dispute frees the NIK for its owner. Filing is no oracle and is budgeted.

mod support;

use app::operators::OperatorRole;
use sqlx::PgPool;
use support::*;

const STATEMENT: &str = "Saya belum pernah mendaftar Prakerja, tetapi NIK saya ditolak karena sudah terdaftar.";

/// The dispute form as the page serves it (its idempotency key included), filled with these.
async fn dispute_form(browser: &mut Browser, nik: &str, statement: &str) -> Vec<(String, String)> {
    let page = browser.get("/daftar/sanggah-nik").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = hidden_fields(&page.body);
    fields.push(("nik".into(), nik.into()));
    fields.push(("statement".into(), statement.into()));
    fields
}

/// Files a dispute with that form; the form's page, where the browser is sent back to.
async fn file_dispute(browser: &mut Browser, nik: &str, statement: &str) -> String {
    let fields = dispute_form(browser, nik, statement).await;
    let posted = form_pairs(&fields);
    browser.submit("/api/nik-dispute", &posted, "/daftar/sanggah-nik").await
}

/// The console's decision form on a dispute.
fn decision<'a>(dispute: &'a str, decision: &'a str, note: &'a str) -> [(&'static str, &'a str); 3] {
    [("dispute", dispute), ("decision", decision), ("note", note)]
}

/// Posts that form.
async fn decide(console: &mut Browser, dispute: &str, verdict: &str, note: &str) {
    console
        .post_form("/api/decide-dispute", &decision(dispute, verdict, note))
        .await;
}

/// `holder` has registered with `NIK`, and `other` has signed in on the same server: the holder's
/// browser and applicant id, and the other's browser.
async fn nik_taken(pool: &PgPool, holder: &str, other: &str) -> (Browser, uuid::Uuid, Browser) {
    let mut holder_browser = Browser::signed_in(pool.clone(), holder).await;
    let holder_id = holder_browser.register(NIK, KK).await;
    let mut other_browser = holder_browser.another();
    other_browser.sign_in(other).await;
    (holder_browser, holder_id, other_browser)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_owner_of_a_taken_nik_disputes_it_and_gets_it_back(pool: PgPool) {
    // Someone registers the owner's NIK first.
    let (mut holder, holder_id, mut owner) = nik_taken(&pool, "pemakai@contoh.id", "pemilik@contoh.id").await;

    // The owner is refused, and the page shows the way to dispute.
    let refused = owner.signup_refused(NIK, KK).await;
    assert!(refused.contains("NIK ini sudah terdaftar"));
    assert!(
        refused.contains("href=\"/daftar/sanggah-nik\""),
        "the link to the dispute form"
    );
    let form = owner.get("/daftar/sanggah-nik").await.body;
    assert!(
        form.contains(&format!("value=\"{NIK}\"")),
        "the NIK typed in the signup form"
    );

    // A mistake comes back beside its field with what was typed.
    let page = file_dispute(&mut owner, NIK, "NIK saya").await;
    assert!(page.contains("minimal 30 karakter"), "{page}");
    assert!(page.contains(">NIK saya</textarea>"));

    let fields = dispute_form(&mut owner, NIK, STATEMENT).await;
    let posted = form_pairs(&fields);
    let page = owner.submit("/api/nik-dispute", &posted, "/daftar/sanggah-nik").await;
    assert!(page.contains("Sanggahan SNG-"), "{page}");
    assert!(page.contains("Sedang diperiksa petugas"));
    // A double click or a replay files nothing more.
    for _ in 0..3 {
        owner.post_form("/api/nik-dispute", &posted).await;
    }
    assert_eq!(count(&pool, "select count(*) from nik_disputes").await, 1);
    let held: Option<uuid::Uuid> = sqlx::query_scalar("select holder_applicant_id from nik_disputes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(held, Some(holder_id));
    assert_eq!(
        count(
            &pool,
            "select count(*) from outbox_messages where recipient = 'pemakai@contoh.id' and body like '%ditahan%'"
        )
        .await,
        1,
        "the holder is told the record is held"
    );

    // The queue shows the dispute with the NIK masked; a decision needs a note.
    let mut verifier = signed_in_operator(&holder, "verifikator.sanggahan", OperatorRole::Verifier).await;
    let queue = verifier.get("/operator/sanggahan").await.body;
    assert!(queue.contains(STATEMENT));
    assert!(queue.contains("3201********0003"), "masked NIK");
    assert!(!queue.contains(NIK), "never the full NIK");
    let dispute_id = hidden_field(&queue, "dispute");
    let no_note = verifier
        .submit(
            "/api/decide-dispute",
            &decision(&dispute_id, "dikabulkan", ""),
            "/operator/sanggahan",
        )
        .await;
    assert!(no_note.contains("Tulis alasan"));
    assert_eq!(
        count(&pool, "select count(*) from nik_disputes where status = 'terbuka'").await,
        1
    );

    let granted = verifier
        .submit(
            "/api/decide-dispute",
            &decision(
                &dispute_id,
                "dikabulkan",
                "Pengaju menunjukkan KTP asli di kantor layanan.",
            ),
            "/operator/sanggahan",
        )
        .await;
    assert!(granted.contains("dikabulkan"));
    // Deciding it again changes nothing.
    decide(&mut verifier, &dispute_id, "ditolak", "Salah klik di konsol.").await;
    assert_eq!(
        count(&pool, "select count(*) from nik_disputes where status = 'dikabulkan'").await,
        1
    );
    assert_eq!(
        audit_entries(&pool, "nik_disputes.dikabulkan", "operator:verifikator.sanggahan").await,
        1
    );
    let (status, reasons): (String, Vec<String>) =
        sqlx::query_as("select status, reasons from verifications where applicant_id = $1")
            .bind(holder_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), reasons),
        ("ditolak", vec!["nik-milik-orang-lain".to_owned()])
    );
    assert!(holder
        .get("/dasbor")
        .await
        .body
        .contains("petugas memutuskan bahwa NIK itu miliknya"));

    // The NIK is free: its owner registers with it.
    assert!(owner.get("/daftar/sanggah-nik").await.body.contains("Dikabulkan"));
    assert_eq!(owner.submit_signup(true).await.location(), Some("/dasbor?baru=1"));
    assert_eq!(
        count(&pool, &format!("select count(*) from nik_claims where nik = '{NIK}'")).await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn filing_tells_nothing_about_the_nik_and_is_budgeted(pool: PgPool) {
    let (mut holder, _, mut prober) = nik_taken(&pool, "pemakai@contoh.id", "penebak@contoh.id").await;
    // One registered NIK and two that are not: the same answer for each.
    let mut notices = Vec::new();
    for nik in [NIK, "3201015708950004", "3201015708950005"] {
        let page = file_dispute(&mut prober, nik, STATEMENT).await;
        let notice = page[page.find("Sanggahan SNG-").expect("a notice")..]
            .split(['<', '&', '"'])
            .next()
            .unwrap()
            .to_owned();
        // The same words around a reference of its own.
        notices.push(notice.replacen(&notice["Sanggahan ".len().."Sanggahan SNG-XXXX-XXXX".len()], "", 1));
    }
    assert!(notices.iter().all(|n| n == &notices[0]), "{notices:?}");

    // A fourth in the month is refused, and files nothing.
    let refused = file_dispute(&mut prober, "3201015708950006", STATEMENT).await;
    assert!(refused.contains("Terlalu banyak sanggahan"));
    assert_eq!(count(&pool, "select count(*) from nik_disputes").await, 3);

    // A registered applicant has nothing to dispute from their account.
    let own = file_dispute(&mut holder, "3201015708950007", STATEMENT).await;
    assert!(own.contains("sudah terdaftar sebagai pendaftar"));

    // Signed out: to the sign-in page, nothing filed.
    let mut stranger = holder.another();
    let signed_out = stranger
        .post_form(
            "/api/nik-dispute",
            &[
                ("nik", NIK),
                ("statement", STATEMENT),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(signed_out.location(), Some("/masuk"));
    assert_eq!(count(&pool, "select count(*) from nik_disputes").await, 3);
    // Applicants are not operators.
    assert_eq!(
        prober.get("/operator/sanggahan").await.location(),
        Some("/operator/masuk")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_dispute_ends_the_hold(pool: PgPool) {
    let (holder, _, mut claimant) = nik_taken(&pool, "pemilik.asli@contoh.id", "pengaku@contoh.id").await;
    let fields = dispute_form(&mut claimant, NIK, STATEMENT).await;
    claimant.post_form("/api/nik-dispute", &form_pairs(&fields)).await;

    let mut admin = signed_in_operator(&holder, "admin.sanggahan", OperatorRole::ProgramAdmin).await;
    let queue = admin.get("/operator/sanggahan").await.body;
    let dispute_id = hidden_field(&queue, "dispute");
    decide(
        &mut admin,
        &dispute_id,
        "ditolak",
        "Pemegang NIK menunjukkan KTP aslinya.",
    )
    .await;
    assert_eq!(
        count(&pool, "select count(*) from nik_disputes where status = 'ditolak'").await,
        1
    );
    assert_eq!(
        count(&pool, &format!("select count(*) from nik_claims where nik = '{NIK}'")).await,
        1,
        "the holder keeps the NIK"
    );
    assert!(claimant
        .get("/daftar/sanggah-nik")
        .await
        .body
        .contains("Pemegang NIK menunjukkan KTP aslinya."));
    assert_eq!(
        count(&pool, "select count(*) from outbox_messages where recipient = 'pengaku@contoh.id' and subject = 'Keputusan sanggahan NIK'").await,
        1
    );
}
