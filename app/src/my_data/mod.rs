//! "Data saya": everything the portal holds about the signed-in person, as UU No. 27/2022
//! (Pelindungan Data Pribadi) gives them the right to see and take it: their account, the
//! application, verification outcomes and reasons, test attempts, waves and outcomes, the card,
//! purchases, certificates, reviews, the incentive and its payout accounts and transfers, and
//! what operators did with their records. One document, written by PostgreSQL from the rows
//! themselves (a column added later is exported without anyone remembering to), shown on the
//! page, downloaded as JSON and as a PDF.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, FormState, Submitted, TextField},
};

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod pdf;
pub mod rights;

/// One part of the document (the account, the application, the card …) as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    /// One record (the application) or many (purchases), each a list of (label, value).
    pub records: Vec<Vec<(String, String)>>,
}

/// The sections of the document, in its order, with their headings.
pub const SECTIONS: [(&str, &str); 18] = [
    ("akun", "Akun"),
    ("draf_pendaftaran", "Draf pendaftaran yang belum dikirim"),
    ("pendaftaran", "Pendaftaran"),
    ("verifikasi", "Hasil verifikasi"),
    ("sanggahan_nik", "Sanggahan NIK yang Anda ajukan"),
    ("tes", "Tes kemampuan dasar dan motivasi"),
    ("gelombang", "Gelombang yang Anda ikuti"),
    ("kartu", "Kartu Prakerja"),
    ("pembelian", "Pembelian pelatihan"),
    ("sertifikat", "Sertifikat"),
    ("ulasan", "Ulasan"),
    ("jadwal_insentif", "Jadwal insentif"),
    ("angsuran_insentif", "Angsuran insentif"),
    ("rekening_pencairan", "Rekening pencairan"),
    ("transfer_insentif", "Transfer insentif"),
    ("pengaduan", "Pengaduan"),
    ("permintaan_penghapusan", "Permintaan penghapusan data"),
    ("catatan_audit", "Tindakan petugas dan sistem atas data Anda"),
];

/// A field's label in words; a field without one is shown by its own name.
fn label(key: &str) -> String {
    let known = match key {
        "email" => "Email",
        "dibuat" | "created_at" => "Dibuat",
        "reference" => "Nomor pendaftaran",
        "nik" => "NIK",
        "kk" => "Nomor KK",
        "full_name" => "Nama lengkap",
        "birth_date" => "Tanggal lahir",
        "gender" => "Jenis kelamin",
        "birth_place" => "Tempat lahir",
        "province_code" => "Kode provinsi",
        "city" => "Kota/kabupaten",
        "mobile" => "Nomor ponsel",
        "education" => "Pendidikan",
        "employment_status" => "Status pekerjaan",
        "interests" => "Minat",
        "registered_at" => "Terdaftar",
        "status" => "Status",
        "reasons" => "Alasan",
        "decided_at" => "Diputuskan",
        "decision_note" => "Catatan petugas",
        "statement" => "Pernyataan",
        "filed_at" => "Diajukan",
        "started_at" => "Mulai",
        "finished_at" => "Selesai",
        "ability_score" => "Nilai kemampuan",
        "ability_total" => "Jumlah soal kemampuan",
        "motivation_score" => "Nilai motivasi",
        "pass_mark" => "Batas lulus",
        "passed" => "Lulus",
        "wave" => "Gelombang",
        "joined_at" => "Bergabung",
        "drawn_at" => "Diundi",
        "rank" => "Peringkat undian",
        "failed_check" => "Tidak lolos pemeriksaan",
        "selected" => "Terpilih",
        "card_number" => "Nomor kartu",
        "initial_balance" => "Saldo awal (Rp)",
        "balance" => "Saldo (Rp)",
        "accepted_at" => "Diterima",
        "first_purchase_due_at" => "Batas pembelian pertama",
        "first_purchased_at" => "Pembelian pertama",
        "revoked_at" => "Dicabut",
        "returned_balance" => "Saldo dikembalikan (Rp)",
        "training" => "Pelatihan",
        "platform" => "Platform",
        "price" => "Harga (Rp)",
        "voucher_code" => "Kode voucher",
        "purchased_at" => "Dibeli",
        "progress_percent" => "Kemajuan (%)",
        "completed_at" => "Selesai",
        "code" => "Kode",
        "issued_at" => "Terbit",
        "revoked_reason" => "Alasan pencabutan",
        "training_stars" => "Bintang pelatihan",
        "service_stars" => "Bintang layanan platform",
        "body" => "Isi",
        "written_at" => "Ditulis",
        "hidden_at" => "Disembunyikan",
        "hidden_reason" => "Alasan disembunyikan",
        "monthly_amount" => "Per bulan (Rp)",
        "months" => "Bulan",
        "scheduled_at" => "Dijadwalkan",
        "installment" => "Angsuran ke",
        "amount" => "Jumlah (Rp)",
        "due_at" => "Jatuh tempo",
        "cancelled_at" => "Dibatalkan",
        "cancelled_reason" => "Alasan pembatalan",
        "kind" => "Jenis",
        "provider" => "Bank atau penyedia",
        "number" => "Nomor",
        "holder_name" => "Nama pemilik menurut bank",
        "name_match" => "Kecocokan nama",
        "linked_at" => "Ditautkan",
        "usable_from" => "Dipakai mulai",
        "replaced_at" => "Diganti",
        "requested_at" => "Diminta",
        "outcome" => "Hasil",
        "settled_at" => "Tuntas",
        "refusal_reason" => "Alasan ditolak",
        "carried_out_at" => "Dilaksanakan",
        "at" => "Waktu",
        "category" => "Kategori",
        "about" => "Tentang",
        "answer_due_at" => "Dijawab paling lambat",
        "closed_at" => "Ditutup",
        "actor" => "Pelaku",
        "action" => "Tindakan",
        "subject" => "Sasaran",
        "updated_at" => "Diperbarui",
        "draft" => "Isi draf",
        _ => return key.replace('_', " "),
    };
    known.to_owned()
}

