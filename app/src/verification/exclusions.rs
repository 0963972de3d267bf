//! Importing the exclusion list from a CSV file (`nik,category`, an optional header line).
//!
//! Each line becomes a domain value through the same `parse` as everywhere else; lines that do
//! not parse are reported with their number and reason, never silently dropped. The good rows go
//! to PostgreSQL with COPY and are merged in one statement, so a million rows take seconds and a
//! second import of the same file changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::{
    domain::{ExclusionCategory, Nik},
    error::AppError,
};

/// A line of the file that was not imported, and why (in Indonesian, for the operator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: usize,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: u64,
    /// Already listed, with another category: the file's category replaces it.
    pub changed: u64,
    pub unchanged: u64,
    pub rejected: Vec<RejectedLine>,
}

/// A parsed line.
struct Entry {
    nik: Nik,
    category: ExclusionCategory,
}

/// Parses the whole file. NIKs listed twice are rejected after their first line.
fn parse_file(text: &str) -> (Vec<Entry>, Vec<RejectedLine>) {
    let mut entries = Vec::new();
    let mut rejected = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim().trim_start_matches('\u{feff}');
        if raw.is_empty() || (line == 1 && raw.to_ascii_lowercase().starts_with("nik")) {
            continue;
        }
        let mut reject = |reason: String| rejected.push(RejectedLine { line, reason });
        let mut columns = raw.split([',', ';']).map(|c| c.trim().trim_matches('"'));
        let (Some(nik), Some(category), None) = (columns.next(), columns.next(), columns.next()) else {
            reject("harus tepat dua kolom: nik,kategori".into());
            continue;
        };
        let nik = match Nik::parse(nik) {
            Ok(nik) => nik,
            Err(error) => {
                reject(error.to_string());
                continue;
            }
        };
        let Ok(category) = ExclusionCategory::parse(category) else {
            let known: Vec<&str> = ExclusionCategory::ALL.iter().map(|c| c.code()).collect();
            reject(format!("kategori tidak dikenal; yang dikenal: {}", known.join(", ")));
            continue;
        };
        if let Some(first) = first_line_of.get(nik.as_str()) {
            reject(format!("NIK ini sudah ada di baris {first}"));
            continue;
        }
        first_line_of.insert(nik.as_str().to_owned(), line);
        entries.push(Entry { nik, category });
    }
    (entries, rejected)
}

/// Imports `text` (the CSV file) as one transaction, recorded in the audit log by `actor`.
pub async fn import(
    pool: &PgPool,
    text: &str,
    source: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    let (entries, rejected) = parse_file(text);
    let mut tx = pool.begin().await?;
    sqlx::query("create temporary table exclusion_import (nik char(16), category text) on commit drop")
        .execute(&mut *tx)
        .await?;
    let mut rows = String::with_capacity(entries.len() * 32);
    for entry in &entries {
        // Both fields are plain (digits, a listed code): nothing to escape in COPY's text format.
        rows.push_str(entry.nik.as_str());
        rows.push('\t');
        rows.push_str(entry.category.code());
        rows.push('\n');
    }
    let mut copy = tx
        .copy_in_raw("copy exclusion_import (nik, category) from stdin")
        .await?;
    copy.send(rows.into_bytes()).await?;
    copy.finish().await?;
    // Not `query!`: the staging table exists only inside this transaction.
    let (added, changed, unchanged): (i64, i64, i64) = sqlx::query_as(
        "with before as (
             select i.nik, i.category, e.category as old_category
             from exclusion_import i left join exclusions e on e.nik = i.nik
         ),
         merged as (
             insert into exclusions (nik, category, source, imported_at)
             select nik, category, $1, $2 from before
             where old_category is distinct from category
             on conflict (nik) do update
                 set category = excluded.category, source = excluded.source, imported_at = excluded.imported_at
         )
         select count(*) filter (where old_category is null),
                count(*) filter (where old_category is not null and old_category <> category),
                count(*) filter (where old_category = category)
         from before",
    )
    .bind(source)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let report = ImportReport {
        added: added as u64,
        changed: changed as u64,
        unchanged: unchanged as u64,
        rejected,
    };
    crate::audit::record(
        &mut *tx,
        actor,
        "exclusions.import",
        source,
        None,
        Some(serde_json::json!({
            "added": report.added,
            "changed": report.changed,
            "unchanged": report.unchanged,
            "rejected": report.rejected.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_do_not_parse_are_reported_with_their_reason() {
        let text = "nik,kategori\n\
                    3201011708950001,asn\n\
                    3201011708950002;tni-polri\n\
                    \n\
                    320101170895000,asn\n\
                    3201011708950003,pns\n\
                    3201011708950001,pelajar\n\
                    3201011708950004\n";
        let (entries, rejected) = parse_file(text);
        assert_eq!(entries.len(), 2);
        let lines: Vec<usize> = rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![5, 6, 7, 8]);
        assert!(rejected[0].reason.contains("16 angka"));
        assert!(rejected[1].reason.contains("kategori tidak dikenal"));
        assert_eq!(rejected[2].reason, "NIK ini sudah ada di baris 2");
        assert!(rejected[3].reason.contains("dua kolom"));
    }
}
