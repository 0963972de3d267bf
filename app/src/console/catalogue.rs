//! The catalogue in the operators' console: import a platform's trainings from its CSV or JSON
//! file (idempotent by the platform's course id; rejected rows reported by line), hide a training
//! (with a reason; it can no longer be bought), see what is hidden and why and show it again,
//! and say which providers a platform owns (one at a time or from a file), which is what the
//! catalogue's conflict-of-interest mark rests on. Program admins only; every change is audited.
//! The command line imports and hides too (`prakerja catalogue …`).

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
#[cfg(feature = "ssr")]
const UNHIDE: super::ConsoleForm = super::ConsoleForm::new("catalogue-unhide", crate::paths::CATALOGUE_CONSOLE_PATH);
/// The owner of one provider, or of many from a file: one section, one notice.
#[cfg(feature = "ssr")]
const OWNER: super::ConsoleForm = super::ConsoleForm::new("catalogue-owner", crate::paths::CATALOGUE_CONSOLE_PATH);
/// An ownership file, at most (a line per provider).
#[cfg(feature = "ssr")]
const OWNERS_MAX_BYTES: usize = 1024 * 1024;
/// A platform's file, at most. (About 900 trainings take 1 MB.)
pub const IMPORT_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Rejected rows listed on the page after an import (the count covers them all).
#[cfg(feature = "ssr")]
const REJECTED_SHOWN: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderItem {
    pub name: String,
    /// The owning platform's name.
    pub owner: Option<String>,
    pub trainings: i64,
}

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
    pub providers: Vec<ProviderItem>,
    /// The ownership section's last post: its notice, its rejected lines, what was chosen.
    pub owner_notice: Option<String>,
    pub owner_rejected: Vec<String>,
    pub owner_provider: String,
    pub owner_platform: String,
}

