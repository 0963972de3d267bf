//! Importing the exclusion list from a CSV file (`nik,category`, an optional header line), from
//! the console's upload or the command line.
//!
//! The file is read as it arrives, a chunk at a time, and never held whole: each line becomes a
//! domain value through the same `parse` as everywhere else, good lines go to a staging table by
//! COPY in batches, and lines that do not parse are kept with their number and reason (never
//! their text: a bad line may still hold someone's NIK). When the file ends, NIKs listed twice
//! are found in SQL and the rest is merged in one statement, so a million lines take seconds, a
//! second import of the same file changes nothing, and the process holds a batch, not a file.
//!
//! Progress (bytes and lines read) is written to the import's row outside its transaction as the
//! file streams in, so the console shows it; the entries themselves appear all at once, or not
//! at all if the upload is cut off. One import runs at a time.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::{
    domain::{ExclusionCategory, ExclusionSource, Nik},
    error::AppError,
};

/// Rejected lines kept for the console (the count covers them all).
pub const REJECTIONS_KEPT: u64 = 10_000;
/// Rejected lines in an import's report.
pub const REJECTIONS_REPORTED: i64 = 100;
/// A file this large is refused as it arrives (a million lines take about 30 MB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// A line longer than this is not a `nik,category` line, and is not buffered whole.
const MAX_LINE_BYTES: usize = 512;
/// Good lines staged per COPY.
const BATCH_LINES: usize = 20_000;
/// The one import that may run (a transaction-scoped advisory lock).
const IMPORT_LOCK: i64 = 0x6578_636c_7573_696f; // "exclusio"

/// A line of the file that was not imported, and why (in Indonesian, for the operator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: u64,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub import_id: i64,
    pub lines: u64,
    pub added: u64,
    /// Already listed, with another category: the file's category replaces it.
    pub changed: u64,
    pub unchanged: u64,
    /// Every rejected line, counted.
    pub rejected_total: u64,
    /// The first rejected lines, by line number (at most `REJECTIONS_REPORTED`).
    pub rejected: Vec<RejectedLine>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("Impor lain sedang berjalan. Tunggu sampai selesai, lalu kirim berkas ini lagi.")]
    Busy,
    #[error("Berkas lebih dari 256 MB: bagi menjadi beberapa berkas.")]
    TooLarge,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<sqlx::Error> for ImportError {
    fn from(error: sqlx::Error) -> ImportError {
        ImportError::App(error.into())
    }
}

/// What one line of the file is.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// Blank, or the header.
    Skipped,
    Entry(Nik, ExclusionCategory),
    Rejected(String),
}

fn parse_line(number: u64, raw: &str) -> Line {
    let raw = raw.trim().trim_start_matches('\u{feff}');
    if raw.is_empty() || (number == 1 && raw.to_ascii_lowercase().starts_with("nik")) {
        return Line::Skipped;
    }
    let mut columns = raw.split([',', ';']).map(|c| c.trim().trim_matches('"'));
    let (Some(nik), Some(category), None) = (columns.next(), columns.next(), columns.next()) else {
        return Line::Rejected("harus tepat dua kolom: nik,kategori".into());
    };
    let nik = match Nik::parse(nik) {
        Ok(nik) => nik,
        Err(error) => return Line::Rejected(error.to_string()),
    };
    match ExclusionCategory::parse(category) {
        Ok(category) => Line::Entry(nik, category),
        Err(_) => {
            let known: Vec<&str> = ExclusionCategory::ALL.iter().map(|c| c.code()).collect();
            Line::Rejected(format!("kategori tidak dikenal; yang dikenal: {}", known.join(", ")))
        }
    }
}

/// An import under way: feed it the file's bytes as they come, then finish it.
pub struct ExclusionImport {
    pool: PgPool,
    tx: Transaction<'static, Postgres>,
    id: i64,
    source: ExclusionSource,
    actor: String,
    bytes: u64,
    lines: u64,
    /// The end of the last chunk, up to its first newline still to come.
    partial: Vec<u8>,
    /// The line being read is longer than any good line: the rest of it is skipped.
    overlong: bool,
    staged: String,
    staged_lines: usize,
    rejections: String,
    rejected_total: u64,
    rejected_kept: u64,
}