/// A JSON value in words.
fn shown(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "ya".to_owned(),
        Value::Bool(false) => "tidak".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn record(object: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    object.iter().map(|(key, value)| (label(key), shown(value))).collect()
}

/// The document's sections as the page and the PDF show them: each heading, then its records
/// (sections with nothing in them say so).
pub fn sections(document: &serde_json::Value) -> Vec<Section> {
    SECTIONS
        .iter()
        .map(|(key, heading)| {
            let records = match document.get(*key) {
                Some(serde_json::Value::Object(object)) => vec![record(object)],
                Some(serde_json::Value::Array(items)) => {
                    items.iter().filter_map(|item| item.as_object().map(record)).collect()
                }
                _ => Vec::new(),
            };
            Section {
                heading: (*heading).to_owned(),
                records,
            }
        })
        .collect()
}

/// The page: the document's sections, the contact details that can be corrected, the deletion
/// request, and what the last post on the page left.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyData {
    pub sections: Vec<Section>,
    pub email: String,
    /// A change of email waiting for its code, to this address.
    pub pending_email: Option<String>,
    /// The application's mobile number (none before an application, or after its erasure).
    pub mobile: Option<String>,
    pub deletion: rights::Deletion,
    /// Until when the records the law keeps would be kept, in words (none: nothing is kept).
    pub kept_until: Option<String>,
    pub participant: bool,
    pub notice: Option<String>,
    pub errors: FieldErrors,
    pub values: std::collections::BTreeMap<String, String>,
}

#[cfg(feature = "ssr")]
const FORM: &str = "data-saya";

#[server(prefix = "/api", endpoint = "my-data-page")]
pub async fn load_my_data() -> Result<MyData, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::MY_DATA_PATH).await?;
    let flash = session.flash_for(&state.pool, FORM).await?;
    let now = state.clock.now();
    let document = export::db::document(&state.pool, account_id).await?;
    let email = document["akun"]["email"].as_str().unwrap_or_default().to_owned();
    let application = document.get("pendaftaran").filter(|a| !a.is_null());
    let erased = application.is_some_and(|a| !a["erased_at"].is_null());
    let mobile = application
        .filter(|_| !erased)
        .and_then(|a| a["mobile"].as_str())
        .map(str::to_owned);
    let participant = document["kartu"].as_array().is_some_and(|cards| !cards.is_empty());
    let mut conn = state.pool.acquire().await?;
    let kept_until = rights::db::kept_until(&mut conn, account_id)
        .await?
        .map(crate::domain::wib::format_date);
    let deletion = match rights::db::open_deletion(&state.pool, account_id).await? {
        Some(at) => rights::Deletion::Requested {
            on: crate::domain::wib::format_wib(at),
        },
        None => rights::Deletion::None,
    };
    Ok(MyData {
        sections: sections(&document),
        email,
        pending_email: rights::db::pending_email(&state.pool, account_id, now).await?,
        mobile,
        deletion,
        kept_until,
        participant,
        notice: flash.notice,
        errors: flash.errors,
        values: flash.values,
    })
}

