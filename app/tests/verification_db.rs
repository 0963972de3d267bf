//! The exclusion list import against a real PostgreSQL.
#![cfg(feature = "ssr")]

mod support;

use app::{
    domain::ExclusionSource,
    verification::exclusions::{import, rejected_lines, ExclusionImport, ImportError},
};
use sqlx::PgPool;
use support::{count, now};

const FILE: &str = "nik,kategori\n\
                    3201011708950001,asn\n\
                    3201011708950002,tni-polri\n\
                    3201015708950003,pelajar\n\
                    32010117089500,asn\n\
                    3201011708950004,pns\n";

#[sqlx::test(migrations = "../migrations")]
async fn an_import_adds_the_good_lines_and_reports_the_others(pool: PgPool) {
    let report = import(&pool, FILE, "BKN 2026-11", "cli:operator", now()).await.unwrap();
    assert_eq!((report.added, report.changed, report.unchanged), (3, 0, 0));
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![5, 6]);
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 3);
    let category: String = sqlx::query_scalar("select category from exclusions where nik = '3201015708950003'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(category, "pelajar");
}

#[sqlx::test(migrations = "../migrations")]
async fn importing_the_same_file_again_changes_nothing(pool: PgPool) {
    import(&pool, FILE, "BKN 2026-11", "cli:operator", now()).await.unwrap();
    let again = import(&pool, FILE, "BKN 2026-11", "cli:operator", now()).await.unwrap();
    assert_eq!((again.added, again.changed, again.unchanged), (0, 0, 3));
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 3);
    // A later file moves a NIK to another category.
    let moved = import(
        &pool,
        "3201011708950001,penerima-sebelumnya\n",
        "Prakerja 2025",
        "cli:operator",
        now(),
    )
    .await
    .unwrap();
    assert_eq!((moved.added, moved.changed, moved.unchanged), (0, 1, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn every_import_is_in_the_audit_log(pool: PgPool) {
    import(&pool, FILE, "BKN 2026-11", "cli:operator", now()).await.unwrap();
    let (actor, action, subject, after): (String, String, String, serde_json::Value) =
        sqlx::query_as("select actor, action, subject, after from audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), subject.as_str()),
        ("cli:operator", "exclusions.import", "BKN 2026-11")
    );
    assert_eq!(after["added"], 3);
    assert_eq!(after["rejected"], 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_with_no_good_line_imports_nothing(pool: PgPool) {
    let report = import(&pool, "bukan,csv,yang,benar\n", "salah", "cli:operator", now())
        .await
        .unwrap();
    assert_eq!((report.added, report.rejected.len()), (0, 1));
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_fed_a_few_bytes_at_a_time_imports_as_one_fed_whole(pool: PgPool) {
    let text = format!(
        "{FILE}3201011708950001,penerima-sebelumnya\n{}\n3201011708950009,dpr-dprd",
        "9".repeat(600)
    );
    let source = ExclusionSource::parse("BKN 2026-11").unwrap();
    let mut import = ExclusionImport::begin(&pool, &source, "cli:operator", None, now())
        .await
        .unwrap();
    for chunk in text.as_bytes().chunks(7) {
        import.feed(chunk).await.unwrap();
    }
    let report = import.finish(now()).await.unwrap();
    // The last line has no newline; the overlong one is refused without being buffered.
    assert_eq!((report.lines, report.added, report.rejected_total), (9, 4, 4));
    let rejected: Vec<(u64, String)> = rejected_lines(&pool, report.import_id, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.line, r.reason))
        .collect();
    assert_eq!(rejected[0].0, 5);
    assert_eq!(rejected[1].0, 6);
    assert_eq!(rejected[2], (7, "NIK ini sudah ada di baris 2".to_owned()));
    assert_eq!(rejected[3], (8, "baris terlalu panjang untuk nik,kategori".to_owned()));
    // The first line of a NIK counts: 3201011708950001 stays a civil servant.
    let category: String = sqlx::query_scalar("select category from exclusions where nik = '3201011708950001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(category, "asn");
    let (lines, finished): (i64, bool) =
        sqlx::query_as("select lines_read, finished_at is not null from exclusion_imports where id = $1")
            .bind(report.import_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((lines, finished), (9, true));
}

#[sqlx::test(migrations = "../migrations")]
async fn one_import_runs_at_a_time_and_a_cut_off_one_leaves_nothing(pool: PgPool) {
    let source = ExclusionSource::parse("BKN 2026-11").unwrap();
    let mut first = ExclusionImport::begin(&pool, &source, "cli:a", None, now())
        .await
        .unwrap();
    first.feed(FILE.as_bytes()).await.unwrap();
    let second = ExclusionImport::begin(&pool, &source, "cli:b", None, now()).await;
    assert!(matches!(second, Err(ImportError::Busy)));
    // The upload is cut off: the import is dropped unfinished.
    drop(first);
    assert_eq!(count(&pool, "select count(*) from exclusions").await, 0);
    assert_eq!(
        count(&pool, "select count(*) from exclusion_import_rejections").await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from exclusion_imports where finished_at is null"
        )
        .await,
        1
    );
    // And the next one may start, once the dropped transaction's rollback (sent as its
    // connection goes back to the pool) has released the lock.
    for _ in 0..100 {
        match import(&pool, FILE, "BKN 2026-11", "cli:b", now()).await {
            Ok(report) => return assert_eq!(report.added, 3),
            Err(ImportError::Busy) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            Err(other) => panic!("{other}"),
        }
    }
    panic!("the lock of the dropped import was never released");
}

mod operators {
    use app::operators::{
        db::{self, CreateOperatorError},
        OperatorRole, Password, Username,
    };

    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn an_operator_is_created_once_with_an_argon2_hash_and_audited(pool: PgPool) {
        let username = Username::parse("siti.verif").unwrap();
        let create = || {
            let password = Password::parse("kuda baterai staples benar").unwrap();
            db::create(
                &pool,
                &username,
                "Siti",
                OperatorRole::Verifier,
                password,
                "cli:root",
                now(),
            )
        };
        create().await.unwrap();
        let again = create().await;
        assert!(matches!(again, Err(CreateOperatorError::UsernameTaken)));

        let stored: String = sqlx::query_scalar("select password_hash from operators where username = 'siti.verif'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("kuda"));
        assert!(
            db::password_matches("kuda baterai staples benar".into(), stored.clone())
                .await
                .unwrap()
        );
        assert!(!db::password_matches("kuda baterai staples salah".into(), stored)
            .await
            .unwrap());

        let (action, subject): (String, String) = sqlx::query_as("select action, subject from audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((action.as_str(), subject.as_str()), ("operators.create", "siti.verif"));
    }
}