impl ExclusionImport {
    /// Starts an import of the file from `source`, by `actor`; `expected_bytes` (the upload's
    /// length, when known) is what the console shows progress against.
    pub async fn begin(
        pool: &PgPool,
        source: &ExclusionSource,
        actor: &str,
        expected_bytes: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<ExclusionImport, ImportError> {
        let mut tx = pool.begin().await?;
        let locked: bool = sqlx::query_scalar!(r#"select pg_try_advisory_xact_lock($1) as "locked!""#, IMPORT_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            return Err(ImportError::Busy);
        }
        // The merge of a million lines outlasts the server's usual statement timeout.
        sqlx::query("set local statement_timeout = '10min'")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "create temporary table exclusion_staging (line bigint, nik char(16), category text) on commit drop",
        )
        .execute(&mut *tx)
        .await?;
        // Outside the transaction: the console shows the import while it runs.
        let id = sqlx::query_scalar!(
            "insert into exclusion_imports (source, actor, started_at, bytes_expected) values ($1, $2, $3, $4)
             returning id",
            source.as_str(),
            actor,
            now,
            expected_bytes.map(|bytes| bytes as i64)
        )
        .fetch_one(pool)
        .await?;
        Ok(ExclusionImport {
            pool: pool.clone(),
            tx,
            id,
            source: source.clone(),
            actor: actor.to_owned(),
            bytes: 0,
            lines: 0,
            partial: Vec::new(),
            overlong: false,
            staged: String::with_capacity(BATCH_LINES * 40),
            staged_lines: 0,
            rejections: String::new(),
            rejected_total: 0,
            rejected_kept: 0,
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// The next bytes of the file.
    pub async fn feed(&mut self, mut chunk: &[u8]) -> Result<(), ImportError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > MAX_FILE_BYTES {
            return Err(ImportError::TooLarge);
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n') {
            let (line, rest) = chunk.split_at(end);
            chunk = &rest[1..];
            if self.overlong {
                self.overlong = false;
                self.lines += 1;
                self.reject("baris terlalu panjang untuk nik,kategori".to_owned());
            } else if self.partial.is_empty() {
                self.line(line);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.line(&whole);
            }
            if self.staged_lines >= BATCH_LINES {
                self.flush().await?;
            }
        }
        if !self.overlong {
            self.partial.extend_from_slice(chunk);
            if self.partial.len() > MAX_LINE_BYTES {
                self.partial.clear();
                self.overlong = true;
            }
        }
        Ok(())
    }

    fn line(&mut self, bytes: &[u8]) {
        self.lines += 1;
        let number = self.lines;
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => parse_line(number, text),
            Err(_) => Line::Rejected("baris bukan teks UTF-8".to_owned()),
        };
        match parsed {
            Line::Skipped => {}
            Line::Entry(nik, category) => {
                // Digits and a listed code: nothing to escape in COPY's text format.
                use std::fmt::Write;
                let _ = writeln!(self.staged, "{number}\t{}\t{}", nik.as_str(), category.code());
                self.staged_lines += 1;
            }
            Line::Rejected(reason) => self.reject(reason),
        }
    }

    fn reject(&mut self, reason: String) {
        self.rejected_total += 1;
        if self.rejected_kept < REJECTIONS_KEPT {
            self.rejected_kept += 1;
            use std::fmt::Write;
            // Reasons are our own words (no tab, newline or backslash).
            let _ = writeln!(self.rejections, "{}\t{}\t{reason}", self.id, self.lines);
        }
    }

    /// Sends the staged lines and rejections, and tells the console how far the file is.
    async fn flush(&mut self) -> Result<(), ImportError> {
        if !self.staged.is_empty() {
            let mut copy = self
                .tx
                .copy_in_raw("copy exclusion_staging (line, nik, category) from stdin")
                .await?;
            copy.send(self.staged.as_bytes()).await?;
            copy.finish().await?;
            self.staged.clear();
            self.staged_lines = 0;
        }
        if !self.rejections.is_empty() {
            let mut copy = self
                .tx
                .copy_in_raw("copy exclusion_import_rejections (import_id, line, reason) from stdin")
                .await?;
            copy.send(self.rejections.as_bytes()).await?;
            copy.finish().await?;
            self.rejections.clear();
        }
        sqlx::query!(
            "update exclusion_imports set bytes_read = $2, lines_read = $3, progress_at = now() where id = $1",
            self.id,
            self.bytes as i64,
            self.lines as i64
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The file has ended: merges its entries into the list, audited, in one transaction.
    pub async fn finish(mut self, now: DateTime<Utc>) -> Result<ImportReport, ImportError> {
        if self.overlong {
            self.lines += 1;
            self.reject("baris terlalu panjang untuk nik,kategori".to_owned());
        } else if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line(&last);
        }
        self.flush().await?;
        // A NIK listed twice: its first line counts, the others are rejected.
        let room = (REJECTIONS_KEPT - self.rejected_kept) as i64;
        // Not `query!`: the staging table exists only inside this transaction.
        let duplicates: i64 = sqlx::query_scalar(
            "with numbered as (
                 select line, min(line) over (partition by nik) as first from exclusion_staging
             ),
             duplicates as (select line, first from numbered where line <> first),
             kept as (
                 insert into exclusion_import_rejections (import_id, line, reason)
                 select $1, line, 'NIK ini sudah ada di baris ' || first
                 from duplicates order by line limit $2
             )
             select count(*) from duplicates",
        )
        .bind(self.id)
        .bind(room)
        .fetch_one(&mut *self.tx)
        .await?;
        self.rejected_total += duplicates as u64;
        let (added, changed, unchanged): (i64, i64, i64) = sqlx::query_as(
            "with firsts as (
                 select distinct on (nik) nik, category from exclusion_staging order by nik, line
             ),
             before as (
                 select f.nik, f.category, e.category as old_category
                 from firsts f left join exclusions e on e.nik = f.nik
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
        .bind(self.source.as_str())
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        sqlx::query!(
            "update exclusion_imports
             set bytes_read = $2, lines_read = $3, progress_at = now(), finished_at = $4,
                 added = $5, changed = $6, unchanged = $7, rejected = $8
             where id = $1",
            self.id,
            self.bytes as i64,
            self.lines as i64,
            now,
            added,
            changed,
            unchanged,
            self.rejected_total as i64
        )
        .execute(&mut *self.tx)
        .await?;
        crate::audit::record(
            &mut *self.tx,
            &self.actor,
            "exclusions.import",
            self.source.as_str(),
            None,
            Some(serde_json::json!({
                "import": self.id,
                "lines": self.lines,
                "added": added,
                "changed": changed,
                "unchanged": unchanged,
                "rejected": self.rejected_total,
            })),
        )
        .await?;
        self.tx.commit().await?;
        Ok(ImportReport {
            import_id: self.id,
            lines: self.lines,
            added: added as u64,
            changed: changed as u64,
            unchanged: unchanged as u64,
            rejected_total: self.rejected_total,
            rejected: rejected_lines(&self.pool, self.id, 0, REJECTIONS_REPORTED).await?,
        })
    }
}

/// Imports `text` whole (tests, small files).
pub async fn import(
    pool: &PgPool,
    text: &str,
    source: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    let source = ExclusionSource::parse(source).map_err(AppError::internal)?;
    let mut import = ExclusionImport::begin(pool, &source, actor, Some(text.len() as u64), now).await?;
    import.feed(text.as_bytes()).await?;
    import.finish(now).await
}

/// Rejected lines of an import, by line number, after line `after`.
pub async fn rejected_lines(
    pool: &PgPool,
    import_id: i64,
    after: u64,
    limit: i64,
) -> Result<Vec<RejectedLine>, AppError> {
    Ok(sqlx::query!(
        "select line, reason from exclusion_import_rejections where import_id = $1 and line > $2
         order by line limit $3",
        import_id,
        after as i64,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| RejectedLine {
        line: r.line as u64,
        reason: r.reason,
    })
    .collect())
}

/// Where an import stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportState {
    Running,
    /// Its progress stopped without an end: the upload was cut off, and nothing was imported.
    CutOff,
    Finished,
}

/// An import as the console lists it.
#[derive(Clone, Debug)]
pub struct ImportLine {
    pub id: i64,
    pub source: String,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub state: ImportState,
    pub bytes_expected: Option<i64>,
    pub bytes_read: i64,
    pub lines_read: i64,
    pub finished_at: Option<DateTime<Utc>>,
    /// (added, changed, unchanged, rejected), once finished.
    pub outcome: Option<(i64, i64, i64, i64)>,
}

/// The newest imports first.
pub async fn recent_imports(pool: &PgPool, limit: i64) -> Result<Vec<ImportLine>, AppError> {
    let rows = sqlx::query!(
        r#"select id, source, actor, started_at, bytes_expected, bytes_read, lines_read, finished_at,
                  added, changed, unchanged, rejected,
                  progress_at < now() - interval '2 minutes' as "stalled!"
           from exclusion_imports order by started_at desc, id desc limit $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ImportLine {
            id: r.id,
            source: r.source,
            actor: r.actor,
            started_at: r.started_at,
            state: match (r.finished_at, r.stalled) {
                (Some(_), _) => ImportState::Finished,
                (None, true) => ImportState::CutOff,
                (None, false) => ImportState::Running,
            },
            bytes_expected: r.bytes_expected,
            bytes_read: r.bytes_read,
            lines_read: r.lines_read,
            finished_at: r.finished_at,
            outcome: match (r.added, r.changed, r.unchanged, r.rejected) {
                (Some(a), Some(c), Some(u), Some(x)) => Some((a, c, u, x)),
                _ => None,
            },
        })
        .collect())
}

