//! "NIK saya dipakai orang lain" over HTTP without JavaScript: the owner of a NIK that someone
//! else registered files a dispute; the record holding the NIK is held until an operator
//! decides; a granted dispute frees the NIK for its owner. Filing is no oracle and is budgeted.

mod support;

use app::operators::OperatorRole;
use sqlx::PgPool;
use support::*;

const STATEMENT: &str = "Saya belum pernah mendaftar Prakerja, tetapi NIK saya ditolak karena sudah terdaftar.";

async fn fill_all_steps(browser: &mut Browser, nik: &str) {
    for step in [identity(nik, KK), contact(), background()] {
        let saved = browser.post_form("/api/signup-save-step", &pairs(&step)).await;
        assert!(saved.location().is_some(), "{}", saved.body);
    }
}

async fn submit(browser: &mut Browser) -> Response {
    let page = browser.get("/daftar/periksa").await;
    let mut fields = hidden_fields(&page.body);
    fields.push(("declaration".into(), "ya".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form("/api/signup-submit", &fields).await
}

/// The dispute form as the page serves it (its idempotency key included), posted with these.
async fn file_dispute(browser: &mut Browser, nik: &str, statement: &str) -> (Response, Vec<(String, String)>) {
    let page = browser.get("/daftar/sanggah-nik").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = hidden_fields(&page.body);
    fields.push(("nik".into(), nik.into()));
    fields.push(("statement".into(), statement.into()));
    let posted: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    (browser.post_form("/api/nik-dispute", &posted).await, fields)
}

async fn applicant_with_email(pool: &PgPool, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("select a.id from applicants a join accounts c on c.id = a.account_id where c.email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_owner_of_a_taken_nik_disputes_it_and_gets_it_back(pool: PgPool) {
    // Someone registers the owner's NIK first.
    let mut holder = Browser::new(pool.clone(), wednesday_morning());
    holder.sign_in("pemakai@contoh.id").await;
    fill_all_steps(&mut holder, NIK).await;
    assert_eq!(submit(&mut holder).await.location(), Some("/dasbor?baru=1"));
    let holder_id = applicant_with_email(&pool, "pemakai@contoh.id").await;

    // The owner is refused, and the page shows the way to dispute.
    let mut owner = holder.another();
    owner.sign_in("pemilik@contoh.id").await;
    fill_all_steps(&mut owner, NIK).await;
    assert_eq!(submit(&mut owner).await.location(), Some("/daftar/periksa"));
    let refused = owner.get("/daftar/periksa").await.body;
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
    let (short, _) = file_dispute(&mut owner, NIK, "NIK saya").await;
    assert_eq!(short.location(), Some("/daftar/sanggah-nik"));
    let page = owner.get("/daftar/sanggah-nik").await.body;
    assert!(page.contains("minimal 30 karakter"), "{page}");
    assert!(page.contains(">NIK saya</textarea>"));

    let (filed, fields) = file_dispute(&mut owner, NIK, STATEMENT).await;
    assert_eq!(filed.location(), Some("/daftar/sanggah-nik"));
    let page = owner.get("/daftar/sanggah-nik").await.body;
    assert!(page.contains("Sanggahan SNG-"), "{page}");
    assert!(page.contains("Sedang diperiksa petugas"));
    // A double click or a replay files nothing more.
    let posted: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
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
    let dispute_id = hidden_fields(&queue)
        .into_iter()
        .find(|(name, _)| name == "dispute")
        .unwrap()
        .1;
    let no_note = verifier
        .post_form(
            "/api/decide-dispute",
            &[("dispute", &dispute_id), ("decision", "dikabulkan"), ("note", "")],
        )
        .await;
    assert_eq!(no_note.location(), Some("/operator/sanggahan"));
    assert!(verifier.get("/operator/sanggahan").await.body.contains("Tulis alasan"));
    assert_eq!(
        count(&pool, "select count(*) from nik_disputes where status = 'terbuka'").await,
        1
    );

    let granted = verifier
        .post_form(
            "/api/decide-dispute",
            &[
                ("dispute", &dispute_id),
                ("decision", "dikabulkan"),
                ("note", "Pengaju menunjukkan KTP asli di kantor layanan."),
            ],
        )
        .await;
    assert_eq!(granted.location(), Some("/operator/sanggahan"));
    assert!(verifier.get("/operator/sanggahan").await.body.contains("dikabulkan"));
    // Deciding it again changes nothing.
    verifier
        .post_form(
            "/api/decide-dispute",
            &[
                ("dispute", &dispute_id),
                ("decision", "ditolak"),
                ("note", "Salah klik di konsol."),
            ],
        )
        .await;
    assert_eq!(
        count(&pool, "select count(*) from nik_disputes where status = 'dikabulkan'").await,
        1
    );
    assert_eq!(
        count(&pool, "select count(*) from audit_log where action = 'nik_disputes.dikabulkan' and actor = 'operator:verifikator.sanggahan'").await,
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
    assert_eq!(submit(&mut owner).await.location(), Some("/dasbor?baru=1"));
    assert_eq!(
        count(&pool, &format!("select count(*) from nik_claims where nik = '{NIK}'")).await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn filing_tells_nothing_about_the_nik_and_is_budgeted(pool: PgPool) {
    let mut holder = Browser::new(pool.clone(), wednesday_morning());
    holder.sign_in("pemakai@contoh.id").await;
    fill_all_steps(&mut holder, NIK).await;
    submit(&mut holder).await;

    let mut prober = holder.another();
    prober.sign_in("penebak@contoh.id").await;
    // One registered NIK and two that are not: the same answer for each.
    let mut notices = Vec::new();
    for nik in [NIK, "3201015708950004", "3201015708950005"] {
        let (filed, _) = file_dispute(&mut prober, nik, STATEMENT).await;
        assert_eq!(filed.location(), Some("/daftar/sanggah-nik"));
        let page = prober.get("/daftar/sanggah-nik").await.body;
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
    let (refused, _) = file_dispute(&mut prober, "3201015708950006", STATEMENT).await;
    assert_eq!(refused.location(), Some("/daftar/sanggah-nik"));
    assert!(prober
        .get("/daftar/sanggah-nik")
        .await
        .body
        .contains("Terlalu banyak sanggahan"));
    assert_eq!(count(&pool, "select count(*) from nik_disputes").await, 3);

    // A registered applicant has nothing to dispute from their account.
    let (own, _) = file_dispute(&mut holder, "3201015708950007", STATEMENT).await;
    assert_eq!(own.location(), Some("/daftar/sanggah-nik"));
    assert!(holder
        .get("/daftar/sanggah-nik")
        .await
        .body
        .contains("sudah terdaftar sebagai pendaftar"));

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
    let mut holder = Browser::new(pool.clone(), wednesday_morning());
    holder.sign_in("pemilik.asli@contoh.id").await;
    fill_all_steps(&mut holder, NIK).await;
    submit(&mut holder).await;
    let mut claimant = holder.another();
    claimant.sign_in("pengaku@contoh.id").await;
    file_dispute(&mut claimant, NIK, STATEMENT).await;

    let mut admin = signed_in_operator(&holder, "admin.sanggahan", OperatorRole::ProgramAdmin).await;
    let queue = admin.get("/operator/sanggahan").await.body;
    let dispute_id = hidden_fields(&queue)
        .into_iter()
        .find(|(name, _)| name == "dispute")
        .unwrap()
        .1;
    admin
        .post_form(
            "/api/decide-dispute",
            &[
                ("dispute", &dispute_id),
                ("decision", "ditolak"),
                ("note", "Pemegang NIK menunjukkan KTP aslinya."),
            ],
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
