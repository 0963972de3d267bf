//! A synthetic pool for a wave: N verified applicants who joined it, written with COPY (about a
//! minute per million here), for demos and the draw benchmark. A small share is put on the
//! exclusion list and on a priority list, so the close has something to recheck and tiers to fill.
//! Every row obeys the schema's constraints (unique NIK claims included); emails end in
//! `.invalid`, so nothing can ever be sent to them.

use std::{fmt::Write, time::Instant};

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Provinces of the NIK's first two digits.
const PROVINCES: [&str; 10] = ["11", "12", "31", "32", "33", "34", "35", "36", "51", "73"];
const EMPLOYMENT: [&str; 5] = [
    "pencari-kerja",
    "korban-phk",
    "pekerja-terdampak-covid",
    "umk-terdampak-covid",
    "pekerja",
];
const ROWS_PER_SEND: usize = 20_000;
// Both pools write these tables, column for column.
const COPY_ACCOUNTS: &str = "copy accounts (id, email, created_at) from stdin";
const COPY_APPLICANTS: &str = "copy applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, \
     birth_place, province_code, city, mobile, education, employment_status, interests, registered_at) from stdin";
const COPY_NIK_CLAIMS: &str = "copy nik_claims (nik, applicant_id) from stdin";

pub struct SyntheticPool {
    pub applicants: u64,
    /// Out of 1000: put on the exclusion list (not eligible at the close).
    pub excluded_per_mille: u64,
    /// Out of 1000: on the wave's priority list (tier 1), if the wave's seed is not yet known.
    pub priority_per_mille: u64,
}

