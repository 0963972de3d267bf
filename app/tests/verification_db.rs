//! The exclusion list import against a real PostgreSQL.
#![cfg(feature = "ssr")]

mod support;

use app::verification::exclusions::import;
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
    let lines: Vec<usize> = report.rejected.iter().map(|r| r.line).collect();
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