/// What the list says about one NIK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub category: ExclusionCategory,
    pub source: String,
    pub imported_at: DateTime<Utc>,
}

pub async fn find(pool: &PgPool, nik: &Nik) -> Result<Option<Listed>, AppError> {
    let row = sqlx::query!(
        "select category, source, imported_at from exclusions where nik = $1",
        nik.as_str()
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Listed {
            category: ExclusionCategory::parse(&r.category).map_err(AppError::internal)?,
            source: r.source,
            imported_at: r.imported_at,
        })
    })
    .transpose()
}

/// Entries on the list, by category (every category, in the enum's order).
pub async fn counts(pool: &PgPool) -> Result<Vec<(ExclusionCategory, i64)>, AppError> {
    let rows = sqlx::query!(r#"select category, count(*) as "count!" from exclusions group by category"#)
        .fetch_all(pool)
        .await?;
    Ok(ExclusionCategory::ALL
        .iter()
        .map(|category| {
            let count = rows
                .iter()
                .find(|r| r.category == category.code())
                .map_or(0, |r| r.count);
            (*category, count)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_do_not_parse_say_why() {
        assert_eq!(parse_line(1, "nik,kategori"), Line::Skipped);
        assert_eq!(parse_line(4, "   "), Line::Skipped);
        assert!(matches!(
            parse_line(2, "3201011708950001,asn"),
            Line::Entry(_, ExclusionCategory::CivilServant)
        ));
        assert!(matches!(
            parse_line(3, "\"3201011708950002\";tni-polri"),
            Line::Entry(..)
        ));
        let reason = |line| match line {
            Line::Rejected(reason) => reason,
            other => panic!("not rejected: {other:?}"),
        };
        assert!(reason(parse_line(5, "320101170895000,asn")).contains("16 angka"));
        assert!(reason(parse_line(6, "3201011708950003,pns")).contains("kategori tidak dikenal"));
        assert!(reason(parse_line(8, "3201011708950004")).contains("dua kolom"));
        // A header is a header only on the first line.
        assert!(matches!(parse_line(9, "nik,kategori"), Line::Rejected(_)));
    }
}