/// Runs one COPY with a line per item, each written by `write_line` straight into the buffer
/// that is sent every `ROWS_PER_SEND` lines. Returns the rows copied.
async fn copy_lines<T>(
    conn: &mut PgConnection,
    statement: &str,
    items: &[T],
    mut write_line: impl FnMut(&mut String, &T) -> std::fmt::Result,
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buffer = String::with_capacity(4 << 20);
    for (written, item) in (1usize..).zip(items) {
        // Writing into a String cannot fail.
        let _ = write_line(&mut buffer, item);
        buffer.push('\n');
        if written.is_multiple_of(ROWS_PER_SEND) {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
    }
    copy.finish().await
}

/// One synthetic applicant's values.
struct Person {
    applicant_id: Uuid,
    account_id: Uuid,
    nik: String,
    province: &'static str,
    signed_up: DateTime<Utc>,
}

fn person(run: u32, index: u64, start: DateTime<Utc>, span_seconds: i64, count: u64) -> Person {
    let province = PROVINCES[(index % PROVINCES.len() as u64) as usize];
    // Unique per run and index: province, 1, run (4 digits), index (9 digits).
    let nik = format!("{province}1{:04}{:09}", run % 10_000, index);
    let offset = (span_seconds as i128 * index as i128 / count.max(1) as i128) as i64;
    Person {
        applicant_id: Uuid::now_v7(),
        account_id: Uuid::new_v4(),
        nik,
        province,
        signed_up: start + Duration::seconds(offset),
    }
}

/// Adds `spec.applicants` synthetic applicants to the wave named `wave`, in one transaction.
pub async fn generate(pool: &PgPool, wave: &str, spec: &SyntheticPool) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    let wave_row = sqlx::query!(
        "select id, join_opens_at, join_closes_at, seed is not null as \"seeded!\" from waves where name = $1 for update",
        wave
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| format!("no wave named {wave:?}"))?;
    // A run number keeps NIKs, emails and references of separate runs apart.
    let run: u32 = rand::rng().random_range(0..10_000);
    if spec.applicants > 9_999_999 {
        return Err("at most 9,999,999 synthetic applicants per run".into());
    }
    let signup_start = wave_row.join_opens_at - Duration::days(3);
    let span = (wave_row.join_closes_at - signup_start).num_seconds().max(1);
    let count = spec.applicants;
    let people = || (0..count).map(move |i| (i, person(run, i, signup_start, span, count)));
    // Draws of ids and people are kept so that every table sees the same applicants.
    let everyone: Vec<(u64, Person)> = people().collect();
    println!(
        "generated {count} applicants in memory ({:.1} s)",
        started.elapsed().as_secs_f64()
    );

    copy_lines(&mut tx, COPY_ACCOUNTS, &everyone, |out, (i, p)| {
        write!(
            out,
            "{}\tsintetis-{run}-{i}@contoh.invalid\t{}",
            p.account_id,
            p.signed_up.to_rfc3339()
        )
    })
    .await?;
    copy_lines(
        &mut tx,
        COPY_APPLICANTS,
        &everyone,
        |out, (i, p)| {
            let reference = {
                let code = format!("S{:04}{:07}", run % 10_000, i);
                format!("PK-{}-{}-{}", &code[0..4], &code[4..8], &code[8..12])
            };
            // The third digit tells it from the NIK (1 there).
            let kk = format!("{}0{:04}{:09}", p.province, run % 10_000, i);
            let gender = if i % 2 == 0 { "L" } else { "P" };
            write!(
                out,
                "{}\t{}\t{reference}\t{}\t{kk}\tPeserta Sintetis {i}\t1995-06-15\t{gender}\tKota Contoh\t{}\tKota Contoh\t+62812{:08}\tsma\t{}\t{{pemasaran-digital}}\t{}",
                p.applicant_id,
                p.account_id,
                p.nik,
                p.province,
                i % 100_000_000,
                EMPLOYMENT[(i % EMPLOYMENT.len() as u64) as usize],
                p.signed_up.to_rfc3339()
            )
        },
    )
    .await?;
    // The insert trigger queued automatic checks: these applicants are verified here instead.
    let ids: Vec<Uuid> = everyone.iter().map(|(_, p)| p.applicant_id).collect();
    sqlx::query!("delete from verification_jobs where applicant_id = any($1)", &ids)
        .execute(&mut *tx)
        .await?;
    copy_lines(&mut tx, COPY_NIK_CLAIMS, &everyone, |out, (_, p)| {
        write!(out, "{}\t{}", p.nik, p.applicant_id)
    })
    .await?;
    copy_lines(
        &mut tx,
        "copy verifications (applicant_id, status, reasons, decided_at) from stdin",
        &everyone,
        |out, (_, p)| {
            write!(
                out,
                "{}\tterverifikasi\t{{}}\t{}",
                p.applicant_id,
                p.signed_up.to_rfc3339()
            )
        },
    )
    .await?;
    let mut seen = std::collections::HashSet::with_capacity(everyone.len());
    let mut rng = rand::rng();
    copy_lines(
        &mut tx,
        "copy wave_entries (wave_id, applicant_id, draw_id, joined_at) from stdin",
        &everyone,
        |out, (_, p)| {
            let draw_id = loop {
                let id = (rng.random::<u64>() >> 1) as i64;
                if seen.insert(id) {
                    break id;
                }
            };
            let joined = p.signed_up.max(wave_row.join_opens_at);
            write!(
                out,
                "{}\t{}\t{draw_id}\t{}",
                wave_row.id,
                p.applicant_id,
                joined.to_rfc3339()
            )
        },
    )
    .await?;
    let now = Utc::now();
    let excluded: Vec<String> = everyone
        .iter()
        .filter(|(i, _)| spec.excluded_per_mille > 0 && (i * 7 + 3) % 1000 < spec.excluded_per_mille)
        .map(|(_, p)| p.nik.clone())
        .collect();
    sqlx::query!(
        "insert into exclusions (nik, category, source, imported_at)
         select nik, 'asn', 'data sintetis', $2 from unnest($1::text[]) as e (nik) on conflict do nothing",
        &excluded,
        now
    )
    .execute(&mut *tx)
    .await?;
    let mut prioritised = 0;
    if !wave_row.seeded && spec.priority_per_mille > 0 {
        let niks: Vec<String> = everyone
            .iter()
            .filter(|(i, _)| (i * 13 + 5) % 1000 < spec.priority_per_mille)
            .map(|(_, p)| p.nik.clone())
            .collect();
        sqlx::query!(
            "insert into wave_tiers (wave_id, tier, name) values ($1, 1, 'Korban PHK (sintetis)') on conflict do nothing",
            wave_row.id
        )
        .execute(&mut *tx)
        .await?;
        prioritised = sqlx::query!(
            "insert into wave_tier_niks (wave_id, nik, tier)
             select $1, nik, 1 from unnest($2::text[]) as n (nik) on conflict do nothing",
            wave_row.id,
            &niks
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    app::audit::record(
        &mut *tx,
        &crate::audit_actor::actor(),
        "waves.synthetic_pool",
        wave,
        None,
        Some(serde_json::json!({ "applicants": count, "excluded": excluded.len(), "priority": prioritised })),
    )
    .await?;
    tx.commit().await?;
    sqlx::query("analyze accounts, applicants, nik_claims, verifications, wave_entries, exclusions, wave_tier_niks")
        .execute(pool)
        .await?;
    println!(
        "{count} synthetic applicants joined {wave:?} ({} on the exclusion list, {prioritised} on the priority list) in {:.1} s",
        excluded.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds `count` synthetic applicants waiting for their automatic checks (the verification
/// benchmark's queue), in one transaction. Their NIKs are well-formed and distinct, and each
/// typed what the registry simulator's population holds for their NIK, so the checks come out
/// as they would for real people: most verified, a few refused (no such NIK, deceased) and a
/// few sent to a person (the registry's placeholder birth date).
pub async fn queue_for_verification(
    pool: &PgPool,
    count: u64,
    registered_at: DateTime<Utc>,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::domain::{nik::compose_nik, Gender, Nik};
    const DAYS: u64 = 16_000; // born 1965-01-01 and the 16,000 days after
    let started = Instant::now();
    let run: u32 = rand::rng().random_range(0..10_000);
    if count > DAYS * 2 * 9_999 {
        return Err("too many synthetic applicants for one run's NIKs".into());
    }
    let population = crate::registry_simulator::Population::default();
    let first_day = chrono::NaiveDate::from_ymd_opt(1965, 1, 1).ok_or("date")?;
    // A region of this run's own (province, then a regency and district from the run number).
    let region = format!(
        "{}{:02}{:02}",
        PROVINCES[(run % PROVINCES.len() as u32) as usize],
        10 + run % 90,
        10 + (run / 90) % 90
    );
    let everyone: Vec<(u64, Person, app::verification::registry::Resident)> = (0..count)
        .map(|i| {
            let birth = first_day + Duration::days((i % DAYS) as i64);
            let gender = if (i / DAYS).is_multiple_of(2) {
                Gender::Male
            } else {
                Gender::Female
            };
            let sequence = (1 + i / (DAYS * 2)) as u16;
            let nik = compose_nik(&region, birth, gender, sequence);
            let parsed = Nik::parse(&nik).map_err(|e| format!("synthetic NIK {nik}: {e:?}"))?;
            // Someone the registry does not know still typed something.
            let resident = population
                .resident(&parsed)
                .unwrap_or(app::verification::registry::Resident {
                    nik: nik.clone(),
                    family_card: format!("{}0101150001", &region),
                    full_name: "Peserta Sintetis".into(),
                    birth_date: birth,
                    gender: gender.code().into(),
                    life: app::verification::registry::LifeStatus::Alive,
                });
            let person = Person {
                applicant_id: Uuid::now_v7(),
                account_id: Uuid::new_v4(),
                nik,
                province: PROVINCES[(run % PROVINCES.len() as u32) as usize],
                signed_up: registered_at,
            };
            Ok((i, person, resident))
        })
        .collect::<Result<_, String>>()?;
    println!(
        "generated {count} applicants in memory ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let mut tx = pool.begin().await?;
    copy_lines(&mut tx, COPY_ACCOUNTS, &everyone, |out, (i, p, _)| {
        write!(
            out,
            "{}\tantrean-{run}-{i}@contoh.invalid\t{}",
            p.account_id,
            p.signed_up.to_rfc3339()
        )
    })
    .await?;
    copy_lines(
        &mut tx,
        COPY_APPLICANTS,
        &everyone,
        |out, (i, p, r)| {
            let code = format!("Q{:04}{:07}", run % 10_000, i);
            write!(
                out,
                "{}\t{}\tPK-{}-{}-{}\t{}\t{}\t{}\t{}\t{}\tKota Contoh\t{}\tKota Contoh\t+62812{:08}\tsma\tpencari-kerja\t{{pemasaran-digital}}\t{}",
                p.applicant_id,
                p.account_id,
                &code[0..4],
                &code[4..8],
                &code[8..12],
                p.nik,
                r.family_card,
                r.full_name,
                r.birth_date,
                r.gender,
                p.province,
                i % 100_000_000,
                p.signed_up.to_rfc3339()
            )
        },
    )
    .await?;
    copy_lines(&mut tx, COPY_NIK_CLAIMS, &everyone, |out, (_, p, _)| {
        write!(out, "{}\t{}", p.nik, p.applicant_id)
    })
    .await?;
    copy_lines(
        &mut tx,
        "copy verification_jobs (applicant_id, available_at) from stdin",
        &everyone,
        |out, (_, p, _)| write!(out, "{}\t{}", p.applicant_id, p.signed_up.to_rfc3339()),
    )
    .await?;
    tx.commit().await?;
    sqlx::query("analyze accounts, applicants, nik_claims, verification_jobs")
        .execute(pool)
        .await?;
    println!(
        "{count} synthetic applicants queued for verification in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
