//! The catalogue in the operators' console: import a platform's trainings from its CSV or JSON
//! file (idempotent by the platform's course id; rejected rows reported by line), hide a training
//! (with a reason; it can no longer be bought), and see what is hidden and why. Program admins
//! only; every change is audited. The command line does the same (`prakerja catalogue …`).

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsoleInput, ConsolePage, Notice, PlatformSelect};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{
    error::AppError,
    forms::{ErrorSummary, FieldError, Submitted},
};

#[cfg(feature = "ssr")]
const HIDE: super::ConsoleForm = super::ConsoleForm::new("catalogue-hide", crate::paths::CATALOGUE_CONSOLE_PATH);
#[cfg(feature = "ssr")]
const IMPORT: super::ConsoleForm = super::ConsoleForm::new("catalogue-import", crate::paths::CATALOGUE_CONSOLE_PATH);
/// A platform's file, at most. (About 900 trainings take 1 MB.)
pub const IMPORT_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Rejected rows listed on the page after an import (the count covers them all).
#[cfg(feature = "ssr")]
const REJECTED_SHOWN: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenTraining {
    pub id: i32,
    pub title: String,
    pub platform: String,
    pub reason: String,
    pub hidden_at: String,
}

/// The catalogue page's own content (the hide form's notice and values are the page's last post).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueConsole {
    /// (code, name, trainings shown, trainings hidden)
    pub platforms: Vec<(String, String, i64, i64)>,
    pub hidden: Vec<HiddenTraining>,
    /// The last import: what it did, and the rows it rejected ("baris 7: harga: …").
    pub import_notice: Option<String>,
    pub import_rejected: Vec<String>,
    pub typed_platform: String,
}

#[server(prefix = "/api", endpoint = "catalogue-console")]
pub async fn load_catalogue_console() -> Result<ConsolePage<CatalogueConsole>, AppError> {
    let (state, operator, mut flash) = super::open_page(super::PROGRAM_ADMINS, &[HIDE.id]).await?;
    let imported = operator.session.flash_for(&state.pool, IMPORT.id).await?;
    let platforms = sqlx::query!(
        r#"select p.code, p.name, count(t.id) filter (where t.hidden_at is null) as "shown!",
                  count(t.id) filter (where t.hidden_at is not null) as "hidden!"
           from platforms p left join trainings t on t.platform_code = p.code
           group by p.code, p.name order by p.name"#
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.code, r.name, r.shown, r.hidden))
    .collect();
    let hidden = sqlx::query!(
        r#"select t.id, t.title, p.name as platform, t.hidden_reason as "reason!", t.hidden_at as "hidden_at!"
           from trainings t join platforms p on p.code = t.platform_code
           where t.hidden_at is not null order by t.hidden_at desc limit 100"#
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| HiddenTraining {
        id: r.id,
        title: r.title,
        platform: r.platform,
        reason: r.reason,
        hidden_at: crate::domain::wib::format_wib(r.hidden_at),
    })
    .collect();
    // Both forms' fields have their own names: one summary lists the problems of either.
    for error in imported.errors.iter() {
        flash.errors.push(&error.field, error.message.clone());
    }
    let content = CatalogueConsole {
        platforms,
        hidden,
        import_notice: imported.notice,
        import_rejected: imported
            .values
            .get("rejected")
            .map(|rows| rows.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        typed_platform: imported.values.get("platform").cloned().unwrap_or_default(),
    };
    Ok(ConsolePage::new(operator.identity, flash, content))
}

