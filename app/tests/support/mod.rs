//! What the database tests share: the instant they stand at, a valid application, a new
//! account, a count. Each test file uses part of it.
#![allow(dead_code)]

use app::{
    domain::{nik::compose_nik, wib::date_in_program_tz, Gender},
    signup::{SignupApplication, SignupDraft},
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Wednesday 2 December 2026, 10:00 WIB: inside the registration window.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap()
}

/// The registration date of `now()`.
pub fn today() -> NaiveDate {
    date_in_program_tz(now())
}

/// Applicant `n`'s answers: a man born on 1 January 1990 plus `n` days (the NIK says so too),
/// NIK sequence `n + 1`, on the family card `kk`.
pub fn draft(n: u16, kk: &str) -> SignupDraft {
    let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(n as i64);
    SignupDraft {
        nik: compose_nik("317401", birth, Gender::Male, n + 1),
        kk: kk.into(),
        full_name: format!(
            "Pendaftar Uji {}",
            ["Satu", "Dua", "Tiga", "Empat", "Lima", "Enam", "Tujuh", "Delapan"][n as usize % 8]
        ),
        birth_date: birth.to_string(),
        gender: "L".into(),
        birth_place: "Jakarta".into(),
        province: "31".into(),
        city: "Jakarta Selatan".into(),
        mobile: format!("08123{n:07}"),
        education: "sma".into(),
        employment: "pencari-kerja".into(),
        interests: vec!["barista".into()],
    }
}

/// Applicant `n`'s answers, parsed as the signup parses them.
pub fn application(n: u16, kk: &str) -> SignupApplication {
    SignupApplication::parse(&draft(n, kk), true, today()).expect("valid test application")
}

/// A new account, with an address of its own.
pub async fn account(pool: &PgPool) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into accounts (id, email) values ($1, $2)",
        id,
        format!("{id}@contoh.id")
    )
    .execute(pool)
    .await
    .unwrap();
    id
}

/// The one number a `select count(*) …` answers.
pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap()
}

/// Registers `application` for a new account, under a new idempotency key.
pub async fn register_for_new_account(pool: &PgPool, application: &SignupApplication) -> app::signup::db::Registration {
    app::signup::db::register(pool, account(pool).await, Uuid::new_v4(), application, now())
        .await
        .unwrap()
}

/// Applicant `n` straight into the tables, as signup leaves one (account, applicant, NIK claim),
/// for tests of what comes after signup (which has tests of its own): their address is
/// `pendaftar<n>@contoh.id`, and `tag` goes in their reference. Returns (account, applicant, NIK).
pub async fn inserted_applicant(pool: &PgPool, n: u32, tag: &str) -> (Uuid, Uuid, String) {
    let (account, id) = (Uuid::new_v4(), Uuid::now_v7());
    let nik = format!("320101170895{n:04}");
    sqlx::query("insert into accounts (id, email) values ($1, $2)")
        .bind(account)
        .bind(format!("pendaftar{n}@contoh.id"))
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, birth_place,
                                 province_code, city, mobile, education, employment_status, interests, registered_at)
         values ($1, $2, $3, $4, $5, 'Pendaftar Uji', '1995-08-17', 'L', 'Bandung', '32', 'Bandung', '+6281234567890',
                 'sma', 'pencari-kerja', '{barista}', now())",
    )
    .bind(id)
    .bind(account)
    .bind(format!("PK-{tag}-{n:04}-AAAA"))
    .bind(&nik)
    .bind(format!("320101000000{n:04}"))
    .execute(pool)
    .await
    .unwrap();
    // As signup does: the NIK is claimed (a wave's close finds NIKs on lists through the claims).
    sqlx::query("insert into nik_claims (nik, applicant_id) values ($1, $2)")
        .bind(&nik)
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    (account, id, nik)
}
