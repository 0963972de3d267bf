//! The exclusion list in the console. Every operator may look a NIK up (shown masked unless a
//! program admin asks; each lookup audited and budgeted, as the answer says whether someone is a
//! civil servant, a soldier or a student). Program admins upload an agency's file: a plain
//! multipart form, read as it streams in (`verification::exclusions`), its progress listed on
//! this page while it runs (the page refreshes itself), its rejected lines listed by number and
//! reason afterwards.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, ConsolePage, LastPost, Notice};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
#[cfg(feature = "ssr")]
use crate::operators::OperatorRole;
use crate::{
    error::AppError,
    forms::{ErrorSummary, FieldError, Submitted},
};

#[cfg(feature = "ssr")]
const SEARCH: super::ConsoleForm = super::ConsoleForm::new("exclusions-search", crate::paths::EXCLUSIONS_CONSOLE_PATH);
#[cfg(feature = "ssr")]
const IMPORT: super::ConsoleForm = super::ConsoleForm::new("exclusions-import", crate::paths::EXCLUSIONS_CONSOLE_PATH);
/// Rejected lines a page lists.
#[cfg(feature = "ssr")]
const REJECTED_PAGE: i64 = 100;
/// Imports the page lists.
#[cfg(feature = "ssr")]
const IMPORTS_LISTED: i64 = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportItem {
    pub id: i64,
    pub source: String,
    pub actor: String,
    pub started_at: String,
    /// "berjalan", "terputus" or "selesai".
    pub state: String,
    pub running: bool,
    pub lines_read: i64,
    /// (bytes read, bytes expected) while it runs, when the upload said its length.
    pub progress: Option<(i64, i64)>,
    /// What it did, once finished.
    pub outcome: Option<String>,
    pub rejected: i64,
}

/// The rejected lines of one import, a page of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedPage {
    pub import_id: i64,
    pub source: String,
    pub total: i64,
    pub lines: Vec<(u64, String)>,
    /// The last line listed, when more follow.
    pub more_after: Option<u64>,
    /// More lines were rejected than are kept.
    pub capped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionsConsole {
    pub is_admin: bool,
    pub total: i64,
    /// (category, entries)
    pub counts: Vec<(String, i64)>,
    pub imports: Vec<ImportItem>,
    pub rejected: Option<RejectedPage>,
}

impl ExclusionsConsole {
    fn running(&self) -> bool {
        self.imports.iter().any(|i| i.running)
    }
}

#[server(prefix = "/api", endpoint = "exclusions-console")]
pub async fn load_exclusions_console(
    import: Option<i64>,
    after: Option<u64>,
) -> Result<ConsolePage<ExclusionsConsole>, AppError> {
    use crate::verification::exclusions::{self as list, ImportState};
    let (state, operator, flash) = super::open_page(super::ANY_OPERATOR, &[SEARCH.id, IMPORT.id]).await?;
    let counts = list::counts(&state.pool).await?;
    let is_admin = operator.identity.role == OperatorRole::ProgramAdmin;
    let mut content = ExclusionsConsole {
        is_admin,
        total: counts.iter().map(|(_, n)| n).sum(),
        counts: counts.into_iter().map(|(c, n)| (c.label().to_owned(), n)).collect(),
        imports: Vec::new(),
        rejected: None,
    };
    if !is_admin {
        return Ok(ConsolePage::new(operator.identity, flash, content));
    }
    let imports = list::recent_imports(&state.pool, IMPORTS_LISTED).await?;
    let group = |n: i64| crate::domain::group_thousands(n.max(0) as u64);
    content.imports = imports
        .iter()
        .map(|i| ImportItem {
            id: i.id,
            source: i.source.clone(),
            actor: i.actor.clone(),
            started_at: crate::domain::wib::format_wib(i.started_at),
            state: match i.state {
                ImportState::Running => "berjalan",
                ImportState::CutOff => "terputus (tidak ada yang diimpor)",
                ImportState::Finished => "selesai",
            }
            .to_owned(),
            running: i.state == ImportState::Running,
            lines_read: i.lines_read,
            progress: i.bytes_expected.map(|expected| (i.bytes_read, expected)),
            outcome: i.outcome.map(|(added, changed, unchanged, rejected)| {
                format!(
                    "{} baris: {} baru, {} berganti kategori, {} sudah tercantum, {} ditolak",
                    group(i.lines_read),
                    group(added),
                    group(changed),
                    group(unchanged),
                    group(rejected)
                )
            }),
            rejected: i.outcome.map_or(0, |o| o.3),
        })
        .collect();
    // The rejected lines of the import asked for, or of the newest finished one.
    let shown = match import {
        Some(id) => imports.iter().find(|i| i.id == id),
        None => imports.iter().find(|i| i.state == ImportState::Finished),
    };
    if let Some(shown) = shown.filter(|i| i.state == ImportState::Finished) {
        let after = after.unwrap_or(0);
        let mut lines = list::rejected_lines(&state.pool, shown.id, after, REJECTED_PAGE + 1).await?;
        let more_after = (lines.len() as i64 > REJECTED_PAGE).then(|| lines[REJECTED_PAGE as usize - 1].line);
        lines.truncate(REJECTED_PAGE as usize);
        content.rejected = Some(RejectedPage {
            import_id: shown.id,
            source: shown.source.clone(),
            total: shown.outcome.map_or(0, |o| o.3),
            lines: lines.into_iter().map(|r| (r.line, r.reason)).collect(),
            more_after,
            capped: shown.outcome.map_or(0, |o| o.3) > list::REJECTIONS_KEPT as i64,
        });
    }
    Ok(ConsolePage::new(operator.identity, flash, content))
}