/// Imports a platform's file of trainings (a plain multipart form: it works without
/// JavaScript). Rows that do not parse are skipped and listed; the rest are written at once.
#[server(prefix = "/api", endpoint = "import-trainings", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn import_trainings(data: leptos::server_fn::codec::MultipartData) -> Result<Submitted, AppError> {
    // Nobody but a program admin gets as far as the file.
    IMPORT
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let upload = read_upload(data).await;
            let values = crate::forms::values([("platform", upload.platform.as_str())]);
            let refuse =
                |field: &str, message: &str| IMPORT.refuse(state, FieldErrors::single(field, message), values.clone());
            let platform = sqlx::query_scalar!("select name from platforms where code = $1", upload.platform)
                .fetch_optional(&state.pool)
                .await?;
            let Some(platform_name) = platform else {
                return refuse("platform", "Pilih platform asal berkas.").await;
            };
            let text = match upload.file {
                Upload::Missing => return refuse("file", "Pilih berkas CSV atau JSON dari platform.").await,
                Upload::TooLarge => {
                    let message = format!(
                        "Berkas lebih dari {} MB: bagi menjadi beberapa berkas.",
                        IMPORT_MAX_BYTES / (1024 * 1024)
                    );
                    return refuse("file", &message).await;
                }
                Upload::Unreadable => {
                    return refuse("file", "Berkas tidak terbaca: kirim ulang berkas CSV atau JSON.").await
                }
                Upload::File(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(_) => return refuse("file", "Berkas harus berupa teks UTF-8 (CSV atau JSON).").await,
                },
            };
            let (trainings, rejected) = match crate::catalogue::import::parse_file(&text) {
                Ok(parsed) => parsed,
                Err(reason) => return refuse("file", &format!("Berkas tidak bisa dibaca: {reason}.")).await,
            };
            let now = state.clock.now();
            let report = crate::catalogue::import::import(
                &state.pool,
                &upload.platform,
                &trainings,
                &rejected,
                &operator.actor(),
                now,
            )
            .await?;
            let listed: Vec<String> = report
                .rejected
                .iter()
                .take(REJECTED_SHOWN)
                .map(|row| format!("baris {}: {}", row.row, row.reason))
                .collect();
            let notice = format!(
                "Impor {platform_name}: {} pelatihan baru, {} diperbarui, {} tidak berubah, {} baris ditolak.",
                report.added,
                report.updated,
                report.unchanged,
                report.rejected.len()
            );
            let values = crate::forms::values([("rejected", listed.join("\n").as_str())]);
            IMPORT.accept(state, &operator.session, notice, values).await
        })
        .await
}

#[cfg(feature = "ssr")]
enum Upload {
    Missing,
    TooLarge,
    Unreadable,
    File(Vec<u8>),
}

#[cfg(feature = "ssr")]
struct ImportUpload {
    platform: String,
    file: Upload,
}

/// The form's two fields, reading at most `IMPORT_MAX_BYTES` of the file.
#[cfg(feature = "ssr")]
async fn read_upload(data: leptos::server_fn::codec::MultipartData) -> ImportUpload {
    let mut upload = ImportUpload {
        platform: String::new(),
        file: Upload::Missing,
    };
    let Some(mut multipart) = data.into_inner() else {
        upload.file = Upload::Unreadable;
        return upload;
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return upload,
            Err(_) => {
                upload.file = Upload::Unreadable;
                return upload;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= IMPORT_MAX_BYTES => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) => {
                    upload.file = Upload::TooLarge;
                    return upload;
                }
                Ok(None) => break,
                Err(_) => {
                    upload.file = Upload::Unreadable;
                    return upload;
                }
            }
        }
        match name.as_str() {
            "platform" => upload.platform = String::from_utf8_lossy(&bytes).trim().to_owned(),
            // A file input left empty still sends an empty part.
            "file" if !bytes.is_empty() => upload.file = Upload::File(bytes),
            _ => {}
        }
    }
}

/// Hides a training from the catalogue, with the reason (audited).
#[server(prefix = "/api", endpoint = "hide-training")]
pub async fn hide_training(training: String, reason: String) -> Result<Submitted, AppError> {
    let listed = super::Listed {
        number_field: "training",
        number: &training,
        number_hint: "Tulis nomor pelatihan (angka, tertera pada katalog).",
        not_found: "Tidak ada pelatihan tampil dengan nomor itu.",
        reason_field: "reason",
        reason: &reason,
    };
    super::hide_listed(HIDE, listed, crate::catalogue::import::hide, |id: i32| {
        format!("Pelatihan No. {id} disembunyikan dari katalog.")
    })
    .await
}

