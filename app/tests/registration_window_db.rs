//! The registration window as stored in PostgreSQL, at its edges.
#![cfg(feature = "ssr")]

use app::registration::{db, schedule::ExceptionKind};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Jakarta;
use sqlx::PgPool;

fn wib(s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    Jakarta.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_seeded_schedule_is_monday_to_thursday_eight_to_four(pool: PgPool) {
    let open = db::status(&pool, wib("2026-12-03 15:59:59")).await.unwrap();
    assert!(open.open, "Thursday 15:59:59 WIB is open");
    assert_eq!(open.next_change, Some(wib("2026-12-03 16:00:00").timestamp()));

    let closed = db::status(&pool, wib("2026-12-03 16:00:00")).await.unwrap();
    assert!(!closed.open, "Thursday 16:00:00 WIB is closed");
    assert_eq!(
        closed.next_change_label.as_deref(),
        Some("Senin, 7 Desember 2026 pukul 08.00 WIB")
    );
    assert_eq!(closed.today, "2026-12-03");

    assert!(!db::status(&pool, wib("2026-11-30 07:59:59")).await.unwrap().open);
    assert!(db::status(&pool, wib("2026-11-30 08:00:00")).await.unwrap().open);
}

#[sqlx::test(migrations = "../migrations")]
async fn operators_add_holidays_and_extra_days_with_an_audit_record(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    db::add_exception(
        &mut tx,
        ExceptionKind::Closed,
        wib("2026-12-03 00:00:00"),
        wib("2026-12-04 00:00:00"),
        "Cuti bersama",
        "cli:test",
    )
    .await
    .unwrap();
    db::add_exception(
        &mut tx,
        ExceptionKind::Open,
        wib("2026-12-05 09:00:00"),
        wib("2026-12-05 12:00:00"),
        "Sabtu tambahan",
        "cli:test",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert!(
        !db::status(&pool, wib("2026-12-03 10:00:00")).await.unwrap().open,
        "the holiday closes Thursday"
    );
    let friday = db::status(&pool, wib("2026-12-04 10:00:00")).await.unwrap();
    assert_eq!(
        friday.next_change,
        Some(wib("2026-12-05 09:00:00").timestamp()),
        "the extra Saturday opens next"
    );
    assert!(db::status(&pool, wib("2026-12-05 11:59:59")).await.unwrap().open);

    let audited: Vec<String> = sqlx::query_scalar("select action from audit_log order by id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audited, ["registration.exception.add", "registration.exception.add"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_log_is_append_only(pool: PgPool) {
    app::audit::record(&pool, "cli:test", "test.action", "x/1", None, None)
        .await
        .unwrap();
    assert!(sqlx::query("update audit_log set actor = 'someone else'")
        .execute(&pool)
        .await
        .is_err());
    assert!(sqlx::query("delete from audit_log").execute(&pool).await.is_err());
    assert!(sqlx::query("truncate audit_log").execute(&pool).await.is_err());
}