/// Looks a NIK up on the list, for any operator: the answer shows the NIK masked unless a
/// program admin asked. Audited, and budgeted per operator.
#[server(prefix = "/api", endpoint = "search-exclusions")]
pub async fn search_exclusions(nik: String) -> Result<Submitted, AppError> {
    use crate::{domain::Nik, rate_limit};
    SEARCH
        .handle(super::ANY_OPERATOR, async |state, operator| {
            let values = crate::forms::values([("nik", nik.as_str())]);
            let nik = match Nik::parse(&nik) {
                Ok(nik) => nik,
                Err(error) => {
                    return SEARCH
                        .refuse(state, FieldErrors::single("nik", error.to_string()), values)
                        .await
                }
            };
            if let Some(wait) = rate_limit::hit(state, &rate_limit::EXCLUSION_SEARCHES, &operator.actor()).await? {
                let message = format!("Batas pencarian tercapai. Coba lagi dalam {} menit.", wait.div_ceil(60));
                return SEARCH.refuse(state, FieldErrors::single("nik", message), values).await;
            }
            let listed = crate::verification::exclusions::find(&state.pool, &nik).await?;
            crate::audit::record(
                &state.pool,
                &operator.actor(),
                "exclusions.search",
                &nik.masked(),
                None,
                Some(serde_json::json!({ "listed": listed.is_some() })),
            )
            .await?;
            let shown = if operator.identity.role == OperatorRole::ProgramAdmin {
                nik.as_str().to_owned()
            } else {
                nik.masked()
            };
            let notice = match listed {
                Some(entry) => format!(
                    "NIK {shown} tercantum: {}, dari berkas {}, diimpor {}.",
                    entry.category.label(),
                    entry.source,
                    crate::domain::wib::format_wib(entry.imported_at)
                ),
                None => format!("NIK {shown} tidak tercantum dalam daftar pengecualian."),
            };
            // The NIK is not put back into the form: the answer says what was asked.
            SEARCH
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

/// Uploads an agency's file (`source`, then `file`: browsers send a form's fields in order).
/// Program admins only; nobody else gets as far as the file.
#[server(prefix = "/api", endpoint = "import-exclusions", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn import_exclusions(data: leptos::server_fn::codec::MultipartData) -> Result<Submitted, AppError> {
    use crate::{
        domain::ExclusionSource,
        verification::exclusions::{ExclusionImport, ImportError},
    };
    IMPORT
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let mut source = String::new();
            let refuse = async |field: &str, message: String, source: &str| {
                let values = crate::forms::values([("source", source)]);
                IMPORT.refuse(state, FieldErrors::single(field, message), values).await
            };
            let unreadable = || "Unggahan terputus atau tidak terbaca: kirim berkas itu lagi.".to_owned();
            let Some(mut multipart) = data.into_inner() else {
                return refuse("file", unreadable(), "").await;
            };
            loop {
                let mut field = match multipart.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(_) => return refuse("file", unreadable(), &source).await,
                };
                let name = field.name().map(str::to_owned);
                match name.as_deref() {
                    Some("source") => {
                        // A line of text: whatever comes past a kilobyte is not read.
                        let mut bytes = Vec::new();
                        loop {
                            match field.chunk().await {
                                Ok(Some(chunk)) if bytes.len() < 1024 => bytes.extend_from_slice(&chunk),
                                Ok(Some(_)) => {}
                                Ok(None) => break,
                                Err(_) => return refuse("source", unreadable(), "").await,
                            }
                        }
                        source = String::from_utf8_lossy(&bytes).chars().take(400).collect();
                    }
                    Some("file") => {
                        let parsed = match ExclusionSource::parse(&source) {
                            Ok(parsed) => parsed,
                            Err(error) => return refuse("source", error.to_string(), &source).await,
                        };
                        // Begun at the first byte: a form sent without a file imports nothing.
                        let mut import: Option<ExclusionImport> = None;
                        loop {
                            let chunk = match field.chunk().await {
                                Ok(Some(chunk)) => chunk,
                                Ok(None) => break,
                                Err(_) => return refuse("file", unreadable(), &source).await,
                            };
                            if chunk.is_empty() {
                                continue;
                            }
                            let running = match import.as_mut() {
                                Some(running) => running,
                                None => {
                                    let expected = crate::request::content_length();
                                    match ExclusionImport::begin(
                                        &state.pool,
                                        &parsed,
                                        &operator.actor(),
                                        expected,
                                        state.clock.now(),
                                    )
                                    .await
                                    {
                                        Ok(begun) => import.insert(begun),
                                        Err(ImportError::App(error)) => return Err(error),
                                        Err(refused) => return refuse("file", refused.to_string(), &source).await,
                                    }
                                }
                            };
                            match running.feed(&chunk).await {
                                Ok(()) => {}
                                Err(ImportError::App(error)) => return Err(error),
                                Err(refused) => return refuse("file", refused.to_string(), &source).await,
                            }
                        }
                        let Some(import) = import else {
                            return refuse("file", "Pilih berkas CSV daftar pengecualian.".to_owned(), &source).await;
                        };
                        let id = import.id();
                        let report = match import.finish(state.clock.now()).await {
                            Ok(report) => report,
                            Err(ImportError::App(error)) => return Err(error),
                            Err(refused) => return refuse("file", refused.to_string(), &source).await,
                        };
                        let group = crate::domain::group_thousands;
                        let notice = format!(
                            "Impor {} selesai: {} baris, {} baru, {} berganti kategori, {} sudah tercantum, {} ditolak.",
                            parsed.as_str(),
                            group(report.lines),
                            group(report.added),
                            group(report.changed),
                            group(report.unchanged),
                            group(report.rejected_total)
                        );
                        let page = format!("{}?impor={id}", crate::paths::EXCLUSIONS_CONSOLE_PATH);
                        return crate::forms::accepted_with_notice(
                            state,
                            &operator.session,
                            IMPORT.id,
                            &page,
                            notice,
                            Default::default(),
                        )
                        .await;
                    }
                    _ => {}
                }
            }
            refuse("file", "Pilih berkas CSV daftar pengecualian.".to_owned(), &source).await
        })
        .await
}

