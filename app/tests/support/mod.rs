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