/// Changes of email asked per account a day: each sends a message to an address of the
/// asker's choosing.
#[cfg(feature = "ssr")]
const EMAIL_CHANGES_PER_DAY: crate::rate_limit::Limit = crate::rate_limit::Limit {
    name: "email-change-account",
    max_hits: 5,
    window: chrono::Duration::hours(24),
};

/// One post of a form of this page by the signed-in account.
#[cfg(feature = "ssr")]
async fn on_this_page(
    work: impl AsyncFnOnce(&crate::state::AppState, &crate::session::Session, uuid::Uuid) -> Result<Submitted, AppError>,
) -> Result<Submitted, AppError> {
    let path = crate::paths::MY_DATA_PATH;
    crate::forms::handle_post(FORM, path, async |state| {
        let (session, account_id) = crate::session::require_account(state, path).await?;
        work(state, &session, account_id).await
    })
    .await
}

#[cfg(feature = "ssr")]
async fn refuse(
    state: &crate::state::AppState,
    field: &str,
    message: impl Into<String>,
    values: std::collections::BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    let errors = FieldErrors::single(field, message);
    crate::forms::reply(
        state,
        FORM,
        crate::paths::MY_DATA_PATH,
        Submitted::Invalid(errors),
        values,
    )
    .await
}

#[cfg(feature = "ssr")]
async fn accept(
    state: &crate::state::AppState,
    session: &crate::session::Session,
    notice: String,
) -> Result<Submitted, AppError> {
    crate::forms::accepted_with_notice(
        state,
        session,
        FORM,
        crate::paths::MY_DATA_PATH,
        notice,
        Default::default(),
    )
    .await
}

/// Asks to use a new email address: a code goes there.
#[server(prefix = "/api", endpoint = "request-email-change")]
pub async fn request_email_change(email: String) -> Result<Submitted, AppError> {
    use crate::domain::EmailAddress;
    on_this_page(async |state, session, account_id| {
        let values = crate::forms::values([("email", email.as_str())]);
        let new_email = match EmailAddress::parse(&email) {
            Ok(parsed) => parsed,
            Err(error) => return refuse(state, "email", error.to_string(), values).await,
        };
        let current = crate::session::account_email(&state.pool, account_id).await?;
        if current.as_deref() == Some(new_email.as_str()) {
            return refuse(state, "email", "Itu sudah email akun Anda.", values).await;
        }
        if let Some(wait) = crate::rate_limit::hit(state, &EMAIL_CHANGES_PER_DAY, &account_id.to_string()).await? {
            let message = format!(
                "Anda sudah {} kali meminta perubahan email hari ini. Coba lagi dalam {} jam.",
                EMAIL_CHANGES_PER_DAY.max_hits,
                wait.div_ceil(3600)
            );
            return refuse(state, "email", message, values).await;
        }
        rights::db::request_email_change(
            &state.pool,
            &state.settings.secret,
            account_id,
            &new_email,
            state.clock.now(),
        )
        .await?;
        let notice = format!(
            "Kode dikirim ke {}. Tulis kode itu di bawah dalam {} menit untuk memakai alamat baru.",
            new_email.as_str(),
            rights::EMAIL_CODE_MINUTES
        );
        accept(state, session, notice).await
    })
    .await
}

/// The code from the new address: the change is made.
#[server(prefix = "/api", endpoint = "confirm-email-change")]
pub async fn confirm_email_change(code: String) -> Result<Submitted, AppError> {
    use rights::db::EmailConfirmation;
    on_this_page(async |state, session, account_id| {
        let values = crate::forms::values([("code", code.as_str())]);
        let parsed = match crate::domain::OneTimeCode::parse(&code) {
            Ok(parsed) => parsed,
            Err(error) => return refuse(state, "code", error.to_string(), values).await,
        };
        let confirmed = rights::db::confirm_email_change(
            &state.pool,
            &state.settings.secret,
            account_id,
            parsed,
            state.clock.now(),
        )
        .await?;
        match confirmed {
            EmailConfirmation::Changed { new, .. } => {
                accept(state, session, format!("Email akun Anda sekarang {new}.")).await
            }
            EmailConfirmation::Wrong { attempts_left } if attempts_left > 0 => {
                let message = format!("Kode salah. Sisa percobaan: {attempts_left}.");
                refuse(state, "code", message, values).await
            }
            EmailConfirmation::Wrong { .. } | EmailConfirmation::NothingPending => {
                let message = "Kode ini tidak berlaku lagi (kedaluwarsa atau terlalu sering salah). Minta kode baru.";
                refuse(state, "code", message, Default::default()).await
            }
            EmailConfirmation::Taken => {
                let message = "Alamat ini sudah dipakai akun Prakerja lain, jadi tidak bisa dipakai di akun ini.";
                refuse(state, "code", message, Default::default()).await
            }
        }
    })
    .await
}