#[component]
pub fn ExclusionsConsolePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || {
            query.with(|q| {
                (
                    q.get("impor").and_then(|v| v.parse::<i64>().ok()),
                    q.get("setelah").and_then(|v| v.parse::<u64>().ok()),
                )
            })
        },
        |(import, after)| load_exclusions_console(import, after),
    );
    view! {
        <Title text=super::EXCLUSIONS.title/>
        <h1>{super::EXCLUSIONS.heading}</h1>
        {crate::forms::loaded(page, |page| {
            let ConsolePage { operator, last, content } = page;
            view! {
                <ConsoleNav identity=operator/>
                <ExclusionsView last content/>
            }
        })}
    }
}

#[component]
fn ExclusionsView(last: LastPost, content: ExclusionsConsole) -> impl IntoView {
    let form = last.form_state();
    let running = content.running();
    let nik_invalid = last.errors.get("nik").is_some();
    let source_invalid = last.errors.get("source").is_some();
    let file_invalid = last.errors.get("file").is_some();
    let group = |n: i64| crate::domain::group_thousands(n.max(0) as u64);
    view! {
        // While a file streams in, the page shows its progress afresh every few seconds.
        {running.then(|| view! { <Meta http_equiv="refresh" content="5"/> })}
        <ErrorSummary state=form/>
        <Notice notice=last.notice.clone()/>
        <p>{format!("{} NIK tercantum dalam daftar pengecualian.", group(content.total))}</p>
        <h2>"Cari NIK"</h2>
        <form method="post" action=SearchExclusions::url()>
            <div class="field" class:field-invalid=nik_invalid>
                <label for="nik">"NIK"</label>
                <p class="hint" id="nik-hint">"Setiap pencarian dicatat dalam log audit."</p>
                <FieldError id="nik" errors=form.errors/>
                <input id="nik" name="nik" inputmode="numeric" autocomplete="off" value=last.typed("nik")
                    aria-describedby="nik-hint" aria-invalid=nik_invalid.then_some("true")/>
            </div>
            <button type="submit" class="button">"Cari"</button>
        </form>
        <h2>"Per kategori"</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Daftar pengecualian per kategori">
            <table class="funnel">
                <thead><tr><th scope="col">"Kategori"</th><th scope="col">"NIK"</th></tr></thead>
                <tbody>{content.counts.into_iter().map(|(label, n)| view! {
                    <tr><th scope="row">{label}</th><td>{group(n)}</td></tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        {content.is_admin.then(|| view! {
            <h2>"Unggah berkas pengecualian"</h2>
            <form method="post" action=ImportExclusions::url() enctype="multipart/form-data">
                <div class="field" class:field-invalid=source_invalid>
                    <label for="source">"Asal berkas (instansi dan tanggal)"</label>
                    <FieldError id="source" errors=form.errors/>
                    <input id="source" name="source" value=last.typed("source")
                        aria-invalid=source_invalid.then_some("true")/>
                </div>
                <div class="field" class:field-invalid=file_invalid>
                    <label for="file">"Berkas CSV"</label>
                    <p class="hint" id="file-hint">
                        {format!("Satu baris per NIK: nik,kategori (baris judul boleh ada). Kategori: {}. \
                          Berkas sejuta baris diproses kurang dari semenit; kemajuannya tampil di halaman ini.",
                          crate::domain::ExclusionCategory::ALL.iter().map(|c| c.code()).collect::<Vec<_>>().join(", "))}
                    </p>
                    <FieldError id="file" errors=form.errors/>
                    <input id="file" name="file" type="file" accept=".csv,.txt,text/csv,text/plain"
                        aria-describedby="file-hint" aria-invalid=file_invalid.then_some("true")/>
                </div>
                <button type="submit" class="button">"Unggah dan impor"</button>
            </form>
            <h2>"Impor terakhir"</h2>
            {super::item_list(content.imports, "Belum ada impor.", move |i| {
                let percent = i.progress.filter(|(_, expected)| *expected > 0)
                    .map(|(read, expected)| (read.min(expected) * 100 / expected, expected));
                view! {
                    <li class="queue-item" data-import=i.id>
                        <strong>{format!("{} · {}", i.source, i.state)}</strong>
                        <br/>{format!("dimulai {} oleh {}", i.started_at, i.actor)}
                        {i.running.then(|| view! {
                            <br/>
                            {percent.map(|(percent, _)| view! {
                                <progress max="100" value=percent aria-label=format!("Kemajuan impor {}", i.source)>{format!("{percent}%")}</progress>
                                " "
                            })}
                            {format!("{} baris dibaca{}", group(i.lines_read),
                                percent.map(|(p, _)| format!(" ({p}%)")).unwrap_or_default())}
                        })}
                        {i.outcome.map(|outcome| view! { <br/>{outcome} })}
                        {(i.rejected > 0).then(|| view! {
                            " · "
                            <a href=format!("{}?impor={}#ditolak", crate::paths::EXCLUSIONS_CONSOLE_PATH, i.id)>"baris yang ditolak"</a>
                        })}
                    </li>
                }
            })}
            {content.rejected.filter(|r| r.total > 0).map(|r| {
                let next = r.more_after.map(|line| format!("{}?impor={}&setelah={line}#ditolak", crate::paths::EXCLUSIONS_CONSOLE_PATH, r.import_id));
                view! {
                    <section aria-labelledby="ditolak">
                        <h2 id="ditolak">{format!("Baris yang ditolak: {} ({})", r.source, group(r.total))}</h2>
                        {r.capped.then(|| view! {
                            <p class="hint">"Hanya 10.000 baris ditolak pertama yang disimpan: perbaiki berkasnya, lalu unggah lagi."</p>
                        })}
                        <ul class="rejected-rows">{r.lines.into_iter().map(|(line, reason)| view! {
                            <li>{format!("baris {line}: {reason}")}</li>
                        }).collect_view()}</ul>
                        {next.map(|href| view! { <p><a href=href>"Baris ditolak berikutnya"</a></p> })}
                    </section>
                }
            })}
        })}
    }
}