#[server(prefix = "/api", endpoint = "catalogue-console")]
pub async fn load_catalogue_console() -> Result<ConsolePage<CatalogueConsole>, AppError> {
    let (state, operator, mut flash) = super::open_page(super::PROGRAM_ADMINS, &[HIDE.id, UNHIDE.id]).await?;
    let imported = operator.session.flash_for(&state.pool, IMPORT.id).await?;
    let owned = operator.session.flash_for(&state.pool, OWNER.id).await?;
    let providers = crate::catalogue::providers::db::list(&state.pool)
        .await?
        .into_iter()
        .map(|p| ProviderItem {
            name: p.name,
            owner: p.owner,
            trainings: p.trainings,
        })
        .collect();
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
    // The forms' fields have their own names: one summary lists the problems of any.
    for error in imported.errors.iter().chain(owned.errors.iter()) {
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
        providers,
        owner_notice: owned.notice,
        owner_rejected: owned
            .values
            .get("rejected")
            .map(|rows| rows.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        owner_provider: owned.values.get("provider").cloned().unwrap_or_default(),
        owner_platform: owned.values.get("owner").cloned().unwrap_or_default(),
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
            let upload = read_upload(data, IMPORT_MAX_BYTES).await;
            let platform_code = upload.field("platform");
            let values = crate::forms::values([("platform", platform_code.as_str())]);
            let refuse =
                |field: &str, message: &str| IMPORT.refuse(state, FieldErrors::single(field, message), values.clone());
            let platform = sqlx::query_scalar!("select name from platforms where code = $1", platform_code)
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
                &platform_code,
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
            crate::catalogue::snapshot::changed(state).await;
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

/// A multipart form as read: its `file` part, and its other parts as text.
#[cfg(feature = "ssr")]
struct UploadForm {
    fields: std::collections::BTreeMap<String, String>,
    file: Upload,
}

#[cfg(feature = "ssr")]
impl UploadForm {
    fn field(&self, name: &str) -> String {
        self.fields.get(name).map(|v| v.trim().to_owned()).unwrap_or_default()
    }
}

/// Reads a multipart form's parts, each at most `max` bytes.
#[cfg(feature = "ssr")]
async fn read_upload(data: leptos::server_fn::codec::MultipartData, max: usize) -> UploadForm {
    let mut form = UploadForm {
        fields: Default::default(),
        file: Upload::Missing,
    };
    let Some(mut multipart) = data.into_inner() else {
        form.file = Upload::Unreadable;
        return form;
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return form,
            Err(_) => {
                form.file = Upload::Unreadable;
                return form;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= max => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) => {
                    form.file = Upload::TooLarge;
                    return form;
                }
                Ok(None) => break,
                Err(_) => {
                    form.file = Upload::Unreadable;
                    return form;
                }
            }
        }
        match name.as_str() {
            // A file input left empty still sends an empty part.
            "file" if !bytes.is_empty() => form.file = Upload::File(bytes),
            "file" => {}
            _ => {
                form.fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
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
    let submitted = super::hide_listed(HIDE, listed, crate::catalogue::import::hide, |id: i32| {
        format!("Pelatihan No. {id} disembunyikan dari katalog.")
    })
    .await;
    crate::catalogue::snapshot::changed(&crate::state::app_state()?).await;
    submitted
}

/// Shows a hidden training again (audited, with the reason it had been hidden).
#[server(prefix = "/api", endpoint = "unhide-training")]
pub async fn unhide_training(training: String) -> Result<Submitted, AppError> {
    UNHIDE
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let Some(id) = crate::domain::parse_listed_number::<i32>(&training) else {
                return Err(AppError::BadRequest);
            };
            if !crate::catalogue::import::unhide(&state.pool, id, &operator.actor()).await? {
                let errors = FieldErrors::single(crate::forms::FORM_ERROR, "Pelatihan itu tidak tersembunyi (lagi).");
                return UNHIDE.refuse(state, errors, Default::default()).await;
            }
            let notice = format!("Pelatihan No. {id} tampil lagi di katalog.");
            crate::catalogue::snapshot::changed(state).await;
            UNHIDE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

/// Says which platform owns one provider (`owner` empty: none).
#[server(prefix = "/api", endpoint = "set-provider-owner")]
pub async fn set_provider_owner(provider: String, owner: String) -> Result<Submitted, AppError> {
    use crate::catalogue::providers::{self, Ownership};
    OWNER
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let values = crate::forms::values([("provider", provider.as_str()), ("owner", owner.as_str())]);
            let mut errors = FieldErrors::new();
            let name = errors.check("owner-provider", providers::parse_provider(&provider));
            let platform = errors.check("owner-platform", providers::parse_platform(&owner));
            let (Some(name), Some(platform)) = (name, platform) else {
                return OWNER.refuse(state, errors, values).await;
            };
            let line = [(
                1,
                Ownership {
                    provider: name.clone(),
                    platform,
                },
            )];
            let report = providers::db::set_owners(&state.pool, &line, &operator.actor()).await?;
            if let Some(rejected) = report.rejected.first() {
                let field = if rejected.reason.starts_with("platform") {
                    "owner-platform"
                } else {
                    "owner-provider"
                };
                let errors = FieldErrors::single(field, format!("{}.", rejected.reason));
                return OWNER.refuse(state, errors, values).await;
            }
            let notice = if report.changed == 1 {
                format!("Pemilik {name} disimpan.")
            } else {
                format!("Pemilik {name} memang sudah begitu: tidak ada yang berubah.")
            };
            crate::catalogue::snapshot::changed(state).await;
            OWNER.accept(state, &operator.session, notice, Default::default()).await
        })
        .await
}

/// Imports the owners of many providers from a file of `lembaga,platform` lines.
#[server(prefix = "/api", endpoint = "import-provider-owners", input = leptos::server_fn::codec::MultipartFormData)]
pub async fn import_provider_owners(data: leptos::server_fn::codec::MultipartData) -> Result<Submitted, AppError> {
    use crate::catalogue::providers;
    OWNER
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let refuse =
                |message: &str| OWNER.refuse(state, FieldErrors::single("owners-file", message), Default::default());
            let text = match read_upload(data, OWNERS_MAX_BYTES).await.file {
                Upload::File(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(_) => return refuse("Berkas harus berupa teks UTF-8 (CSV).").await,
                },
                Upload::Missing => return refuse("Pilih berkas CSV kepemilikan lembaga.").await,
                Upload::TooLarge => return refuse("Berkas lebih dari 1 MB.").await,
                Upload::Unreadable => return refuse("Berkas tidak terbaca: kirim ulang berkas CSV.").await,
            };
            let (lines, mut rejected) = providers::parse_file(&text);
            let report = providers::db::set_owners(&state.pool, &lines, &operator.actor()).await?;
            rejected.extend(report.rejected);
            rejected.sort_by_key(|r| r.line);
            let notice = format!(
                "Kepemilikan lembaga diimpor: {} berubah, {} tetap, {} baris ditolak.",
                report.changed,
                report.unchanged,
                rejected.len()
            );
            let listed: Vec<String> = rejected
                .iter()
                .take(REJECTED_SHOWN)
                .map(|r| format!("baris {}: {}", r.line, r.reason))
                .collect();
            let values = crate::forms::values([("rejected", listed.join("\n").as_str())]);
            crate::catalogue::snapshot::changed(state).await;
            OWNER.accept(state, &operator.session, notice, values).await
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
        let owner_provider_invalid = last.errors.get("owner-provider").is_some();
        let owner_platform_invalid = last.errors.get("owner-platform").is_some();
        let owners_file_invalid = last.errors.get("owners-file").is_some();
        let owner_choices = platform_choices.clone();
        let provider_names: Vec<String> = catalogue.providers.iter().map(|p| p.name.clone()).collect();
        let owner_provider = catalogue.owner_provider.clone();
        let owner_platform = catalogue.owner_platform.clone();
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
                    <form method="post" action=UnhideTraining::url() class="inline-form">
                        <input type="hidden" name="training" value=h.id.to_string()/>
                        <button type="submit" class="button button-secondary">{format!("Tampilkan lagi No. {}", h.id)}</button>
                    </form>
                </li>
            })}
            <h2 id="pemilik">"Lembaga milik platform"</h2>
            <p class="hint">"Pelatihan dari lembaga yang dimiliki platform penjualnya ditandai konflik kepentingan di katalog."</p>
            <Notice notice=catalogue.owner_notice/>
            {(!catalogue.owner_rejected.is_empty()).then(|| view! {
                <section aria-labelledby="pemilik-ditolak">
                    <h3 id="pemilik-ditolak">"Baris yang ditolak"</h3>
                    <ul class="rejected-rows">{catalogue.owner_rejected.into_iter().map(|row| view! { <li>{row}</li> }).collect_view()}</ul>
                </section>
            })}
            <form method="post" action=SetProviderOwner::url()>
                <div class="field" class:field-invalid=owner_provider_invalid>
                    <label for="owner-provider">"Lembaga"</label>
                    <FieldError id="owner-provider" errors=form.errors/>
                    <select id="owner-provider" name="provider" aria-invalid=owner_provider_invalid.then_some("true")>
                        {provider_names.into_iter().map(|name| view! {
                            <option value=name.clone() selected={name == owner_provider}>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field" class:field-invalid=owner_platform_invalid>
                    <label for="owner-platform">"Dimiliki platform"</label>
                    <FieldError id="owner-platform" errors=form.errors/>
                    <select id="owner-platform" name="owner" aria-invalid=owner_platform_invalid.then_some("true")>
                        <option value="">"Tidak dimiliki platform"</option>
                        {owner_choices.into_iter().map(|(code, name)| view! {
                            <option value=code.clone() selected={code == owner_platform}>{name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Simpan pemilik"</button>
            </form>
            <form method="post" action=ImportProviderOwners::url() enctype="multipart/form-data">
                <div class="field" class:field-invalid=owners_file_invalid>
                    <label for="owners-file">"Atau impor berkas kepemilikan (CSV)"</label>
                    <p class="hint" id="owners-file-hint">"Satu baris per lembaga: lembaga,platform (kode platform, atau kosong bila tidak dimiliki platform). Nama yang memuat koma diapit tanda kutip."</p>
                    <FieldError id="owners-file" errors=form.errors/>
                    <input id="owners-file" name="file" type="file" accept=".csv,text/csv"
                        aria-describedby="owners-file-hint" aria-invalid=owners_file_invalid.then_some("true")/>
                </div>
                <button type="submit" class="button button-secondary">"Impor kepemilikan"</button>
            </form>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Lembaga pelatihan dan pemiliknya">
                <table class="funnel">
                    <thead><tr><th scope="col">"Lembaga"</th><th scope="col">"Dimiliki platform"</th><th scope="col">"Pelatihan"</th></tr></thead>
                    <tbody>{catalogue.providers.into_iter().map(|p| view! {
                        <tr><th scope="row">{p.name}</th><td>{p.owner.unwrap_or_else(|| "—".to_owned())}</td><td>{p.trainings}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </div>
        }
    })
}
