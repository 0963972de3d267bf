//! The audit log in the console (program admins): every operator action, newest first, fifty a
//! page, filtered by operator, action, target and days (WIB); the same selection exported as
//! CSV (the export itself audited). Filters travel in the URL: usernames, action names,
//! registration numbers and days, never personal data.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, ConsolePage};
use crate::error::AppError;

/// Entries a page shows.
#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 50;
/// Entries an export holds at most (narrow the filters for more).
#[cfg(feature = "ssr")]
const EXPORT_LIMIT: i64 = 100_000;

/// The filters as typed (the URL's query), each optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// A username (or a whole actor, `cli:…`, `peserta:…`).
    pub actor: String,
    /// An action, or a family of them: `payout_accounts` matches `payout_accounts.decide`.
    pub action: String,
    /// The target exactly: a registration number, a username, `review:12` …
    pub subject: String,
    /// Days in WIB, YYYY-MM-DD, both included.
    pub from: String,
    pub until: String,
}

/// The filters, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actors: Option<(String, String)>,
    /// The action's `like` pattern's prefix, escaped, and the exact action.
    pub action: Option<String>,
    pub subject: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditFilter {
    /// The filters as the query of a URL (`petugas`, `aksi`, `sasaran`, `dari`, `sampai`).
    pub fn query(&self) -> String {
        let pairs = [
            ("petugas", &self.actor),
            ("aksi", &self.action),
            ("sasaran", &self.subject),
            ("dari", &self.from),
            ("sampai", &self.until),
        ];
        pairs
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The one reading of the filters; an error names what cannot be read.
    pub fn parse(&self) -> Result<AuditQuery, String> {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let actors = text(&self.actor).map(|actor| {
            if actor.contains(':') {
                (actor.clone(), actor)
            } else {
                (format!("operator:{actor}"), actor)
            }
        });
        let action = match text(&self.action) {
            Some(action)
                if action
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) =>
            {
                Some(action)
            }
            Some(_) => return Err("Aksi hanya berisi huruf, angka, titik, garis bawah dan tanda hubung.".to_owned()),
            None => None,
        };
        let day = |value: &str, label: &str| -> Result<Option<chrono::NaiveDate>, String> {
            match text(value) {
                None => Ok(None),
                Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| format!("Tanggal {label} ditulis TTTT-BB-HH, misalnya 2026-12-05.")),
            }
        };
        let span = crate::domain::wib::day_span;
        let from = day(&self.from, "dari")?.and_then(span).map(|(start, _)| start);
        let until = day(&self.until, "sampai")?.and_then(span).map(|(_, end)| end);
        Ok(AuditQuery {
            actors,
            action,
            subject: text(&self.subject),
            from,
            until,
        })
    }
}

/// Percent-encodes everything but letters, digits and `-_.~` (a URL's query value).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub filter: AuditFilter,
    pub error: Option<String>,
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page, when there is one.
    pub older: Option<i64>,
    pub first_page: bool,
}

#[cfg(feature = "ssr")]
pub mod db {
    use futures_util::Stream;
    use sqlx::PgPool;

    use super::{AuditQuery, AuditRow};
    use crate::error::AppError;

    /// Entries matching `query` older than `before` (the newest first), at most `limit`.
    pub fn entries<'a>(
        pool: &'a PgPool,
        query: &'a AuditQuery,
        before: Option<i64>,
        limit: i64,
    ) -> impl Stream<Item = Result<AuditRow, AppError>> + Send + 'a {
        use futures_util::StreamExt;
        let (actor, username) = query.actors.clone().unzip();
        // `_` is a wildcard of `like`: an action family's prefix matches only itself.
        let family = query.action.as_ref().map(|a| format!("{}.%", a.replace('_', "\\_")));
        sqlx::query!(
            r#"select id, at, actor, action, subject, before::text as "before?", after::text as "after?"
               from audit_log
               where ($1::text is null or actor = $1 or actor = $2)
                 and ($3::text is null or action = $3 or action like $4)
                 and ($5::text is null or subject = $5)
                 and ($6::timestamptz is null or at >= $6)
                 and ($7::timestamptz is null or at < $7)
                 and ($8::bigint is null or id < $8)
               order by id desc
               limit $9"#,
            actor,
            username,
            query.action,
            family,
            query.subject,
            query.from,
            query.until,
            before,
            limit
        )
        .fetch(pool)
        .map(|row| {
            let r = row?;
            Ok(AuditRow {
                id: r.id,
                at: crate::domain::wib::format_wib(r.at),
                actor: r.actor,
                action: r.action,
                subject: r.subject,
                before: r.before.unwrap_or_default(),
                after: r.after.unwrap_or_default(),
            })
        })
    }
}

