//! The audit log in the console: program admins filter it by operator, action, target and day,
//! page through it and export it as CSV (the export audited, formulas defused); verifiers and
//! strangers are refused.

mod support;

use app::operators::OperatorRole;
use sqlx::PgPool;
use support::*;

async fn some_history(pool: &PgPool) {
    sqlx::query(
        "insert into audit_log (at, actor, action, subject, after)
         select $1 + n * interval '1 minute', 'operator:admin.satu', 'reviews.hide', 'review:' || n,
                jsonb_build_object('reason', 'alasan ' || n)
         from generate_series(1, 60) n",
    )
    .bind(wednesday_morning() - chrono::Duration::hours(3))
    .execute(pool)
    .await
    .unwrap();
    for (at, actor, action, subject, after) in [
        (
            "2026-12-02 09:30:00",
            "operator:verifikator.dua",
            "verification.decide",
            "PK-AAAA-BBBB",
            r#"{"note": "=HYPERLINK(\"http://evil.example\")"}"#,
        ),
        (
            "2026-11-30 09:00:00",
            "cli:root",
            "exclusions.import",
            "BKN",
            r#"{"rows": 3}"#,
        ),
        (
            "2026-12-02 09:40:00",
            "operator:admin.satu",
            "reviews_x.hide",
            "review:x",
            "{}",
        ),
    ] {
        sqlx::query("insert into audit_log (at, actor, action, subject, after) values ($1, $2, $3, $4, $5::jsonb)")
            .bind(wib(at))
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(after)
            .execute(pool)
            .await
            .unwrap();
    }
}

fn rows_on(page: &str) -> usize {
    page.matches("data-audit=").count()
}

#[sqlx::test(migrations = "../migrations")]
async fn program_admins_filter_page_and_export_the_audit_log(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    some_history(&pool).await;
    let mut admin = signed_in_operator(&browser, "admin.audit", OperatorRole::ProgramAdmin).await;

    // A family of actions, newest first, fifty a page; `_` in a name is no wildcard.
    let first = admin.get("/operator/audit?aksi=reviews").await.body;
    assert_eq!(rows_on(&first), 50, "{first}");
    assert!(first.contains("review:60") && first.contains("review:11<") && !first.contains("review:10<"));
    assert!(!first.contains("review:x"), "reviews_x is another family");
    let older = first
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"))
        .find(|href| href.contains("sebelum="))
        .expect("a link to older entries");
    let second = admin.get(&older).await.body;
    assert_eq!(rows_on(&second), 10);
    assert!(second.contains("review:10<") && second.contains("review:1<"));
    assert!(!second.contains("Lebih lama"));

    // By operator (a username), by target, by day in WIB; a date that cannot be read is said so.
    let by_operator = admin.get("/operator/audit?petugas=verifikator.dua").await.body;
    assert_eq!(rows_on(&by_operator), 1);
    assert!(by_operator.contains("PK-AAAA-BBBB"));
    assert_eq!(rows_on(&admin.get("/operator/audit?sasaran=review%3A7").await.body), 1);
    let by_day = admin
        .get("/operator/audit?dari=2026-11-30&sampai=2026-11-30")
        .await
        .body;
    assert_eq!(rows_on(&by_day), 1);
    assert!(by_day.contains("exclusions.import"));
    let unread = admin.get("/operator/audit?dari=30-11-2026").await.body;
    assert!(unread.contains("Tanggal dari ditulis TTTT-BB-HH"), "{unread}");

    // The export: the same selection, as CSV; a formula is defused; the export is audited.
    let csv = admin.get("/operator/audit.csv?aksi=verification").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.headers["cache-control"], "private, no-store");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,waktu,pelaku,aksi,sasaran,sebelum,sesudah");
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[1].contains("\"PK-AAAA-BBBB\""));
    let all = admin.get("/operator/audit.csv").await.body;
    let recorded = count(&pool, "select count(*) from audit_log").await;
    assert_eq!(
        all.lines().count() as i64,
        1 + recorded,
        "every entry, the exports' own records included"
    );
    assert_eq!(
        audit_entries(&pool, "audit_log.export", "operator:admin.audit").await,
        2
    );
    let exported = admin.get("/operator/audit?aksi=audit_log").await.body;
    assert!(
        exported.contains("aksi=verification"),
        "the export's filter is on record: {exported}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_formula_in_a_field_is_defused_in_the_export(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    sqlx::query("insert into audit_log (actor, action, subject) values ('operator:x', 'reviews.hide', '=1+1')")
        .execute(&pool)
        .await
        .unwrap();
    let mut admin = signed_in_operator(&browser, "admin.rumus", OperatorRole::ProgramAdmin).await;
    let csv = admin.get("/operator/audit.csv?aksi=reviews").await.body;
    assert!(csv.contains("\"'=1+1\""), "{csv}");
}

#[sqlx::test(migrations = "../migrations")]
async fn verifiers_and_strangers_cannot_read_or_export_the_audit_log(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    some_history(&pool).await;
    let mut verifier = signed_in_operator(&browser, "verifikator.audit", OperatorRole::Verifier).await;
    assert_eq!(verifier.get("/operator/audit").await.status, 403);
    let csv = verifier.get("/operator/audit.csv").await;
    assert_eq!(csv.status, 403);
    assert!(!csv.body.contains("review:"));
    let mut stranger = browser.another();
    assert_eq!(
        stranger.get("/operator/audit").await.location(),
        Some("/operator/masuk")
    );
    let csv = stranger.get("/operator/audit.csv").await;
    assert_eq!(csv.location(), Some("/operator/masuk"));
    // An applicant's session is no operator's.
    let mut rina = browser.another();
    server::seed::seed_demo(&pool, wednesday_morning()).await.unwrap();
    rina.sign_in("rina@contoh.id").await;
    assert_eq!(
        rina.get("/operator/audit.csv").await.location(),
        Some("/operator/masuk")
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'audit_log.export'"
        )
        .await,
        0
    );
}