#[component]
pub fn CatalogueConsolePage() -> impl IntoView {
    super::console_page(super::CATALOGUE, load_catalogue_console, |last, catalogue| {
        let form = last.form_state();
        let training_invalid = last.errors.get("training").is_some();
        let platform_choices: Vec<(String, String)> = catalogue
            .platforms
            .iter()
            .map(|(code, name, _, _)| (code.clone(), name.clone()))
            .collect();
        let file_invalid = last.errors.get("file").is_some();
        view! {
            <ErrorSummary state=form/>
            <h2>"Impor dari platform"</h2>
            <Notice notice=catalogue.import_notice/>
            {(!catalogue.import_rejected.is_empty()).then(|| view! {
                <section aria-labelledby="ditolak">
                    <h3 id="ditolak">"Baris yang ditolak"</h3>
                    <ul class="rejected-rows">{catalogue.import_rejected.into_iter().map(|row| view! { <li>{row}</li> }).collect_view()}</ul>
                </section>
            })}
            <form method="post" action=ImportTrainings::url() enctype="multipart/form-data">
                <PlatformSelect platforms=platform_choices chosen=catalogue.typed_platform errors=form.errors/>
                <div class="field" class:field-invalid=file_invalid>
                    <label for="file">"Berkas pelatihan (CSV atau JSON)"</label>
                    <p class="hint" id="file-hint">
                        {format!("CSV dengan baris pertama: {}. Hasil belajar dipisah tanda |. Atau JSON: daftar objek dengan nama kolom yang sama. Pelatihan yang sudah ada (menurut course_id platform) diperbarui, bukan digandakan.", crate::catalogue::CSV_HEADER)}
                    </p>
                    <FieldError id="file" errors=form.errors/>
                    <input id="file" name="file" type="file" accept=".csv,.json,text/csv,application/json"
                        aria-describedby="file-hint" aria-invalid=file_invalid.then_some("true")/>
                </div>
                <button type="submit" class="button">"Impor"</button>
            </form>
            <h2>"Sembunyikan pelatihan"</h2>
            <Notice notice=last.notice.clone()/>
            <form method="post" action=HideTraining::url()>
                <div class="field" class:field-invalid=training_invalid>
                    <label for="training">"Nomor pelatihan"</label>
                    <p class="hint">"Tertera pada katalog, di bawah judul (No. …)."</p>
                    <FieldError id="training" errors=form.errors/>
                    <input id="training" name="training" inputmode="numeric" value=last.typed("training")
                        aria-invalid=training_invalid.then_some("true")/>
                </div>
                <ConsoleInput id="reason" label="Alasan" value=last.typed("reason") errors=form.errors/>
                <button type="submit" class="button">"Sembunyikan"</button>
            </form>
            <h2>"Per platform"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Pelatihan per platform">
                <table class="funnel">
                    <thead><tr><th scope="col">"Platform"</th><th scope="col">"Tampil"</th><th scope="col">"Disembunyikan"</th></tr></thead>
                    <tbody>{catalogue.platforms.into_iter().map(|(_, name, shown, hidden)| view! {
                        <tr><th scope="row">{name}</th><td>{shown}</td><td>{hidden}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </div>
            <h2>"Disembunyikan"</h2>
            {super::item_list(catalogue.hidden, "Belum ada.", |h| view! {
                <li class="queue-item">
                    <strong>{format!("No. {} · {}", h.id, h.title)}</strong>
                    <br/>{format!("{} · disembunyikan {} · alasan: {}", h.platform, h.hidden_at, h.reason)}
                </li>
            })}
        }
    })
}