#[leptos::server(prefix = "/api", endpoint = "audit-console")]
pub async fn load_audit_console(filter: AuditFilter, before: Option<i64>) -> Result<ConsolePage<AuditPage>, AppError> {
    use futures_util::TryStreamExt;
    let (state, operator, flash) = super::open_page(super::PROGRAM_ADMINS, &[]).await?;
    let (rows, error) = match filter.parse() {
        Ok(query) => (
            db::entries(&state.pool, &query, before, PAGE_SIZE + 1)
                .try_collect::<Vec<_>>()
                .await?,
            None,
        ),
        Err(error) => (Vec::new(), Some(error)),
    };
    let older = (rows.len() as i64 > PAGE_SIZE).then(|| rows[PAGE_SIZE as usize - 1].id);
    let rows = rows.into_iter().take(PAGE_SIZE as usize).collect();
    Ok(ConsolePage::new(
        operator.identity,
        flash,
        AuditPage {
            filter,
            error,
            rows,
            older,
            first_page: before.is_none(),
        },
    ))
}

/// A CSV field: quoted, quotes doubled; one a spreadsheet would read as a formula is prefixed
/// with an apostrophe (CSV injection).
#[cfg(feature = "ssr")]
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// `GET /operator/audit.csv?…`: the selection as CSV, for program admins; the export is audited.
#[cfg(feature = "ssr")]
pub async fn audit_csv(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Query(filter): axum::extract::Query<UrlFilter>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::{
        body::Body,
        http::header,
        response::{IntoResponse, Redirect},
    };
    use futures_util::StreamExt;
    let filter = filter.into_filter();
    let operator = match crate::session::operator_of_headers(&state, &headers).await {
        Ok(Some((actor, crate::operators::OperatorRole::ProgramAdmin))) => actor,
        Ok(Some(_)) => return AppError::Forbidden.into_response(),
        Ok(None) => return Redirect::to(crate::paths::OPERATOR_SIGN_IN_PATH).into_response(),
        Err(error) => return error.into_response(),
    };
    let query = match filter.parse() {
        Ok(query) => query,
        Err(_) => return AppError::BadRequest.into_response(),
    };
    let exported = crate::audit::record(
        &state.pool,
        &operator,
        "audit_log.export",
        "audit_log",
        None,
        Some(serde_json::json!({ "filter": filter.query() })),
    )
    .await;
    if let Err(error) = exported {
        return error.into_response();
    }
    let pool = state.pool.clone();
    let lines = async_stream_lines(pool, query);
    let header_line = futures_util::stream::once(async {
        Ok::<_, std::io::Error>("id,waktu,pelaku,aksi,sasaran,sebelum,sesudah\n".to_owned())
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"log-audit-prakerja.csv\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        Body::from_stream(header_line.chain(lines)),
    )
        .into_response()
}

/// Entries an export reads from the database at a time.
#[cfg(feature = "ssr")]
const EXPORT_CHUNK: i64 = 1_000;

/// The entries as CSV, read from the database a thousand at a time as they are sent (a large
/// export never sits whole in memory).
#[cfg(feature = "ssr")]
fn async_stream_lines(
    pool: sqlx::PgPool,
    query: AuditQuery,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> + Send + 'static {
    use futures_util::TryStreamExt;
    let line = |r: &AuditRow| {
        format!(
            "{},{},{},{},{},{},{}\n",
            r.id,
            csv_field(&r.at),
            csv_field(&r.actor),
            csv_field(&r.action),
            csv_field(&r.subject),
            csv_field(&r.before),
            csv_field(&r.after)
        )
    };
    futures_util::stream::unfold(
        (pool, query, None::<i64>, 0_i64, false),
        move |(pool, query, before, sent, done)| async move {
            if done || sent >= EXPORT_LIMIT {
                return None;
            }
            let chunk: Result<Vec<AuditRow>, AppError> =
                db::entries(&pool, &query, before, EXPORT_CHUNK).try_collect().await;
            match chunk {
                Err(error) => Some((
                    Err(std::io::Error::other(error.to_string())),
                    (pool, query, before, sent, true),
                )),
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.id);
                    let count = rows.len() as i64;
                    let text: String = rows.iter().map(line).collect();
                    let done = count < EXPORT_CHUNK;
                    Some((Ok(text), (pool, query, last, sent + count, done)))
                }
            }
        },
    )
}

