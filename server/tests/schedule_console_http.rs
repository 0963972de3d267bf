//! The registration schedule in the console: a program admin previews and saves the weekly
//! hours and the exceptions, the home page follows at once, every change is audited, and other
//! roles are refused.

mod support;

use app::operators::OperatorRole;
use sqlx::PgPool;
use support::*;

const CONSOLE: &str = "/operator/jadwal";

/// The weekly form with these open days: (ISO weekday, opens, closes).
fn weekly_form(days: &[(u32, &str, &str)], action: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = days
        .iter()
        .flat_map(|(day, opens, closes)| {
            [
                (format!("hours[{day}][open]"), "1".to_owned()),
                (format!("hours[{day}][opens]"), (*opens).to_owned()),
                (format!("hours[{day}][closes]"), (*closes).to_owned()),
            ]
        })
        .collect();
    form.push(("action".to_owned(), action.to_owned()));
    form
}

async fn post(console: &mut Browser, action: &str, form: &[(String, String)]) -> String {
    console.submit(action, &form_pairs(form), CONSOLE).await
}

fn exception_form(kind: &str, date: &str, note: &str, action: &str) -> Vec<(String, String)> {
    [
        ("exception[kind]", kind),
        ("exception[date]", date),
        ("exception[note]", note),
        ("action", action),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

const ARTICLE_WEEK: [(u32, &str, &str); 4] = [
    (1, "08:00", "16:00"),
    (2, "08:00", "16:00"),
    (3, "08:00", "16:00"),
    (4, "08:00", "16:00"),
];

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_previews_then_saves_the_weekly_hours_and_the_home_page_follows(pool: PgPool) {
    // Saturday: closed, next open on Monday at 08:00.
    let visitor = Browser::new(pool.clone(), saturday_morning());
    let mut admin = signed_in_operator(&visitor, "admin.jadwal", OperatorRole::ProgramAdmin).await;
    let mut visitor = visitor;
    assert!(visitor
        .get("/")
        .await
        .body
        .contains("Senin, 7 Desember 2026 pukul 08.00 WIB"));
    let page = admin.get(CONSOLE).await.body;
    assert!(
        page.contains("dibuka lagi Senin, 7 Desember 2026 pukul 08.00 WIB"),
        "{page}"
    );

    // Monday from 10:00, Thursday until 15:00: previewed first, nothing saved.
    let mut week = ARTICLE_WEEK;
    week[0].1 = "10:00";
    week[3].2 = "15:00";
    let previewed = post(&mut admin, "/api/save-weekly-hours", &weekly_form(&week, "pratinjau")).await;
    assert!(previewed.contains("belum disimpan"), "{previewed}");
    assert!(
        previewed.contains("Senin, 7 Desember 2026 pukul 10.00 WIB sampai Senin, 7 Desember 2026 pukul 16.00 WIB"),
        "{previewed}"
    );
    assert!(
        previewed.contains("Kamis, 10 Desember 2026 pukul 08.00 WIB sampai Kamis, 10 Desember 2026 pukul 15.00 WIB")
    );
    assert!(
        previewed.contains("value=\"15:00\""),
        "the previewed hours stay in the form"
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from registration_weekly_hours where opens_at = '10:00'"
        )
        .await,
        0
    );
    assert!(visitor.get("/").await.body.contains("pukul 08.00 WIB"));

    // Saved: audited, and the home page shows the new opening at once.
    let saved = post(&mut admin, "/api/save-weekly-hours", &weekly_form(&week, "simpan")).await;
    assert!(saved.contains("Jam mingguan disimpan."), "{saved}");
    assert_eq!(
        audit_entries(&pool, "registration.weekly.set", "operator:admin.jadwal").await,
        1
    );
    let home = visitor.get("/").await.body;
    assert!(home.contains("Senin, 7 Desember 2026 pukul 10.00 WIB"), "{home}");
    assert!(
        home.contains(
            "dibuka setiap Senin, pukul 10.00–16.00 WIB; Selasa sampai Rabu, pukul 08.00–16.00 WIB; Kamis, pukul 08.00–15.00 WIB."
        ),
        "{home}"
    );

    // A day that closes before it opens is refused beside it, what was typed kept; so is a week
    // with no open day.
    week[1].2 = "07:00";
    let refused = post(&mut admin, "/api/save-weekly-hours", &weekly_form(&week, "simpan")).await;
    assert!(
        refused.contains("Jam tutup Selasa harus setelah jam bukanya."),
        "{refused}"
    );
    assert!(refused.contains("value=\"07:00\""), "{refused}");
    let none = post(&mut admin, "/api/save-weekly-hours", &weekly_form(&[], "simpan")).await;
    assert!(none.contains("paling sedikit satu hari"), "{none}");
    assert_eq!(
        audit_entries(&pool, "registration.weekly.set", "operator:admin.jadwal").await,
        1
    );

    // A verifier neither sees the page nor changes the hours.
    let mut verifier = signed_in_operator(&visitor, "verifikator.jadwal", OperatorRole::Verifier).await;
    assert_eq!(verifier.get(CONSOLE).await.status, 403);
    let form = weekly_form(&ARTICLE_WEEK, "simpan");
    verifier.post_form("/api/save-weekly-hours", &form_pairs(&form)).await;
    assert_eq!(
        count(
            &pool,
            "select count(*) from registration_weekly_hours where opens_at = '10:00'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'registration.weekly.set'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_adds_a_holiday_sees_the_next_opening_move_and_removes_it(pool: PgPool) {
    let mut visitor = Browser::new(pool.clone(), saturday_morning());
    let mut admin = signed_in_operator(&visitor, "admin.libur", OperatorRole::ProgramAdmin).await;

    let previewed = post(
        &mut admin,
        "/api/add-schedule-exception",
        &exception_form("tutup", "2026-12-07", "Cuti bersama", "pratinjau"),
    )
    .await;
    assert!(
        previewed.contains("Selasa, 8 Desember 2026 pukul 08.00 WIB sampai"),
        "{previewed}"
    );
    assert_eq!(count(&pool, "select count(*) from registration_exceptions").await, 0);

    let saved = post(
        &mut admin,
        "/api/add-schedule-exception",
        &exception_form("tutup", "2026-12-07", "Cuti  bersama", "simpan"),
    )
    .await;
    assert!(saved.contains("Pengecualian disimpan: Cuti bersama."), "{saved}");
    assert!(
        saved.contains("Tutup · Senin, 7 Desember 2026 pukul 00.00 WIB sampai Selasa, 8 Desember 2026 pukul 00.00 WIB")
    );
    assert_eq!(
        audit_entries(&pool, "registration.exception.add", "operator:admin.libur").await,
        1
    );
    assert!(visitor
        .get("/")
        .await
        .body
        .contains("Selasa, 8 Desember 2026 pukul 08.00 WIB"));

    // A day gone by, hours the wrong way round, no note: each said beside its field, kept.
    let mut wrong = exception_form("buka", "2026-12-01", "", "simpan");
    wrong.push(("exception[from]".to_owned(), "12:00".to_owned()));
    wrong.push(("exception[until]".to_owned(), "09:00".to_owned()));
    let refused = post(&mut admin, "/api/add-schedule-exception", &wrong).await;
    for message in [
        "Tanggal itu sudah lewat.",
        "Jam selesai harus setelah jam mulai.",
        "Tulis keterangannya",
    ] {
        assert!(refused.contains(message), "{message}: {refused}");
    }
    assert!(refused.contains("value=\"2026-12-01\""), "{refused}");

    // Removed: audited, Monday opens again; a second removal is refused plainly.
    let id: i64 = sqlx::query_scalar("select id from registration_exceptions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let id = id.to_string();
    let removed = admin
        .submit("/api/remove-schedule-exception", &[("exception", id.as_str())], CONSOLE)
        .await;
    assert!(removed.contains("Pengecualian dihapus."), "{removed}");
    assert_eq!(
        audit_entries(&pool, "registration.exception.remove", "operator:admin.libur").await,
        1
    );
    assert!(visitor
        .get("/")
        .await
        .body
        .contains("Senin, 7 Desember 2026 pukul 08.00 WIB"));
    let again = admin
        .submit("/api/remove-schedule-exception", &[("exception", id.as_str())], CONSOLE)
        .await;
    assert!(again.contains("sudah lewat atau sudah dihapus"), "{again}");
}