/// A new mobile number for the application.
#[server(prefix = "/api", endpoint = "change-mobile")]
pub async fn change_mobile(mobile: String) -> Result<Submitted, AppError> {
    on_this_page(async |state, session, account_id| {
        let values = crate::forms::values([("mobile", mobile.as_str())]);
        let parsed = match crate::domain::MobileNumber::parse(&mobile) {
            Ok(parsed) => parsed,
            Err(error) => return refuse(state, "mobile", error.to_string(), values).await,
        };
        if !rights::db::change_mobile(&state.pool, account_id, &parsed).await? {
            return refuse(
                state,
                "mobile",
                "Belum ada pendaftaran dengan nomor ponsel di akun ini.",
                values,
            )
            .await;
        }
        accept(
            state,
            session,
            format!("Nomor ponsel Anda sekarang {}.", parsed.display_local()),
        )
        .await
    })
    .await
}

/// Asks for the account's data to be deleted (`confirm` is the checked statement).
#[server(prefix = "/api", endpoint = "request-deletion")]
pub async fn request_deletion(#[server(default)] confirm: String) -> Result<Submitted, AppError> {
    on_this_page(async |state, session, account_id| {
        if confirm != "ya" {
            let message = "Centang pernyataan bahwa Anda memahami apa yang dihapus dan apa yang disimpan.";
            return refuse(state, "confirm", message, Default::default()).await;
        }
        rights::db::request_deletion(&state.pool, account_id, state.clock.now()).await?;
        let notice = "Permintaan penghapusan tercatat dan dilaksanakan dalam beberapa menit. Setelah itu Anda tidak \
                      bisa masuk lagi dengan email ini."
            .to_owned();
        accept(state, session, notice).await
    })
    .await
}

