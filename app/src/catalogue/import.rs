//! Importing a platform's trainings from CSV or JSON, idempotent by the platform's own course id,
//! and hiding a training. Rows that do not parse are reported with their number and reason.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{NewTraining, TrainingRecord, CSV_HEADER};
use crate::{audit, error::AppError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedRow {
    /// The line of a CSV file (the header is line 1), or the position of a JSON entry (from 1).
    pub row: usize,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<RejectedRow>,
}

#[derive(serde::Deserialize)]
struct CsvRow {
    course_id: String,
    title: String,
    description: String,
    category: String,
    provider: String,
    price: String,
    hours: String,
    mode: String,
    level: String,
    outcomes: String,
}

/// Why a whole file was refused (a bad row only rejects that row).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportFileError {
    #[error("berkas JSON tidak valid: {0}")]
    Json(String),
    #[error("baris judul CSV tidak terbaca: {0}")]
    UnreadableCsvHeader(String),
    #[error("baris pertama CSV harus: {CSV_HEADER}")]
    WrongCsvHeader,
}

/// Reads a file: JSON when it starts with `[`, CSV otherwise.
pub fn parse_file(text: &str) -> Result<(Vec<NewTraining>, Vec<RejectedRow>), ImportFileError> {
    let text = text.trim_start_matches('\u{feff}');
    let records: Vec<(usize, Result<TrainingRecord, String>)> = if text.trim_start().starts_with('[') {
        let values: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| ImportFileError::Json(e.to_string()))?;
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                let record = serde_json::from_value::<TrainingRecord>(value)
                    .map_err(|e| format!("entri tidak sesuai format: {e}"));
                (index + 1, record)
            })
            .collect()
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| ImportFileError::UnreadableCsvHeader(e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        if header.join(",") != CSV_HEADER {
            return Err(ImportFileError::WrongCsvHeader);
        }
        let header = csv::StringRecord::from(header);
        reader
            .records()
            .map(|row| {
                let line = |position: Option<&csv::Position>| position.map_or(0, |p| p.line() as usize);
                match row {
                    Ok(row) => {
                        let record = row
                            .deserialize::<CsvRow>(Some(&header))
                            .map(|row| TrainingRecord {
                                course_id: row.course_id,
                                title: row.title,
                                description: row.description,
                                category: row.category,
                                provider: row.provider,
                                price: row.price,
                                hours: row.hours,
                                mode: row.mode,
                                level: row.level,
                                outcomes: row.outcomes.split('|').map(str::to_owned).collect(),
                            })
                            .map_err(|_| "baris CSV tidak sesuai format".to_owned());
                        (line(row.position()), record)
                    }
                    Err(error) => (
                        line(error.position()),
                        Err("baris CSV harus 10 kolom; teks yang memuat koma diapit tanda kutip".to_owned()),
                    ),
                }
            })
            .collect()
    };
    let mut trainings = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    for (row, record) in records {
        match record.and_then(|record| NewTraining::parse(&record).map_err(|error| error.to_string())) {
            Ok(training) if !seen.insert(training.course_id.clone()) => rejected.push(RejectedRow {
                row,
                reason: format!("id kursus {} sudah ada di baris sebelumnya", training.course_id),
            }),
            Ok(training) => trainings.push(training),
            Err(reason) => rejected.push(RejectedRow { row, reason }),
        }
    }
    Ok((trainings, rejected))
}

