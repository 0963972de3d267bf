//! The exclusion list in the console: a program admin uploads an agency's file (plain multipart
//! form), sees its outcome and its rejected lines by number; an upload under way is shown with
//! its progress; any operator looks a NIK up, masked unless a program admin asks, audited and
//! budgeted. Verifiers never get as far as the file.

mod support;

use app::{domain::ExclusionSource, operators::OperatorRole, verification::exclusions::ExclusionImport};
use sqlx::PgPool;
use support::*;

const PAGE: &str = "/operator/pengecualian";
const UPLOAD: &str = "/api/import-exclusions";
const SEARCH: &str = "/api/search-exclusions";

const FILE: &str = "nik,kategori\n\
                    3201011708950001,asn\n\
                    3201011708950002,tni-polri\n\
                    32010117089500,asn\n\
                    3201011708950001,pelajar\n\
                    3201011708950004,pns\n";

async fn upload(console: &mut Browser, source: &str, file: &str) -> Response {
    console
        .post_multipart(UPLOAD, &[("source", None, source), ("file", Some("bkn.csv"), file)])
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_uploads_a_file_and_reads_what_was_rejected(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.daftar", OperatorRole::ProgramAdmin).await;

    let answer = upload(&mut admin, "BKN 2026-11", FILE).await;
    let next = answer.location().expect("back to the page").to_owned();
    assert!(next.starts_with("/operator/pengecualian?impor="), "{next}");
    let page = admin.get(&next).await.body;
    assert!(
        page.contains("Impor BKN 2026-11 selesai: 6 baris, 2 baru, 0 berganti kategori, 0 sudah tercantum, 3 ditolak."),
        "{page}"
    );
    for line in [
        "baris 4: NIK harus terdiri dari 16 angka.",
        "baris 5: NIK ini sudah ada di baris 2",
        "baris 6: kategori tidak dikenal",
    ] {
        assert!(page.contains(line), "{line}: {page}");
    }
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 2);
    assert_eq!(
        audit_entries(&pool, "exclusions.import", "operator:admin.daftar").await,
        1
    );
    // The same file again changes nothing.
    let again = upload(&mut admin, "BKN 2026-11", FILE).await;
    let page = admin.get(again.location().unwrap()).await.body;
    assert!(
        page.contains("0 baru, 0 berganti kategori, 2 sudah tercantum"),
        "{page}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_upload_without_a_source_or_a_file_is_refused_beside_the_field(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.daftar", OperatorRole::ProgramAdmin).await;

    let answer = upload(&mut admin, "  ", FILE).await;
    assert_eq!(answer.location(), Some(PAGE));
    let page = admin.get(PAGE).await.body;
    assert!(page.contains("Tulis asal berkas"), "{page}");
    // A file input left empty sends an empty part: what was typed is kept.
    let answer = upload(&mut admin, "Kemendagri 2026", "").await;
    assert_eq!(answer.location(), Some(PAGE));
    let page = admin.get(PAGE).await.body;
    assert!(page.contains("Pilih berkas CSV daftar pengecualian."), "{page}");
    assert!(page.contains("value=\"Kemendagri 2026\""), "{page}");
    assert_eq!(count(&pool, "select count(*) from exclusion_imports").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_import_under_way_is_shown_with_its_progress_and_one_runs_at_a_time(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.daftar", OperatorRole::ProgramAdmin).await;
    let source = ExclusionSource::parse("BKN besar").unwrap();
    let mut running = ExclusionImport::begin(&pool, &source, "cli:root", Some(400), wednesday_morning())
        .await
        .unwrap();
    // Progress is written as batches go: a file of 20,000 lines and one more.
    let lines: String = (0..20_001)
        .map(|n| format!("320101170895{:04},asn\n", 1 + n % 9_999))
        .collect();
    running.feed(lines.as_bytes()).await.unwrap();
    let page = admin.get(PAGE).await.body;
    assert!(page.contains("BKN besar · berjalan"), "{page}");
    assert!(page.contains("20.000 baris dibaca"), "{page}");
    assert!(page.contains("http-equiv=\"refresh\""), "{page}");

    let answer = upload(&mut admin, "BKN 2026-11", FILE).await;
    assert_eq!(answer.location(), Some(PAGE));
    let page = admin.get(PAGE).await.body;
    assert!(page.contains("Impor lain sedang berjalan"), "{page}");
    drop(running);
}

#[sqlx::test(migrations = "../migrations")]
async fn verifiers_look_niks_up_masked_but_never_upload(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.daftar", OperatorRole::ProgramAdmin).await;
    upload(&mut admin, "BKN 2026-11", FILE).await;
    let mut verifier = signed_in_operator(&browser, "verifikator.daftar", OperatorRole::Verifier).await;

    let page = verifier.get(PAGE).await.body;
    assert!(page.contains("Cari NIK"), "{page}");
    assert!(!page.contains(UPLOAD), "no upload form for a verifier: {page}");
    let answer = upload(&mut verifier, "BKN palsu", "3201011708950009,asn\n").await;
    assert_eq!(answer.location(), Some(PAGE));
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 2);
    assert_eq!(count(&pool, "select count(*) from exclusion_imports").await, 1);

    let found = verifier.submit(SEARCH, &[("nik", "3201011708950001")], PAGE).await;
    assert!(
        found.contains("NIK 3201********0001 tercantum: aparatur sipil negara (ASN), dari berkas BKN 2026-11"),
        "{found}"
    );
    assert!(!found.contains("3201011708950001"), "{found}");
    let missing = verifier.submit(SEARCH, &[("nik", "3201011708950003")], PAGE).await;
    assert!(missing.contains("NIK 3201********0003 tidak tercantum"), "{missing}");
    let shown = admin.submit(SEARCH, &[("nik", "3201011708950002")], PAGE).await;
    assert!(
        shown.contains("NIK 3201011708950002 tercantum: anggota TNI atau Polri"),
        "{shown}"
    );
    // Each lookup is audited under the masked number.
    let subjects: Vec<String> =
        sqlx::query_scalar("select subject from audit_log where action = 'exclusions.search' order by id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(subjects, ["3201********0001", "3201********0003", "3201********0002"]);
    // A malformed number is refused beside the field, as typed.
    let refused = verifier.submit(SEARCH, &[("nik", "32010117")], PAGE).await;
    assert!(refused.contains("NIK harus terdiri dari 16 angka."), "{refused}");
    assert!(refused.contains("value=\"32010117\""), "{refused}");
}

#[sqlx::test(migrations = "../migrations")]
async fn lookups_are_budgeted_per_operator(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut verifier = signed_in_operator(&browser, "verifikator.sapu", OperatorRole::Verifier).await;
    for n in 0..60 {
        let nik = format!("320101170895{:04}", 1_000 + n);
        let page = verifier.submit(SEARCH, &[("nik", &nik)], PAGE).await;
        assert!(page.contains("tidak tercantum"), "{n}: {page}");
    }
    let refused = verifier.submit(SEARCH, &[("nik", "3201011708950001")], PAGE).await;
    assert!(refused.contains("Batas pencarian tercapai"), "{refused}");
    assert_eq!(
        audit_entries(&pool, "exclusions.search", "operator:verifikator.sapu").await,
        60
    );
}