/// The filters under the URL's names.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UrlFilter {
    petugas: String,
    aksi: String,
    sasaran: String,
    dari: String,
    sampai: String,
}

#[cfg(feature = "ssr")]
impl UrlFilter {
    fn into_filter(self) -> AuditFilter {
        AuditFilter {
            actor: self.petugas,
            action: self.aksi,
            subject: self.sasaran,
            from: self.dari,
            until: self.sampai,
        }
    }
}

#[component]
pub fn AuditConsolePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || {
            query.with(|q| {
                let value = |key: &str| q.get(key).unwrap_or_default();
                (
                    AuditFilter {
                        actor: value("petugas"),
                        action: value("aksi"),
                        subject: value("sasaran"),
                        from: value("dari"),
                        until: value("sampai"),
                    },
                    q.get("sebelum").and_then(|p| p.parse::<i64>().ok()),
                )
            })
        },
        |(filter, before)| load_audit_console(filter, before),
    );
    view! {
        <Title text=super::AUDIT.title/>
        <h1>{super::AUDIT.heading}</h1>
        {crate::forms::loaded(page, |page| {
            let ConsolePage { operator, content, .. } = page;
            let AuditPage { filter, error, rows, older, first_page } = content;
            let query = filter.query();
            let path = crate::paths::AUDIT_CONSOLE_PATH;
            let with = |extra: String| {
                let joined = [query.clone(), extra].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("&");
                if joined.is_empty() { path.to_owned() } else { format!("{path}?{joined}") }
            };
            let csv = if query.is_empty() { crate::paths::AUDIT_CSV_PATH.to_owned() } else { format!("{}?{query}", crate::paths::AUDIT_CSV_PATH) };
            let newest = with(String::new());
            let older_link = older.map(|id| with(format!("sebelum={id}")));
            view! {
                <ConsoleNav identity=operator/>
                <form method="get" action=path class="audit-filter">
                    <div class="field"><label for="petugas">"Petugas (nama pengguna)"</label>
                        <input id="petugas" name="petugas" value=filter.actor.clone() autocomplete="off"/></div>
                    <div class="field"><label for="aksi">"Aksi (misalnya payout_accounts atau reviews.hide)"</label>
                        <input id="aksi" name="aksi" value=filter.action.clone() autocomplete="off"/></div>
                    <div class="field"><label for="sasaran">"Sasaran (nomor pendaftaran, nama pengguna, …)"</label>
                        <input id="sasaran" name="sasaran" value=filter.subject.clone() autocomplete="off"/></div>
                    <div class="field"><label for="dari">"Dari tanggal"</label>
                        <input id="dari" name="dari" type="date" value=filter.from.clone()/></div>
                    <div class="field"><label for="sampai">"Sampai tanggal"</label>
                        <input id="sampai" name="sampai" type="date" value=filter.until.clone()/></div>
                    <button type="submit" class="button">"Saring"</button>
                </form>
                {error.map(|error| view! { <p class="error" role="alert">{error}</p> })}
                <p><a href=csv download="">"Unduh sebagai CSV"</a></p>
                {if rows.is_empty() {
                    view! { <p>"Tidak ada catatan yang cocok."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="audit-log">
                                <thead><tr><th scope="col">"No."</th><th scope="col">"Waktu"</th><th scope="col">"Pelaku"</th><th scope="col">"Aksi"</th><th scope="col">"Sasaran"</th><th scope="col">"Perubahan"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr data-audit=row.id>
                                            <td>{row.id}</td><td>{row.at}</td><td>{row.actor}</td><td><code>{row.action}</code></td><td>{row.subject}</td>
                                            <td class="audit-change">
                                                {(!row.before.is_empty()).then(|| view! { <p><strong>"Sebelum: "</strong><code>{row.before.clone()}</code></p> })}
                                                {(!row.after.is_empty()).then(|| view! { <p><strong>"Sesudah: "</strong><code>{row.after.clone()}</code></p> })}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
                <nav class="pagination" aria-label="Halaman log audit">
                    {(!first_page).then(|| view! { <a href=newest.clone()>"‹ Terbaru"</a> })}
                    {older_link.map(|href| view! { <a href=href>"Lebih lama ›"</a> })}
                </nav>
            }
        })}
    }
}