/// Adds or updates a platform's trainings (matched by the platform's course id) in one
/// transaction. A training whose fields did not change is left alone; hidden ones stay hidden.
/// Writes a platform's parsed trainings (added, or updated where they changed) and records the
/// import in the audit log, in one transaction. `rejected` are the rows that did not parse: they
/// are reported and audited with the rest.
pub async fn import(
    pool: &PgPool,
    platform: &str,
    trainings: &[NewTraining],
    rejected: &[RejectedRow],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    let known = sqlx::query_scalar!("select exists (select 1 from platforms where code = $1)", platform)
        .fetch_one(pool)
        .await?;
    if known != Some(true) {
        return Err(AppError::NotFound);
    }
    let column = |f: fn(&NewTraining) -> String| trainings.iter().map(f).collect::<Vec<String>>();
    let course_ids = column(|t| t.course_id.clone());
    let providers = column(|t| t.provider.clone());
    let titles = column(|t| t.title.clone());
    let descriptions = column(|t| t.description.clone());
    let categories = column(|t| t.category.code().to_owned());
    let modes = column(|t| t.mode.code().to_owned());
    let levels = column(|t| t.level.code().to_owned());
    let prices: Vec<i64> = trainings.iter().map(|t| t.price.whole()).collect();
    let hours: Vec<i16> = trainings.iter().map(|t| t.hours).collect();
    // One JSON array per training: unnest cannot take an array of arrays of varying length.
    let outcomes: Vec<serde_json::Value> = trainings.iter().map(|t| serde_json::json!(t.outcomes)).collect();

    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into providers (name) select distinct unnest($1::text[]) on conflict (name) do nothing",
        &providers
    )
    .execute(&mut *tx)
    .await?;
    let written = sqlx::query_scalar!(
        r#"insert into trainings (platform_code, platform_course_id, provider_id, category_code, title, description,
                                  price, hours, mode, level, outcomes, created_at, updated_at)
           select $1, r.course_id, p.id, r.category, r.title, r.description, r.price, r.hours, r.mode, r.level,
                  array(select jsonb_array_elements_text(r.outcomes)), $12, $12
           from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::smallint[],
                       $9::text[], $10::text[], $11::jsonb[])
                as r (course_id, provider, title, description, category, price, hours, mode, level, outcomes)
           join providers p on p.name = r.provider
           on conflict (platform_code, platform_course_id) do update set
               provider_id = excluded.provider_id, category_code = excluded.category_code, title = excluded.title,
               description = excluded.description, price = excluded.price, hours = excluded.hours,
               mode = excluded.mode, level = excluded.level, outcomes = excluded.outcomes,
               updated_at = excluded.updated_at
           where (trainings.provider_id, trainings.category_code, trainings.title, trainings.description,
                  trainings.price, trainings.hours, trainings.mode, trainings.level, trainings.outcomes)
                 is distinct from
                 (excluded.provider_id, excluded.category_code, excluded.title, excluded.description,
                  excluded.price, excluded.hours, excluded.mode, excluded.level, excluded.outcomes)
           returning (xmax = 0) as "added!""#,
        platform,
        &course_ids,
        &providers,
        &titles,
        &descriptions,
        &categories,
        &prices,
        &hours,
        &modes,
        &levels,
        &outcomes,
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let added = written.iter().filter(|added| **added).count() as u64;
    let report = ImportReport {
        added,
        updated: written.len() as u64 - added,
        unchanged: trainings.len() as u64 - written.len() as u64,
        rejected: rejected.to_vec(),
    };
    audit::record(
        &mut *tx,
        actor,
        "katalog.impor",
        &format!("platform:{platform}"),
        None,
        Some(serde_json::json!({
            "ditambah": report.added,
            "diubah": report.updated,
            "tetap": report.unchanged,
            "ditolak": rejected.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Hides a training from the catalogue (it can no longer be bought), with the operator's reason,
/// audited. Returns false if there is no such training.
pub async fn hide(
    pool: &PgPool,
    training_id: i32,
    reason: &crate::domain::OperatorReason,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let reason = reason.as_str();
    let mut tx = pool.begin().await?;
    let hidden = sqlx::query!(
        "update trainings set hidden_at = $2, hidden_reason = $3 where id = $1 and hidden_at is null returning title",
        training_id,
        now,
        reason
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(hidden) = hidden else {
        return Ok(false);
    };
    audit::record(
        &mut *tx,
        actor,
        "katalog.sembunyikan",
        &format!("pelatihan:{training_id}"),
        None,
        Some(serde_json::json!({ "judul": hidden.title, "alasan": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Shows a hidden training again (the reason it was hidden goes to the audit log). `false`
/// when no hidden training has that number.
pub async fn unhide(pool: &PgPool, training_id: i32, actor: &str) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let shown = sqlx::query!(
        r#"with before as (
               select id, title, hidden_reason from trainings where id = $1 and hidden_at is not null for update
           )
           update trainings t set hidden_at = null, hidden_reason = null from before where t.id = before.id
           returning before.title, before.hidden_reason as "reason!""#,
        training_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(shown) = shown else {
        return Ok(false);
    };
    audit::record(
        &mut *tx,
        actor,
        "katalog.tampilkan",
        &format!("pelatihan:{training_id}"),
        Some(serde_json::json!({ "judul": shown.title, "alasan": shown.reason })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