#[component]
pub fn MyDataPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_my_data());
    view! {
        <Title text="Data saya — Prakerja"/>
        <h1>"Data saya"</h1>
        <p>"Semua data yang disimpan portal ini tentang Anda. Anda berhak melihat, membetulkan, mengunduh dan meminta penghapusannya (UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi)."</p>
        {crate::forms::loaded(page, |data: MyData| {
            let form = FormState::new(data.errors.clone());
            let errors = form.errors;
            let typed = |name: &str| data.values.get(name).cloned().unwrap_or_default();
            let typed_mobile = data.values.get("mobile").cloned().or(data.mobile.clone()).unwrap_or_default();
            let confirm_invalid = data.errors.get("confirm").is_some();
            view! {
                <ErrorSummary state=form/>
                {data.notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                <ul class="actions">
                    <li><a href=crate::paths::MY_DATA_JSON_PATH download="">"Unduh sebagai JSON"</a></li>
                    <li><a href=crate::paths::MY_DATA_PDF_PATH download="">"Unduh sebagai PDF"</a></li>
                </ul>
                <section aria-labelledby="kontak-heading">
                    <h2 id="kontak-heading">"Betulkan kontak"</h2>
                    <form method="post" action=RequestEmailChange::url()>
                        <p>{format!("Email akun sekarang: {}", data.email)}</p>
                        <TextField id="email" name="email".into() label="Email baru" value=typed("email") errors
                            input_type="email" autocomplete="email"
                            hint="Kami mengirim kode ke alamat baru; alamat diganti setelah kode itu Anda tulis di sini."/>
                        <button type="submit" class="button button-secondary">"Kirim kode ke email baru"</button>
                    </form>
                    {data.pending_email.map(|pending| view! {
                        <form method="post" action=ConfirmEmailChange::url()>
                            <TextField id="code" name="code".into() label="Kode dari email baru" value=typed("code") errors
                                inputmode="numeric" autocomplete="one-time-code"
                                hint="Enam angka, dikirim ke alamat baru Anda."/>
                            <p class="hint">{format!("Menunggu kode untuk {pending}.")}</p>
                            <button type="submit" class="button">"Pakai email baru"</button>
                        </form>
                    })}
                    {data.mobile.is_some().then(|| view! {
                        <form method="post" action=ChangeMobile::url()>
                            <TextField id="mobile" name="mobile".into() label="Nomor ponsel" value=typed_mobile errors
                                input_type="tel" autocomplete="tel" inputmode="tel" hint="Contoh: 0812 3456 7890."/>
                            <button type="submit" class="button button-secondary">"Simpan nomor ponsel"</button>
                        </form>
                    })}
                </section>
                {data.sections.into_iter().map(|section| view! {
                    <section class="my-data" aria-label=section.heading.clone()>
                        <h2>{section.heading.clone()}</h2>
                        {if section.records.is_empty() {
                            view! { <p class="hint">"Tidak ada."</p> }.into_any()
                        } else {
                            section.records.into_iter().map(|fields| view! {
                                <dl class="facts">
                                    {fields.into_iter().map(|(label, value)| view! {
                                        <div><dt>{label}</dt><dd>{value}</dd></div>
                                    }).collect_view()}
                                </dl>
                            }).collect_view().into_any()
                        }}
                    </section>
                }).collect_view()}
                <section aria-labelledby="hapus-heading">
                    <h2 id="hapus-heading">"Hapus data saya"</h2>
                    <p>"Yang dihapus segera: email akun (Anda tidak bisa masuk lagi dengannya), sesi masuk, draf pendaftaran, nomor ponsel, tempat lahir, kota, minat, dan teks ulasan Anda."</p>
                    {match data.kept_until {
                        Some(until) => view! {
                            <p>{format!(
                                "Yang disimpan sampai {until}, lalu dihapus: nama, NIK, nomor KK, tanggal lahir dan jenis kelamin, hasil verifikasi, tes dan undian{}. {}",
                                if data.participant { ", serta kartu, pembelian, sertifikat, insentif, rekening dan transfernya" } else { "" },
                                if data.participant {
                                    "Alasannya: kartu dan insentif dibiayai uang negara, dan catatan keuangannya wajib disimpan sepuluh tahun."
                                } else {
                                    "Alasannya: satu NIK hanya boleh mendaftar satu kali selama program berjalan."
                                }
                            )}</p>
                        }.into_any(),
                        None => view! { <p>"Anda belum mendaftar, jadi tidak ada yang perlu disimpan."</p> }.into_any(),
                    }}
                    {match data.deletion {
                        rights::Deletion::Requested { on } => view! {
                            <p class="notice" role="status">{format!("Permintaan penghapusan Anda tercatat {on} dan sedang dilaksanakan.")}</p>
                        }.into_any(),
                        rights::Deletion::None => view! {
                            <form method="post" action=RequestDeletion::url()>
                                <div class="field" class:field-invalid=confirm_invalid>
                                    <FieldError id="confirm" errors/>
                                    <label><input id="confirm" type="checkbox" name="confirm" value="ya"
                                        aria-invalid=confirm_invalid.then_some("true")/>
                                        " Saya memahami apa yang dihapus dan apa yang disimpan."</label>
                                </div>
                                <button type="submit" class="button button-secondary">"Hapus data saya"</button>
                            </form>
                        }.into_any(),
                    }}
                </section>
                <p><a href=crate::paths::DASHBOARD_PATH>"‹ Kembali ke dasbor"</a></p>
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_shown_in_words_section_by_section() {
        let document = serde_json::json!({
            "akun": { "email": "rina@contoh.id", "dibuat": "2026-12-01T01:00:00Z" },
            "kartu": [{ "card_number": "1234", "balance": 3500000, "revoked_at": null, "baru": true }],
        });
        let shown = sections(&document);
        assert_eq!(shown.len(), SECTIONS.len());
        assert_eq!(shown[0].heading, "Akun");
        assert!(shown[0].records[0].contains(&("Email".to_owned(), "rina@contoh.id".to_owned())));
        let card = &shown.iter().find(|s| s.heading == "Kartu Prakerja").unwrap().records[0];
        assert!(card.contains(&("Saldo (Rp)".to_owned(), "3500000".to_owned())));
        assert!(card.contains(&("Dicabut".to_owned(), "—".to_owned())));
        assert!(card.contains(&("baru".to_owned(), "ya".to_owned())));
        assert!(shown[2].records.is_empty(), "no application yet");
    }
}
