//! Finishing trainings, in the operators' console: completions held for review (reported sooner
//! than the minimum study time: certified or refused with a reason), the platforms' API keys
//! (made and revoked; a new key's secret is shown once), certificates revoked with a reason,
//! reviews hidden with a reason, and the incentive ledger's totals. Program admins only; every
//! change is audited.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, DecisionForm, OperatorIdentity};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, FormState, Submitted},
};

#[cfg(feature = "ssr")]
const KEY_FORM: &str = "platform-key";
#[cfg(feature = "ssr")]
const CERTIFICATE_FORM: &str = "certificate-revoke";
#[cfg(feature = "ssr")]
const REVIEW_FORM: &str = "review-hide";
#[cfg(feature = "ssr")]
const HELD_FORM: &str = "completion-decide";
/// Held completions listed, oldest first.
#[cfg(feature = "ssr")]
const HELD_LISTED: i64 = 50;

/// A completion held for review: reported sooner than the minimum study time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldLine {
    pub purchase: String,
    pub training: String,
    pub platform: String,
    pub studied: String,
    pub held: String,
}
/// Reviews listed for moderation, newest first.
#[cfg(feature = "ssr")]
const REVIEWS_LISTED: i64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLine {
    pub key_id: String,
    pub platform: String,
    pub created: String,
    pub revoked: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewLine {
    pub number: i64,
    pub training: String,
    pub stars: String,
    pub body: String,
    pub written: String,
    pub hidden_reason: Option<String>,
}

/// A key just made: its secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub key_id: String,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionConsole {
    pub operator: OperatorIdentity,
    pub platforms: Vec<(String, String)>,
    pub keys: Vec<KeyLine>,
    pub new_key: Option<NewKey>,
    pub held: Vec<HeldLine>,
    pub reviews: Vec<ReviewLine>,
    /// (label, value) lines of the incentive ledger.
    pub ledger: Vec<(String, String)>,
    pub notice: Option<String>,
    pub errors: FieldErrors,
    /// What was typed in a refused form, by field name.
    pub typed: std::collections::BTreeMap<String, String>,
}

#[server(prefix = "/api", endpoint = "completion-console")]
pub async fn load_completion_console() -> Result<CompletionConsole, AppError> {
    let state = crate::state::app_state()?;
    let operator = super::require_program_admin(&state).await?;
    // One flash per session: whichever of the forms was posted last.
    let mut flash = None;
    for form in [HELD_FORM, KEY_FORM, CERTIFICATE_FORM, REVIEW_FORM] {
        if let Some(found) = operator.session.take_flash(&state.pool, form).await? {
            flash = Some(found);
        }
    }
    let flash = flash.unwrap_or_default();
    let new_key = match flash.values.get("new_key") {
        Some(key_id) => crate::completion::db::active_key(&state.pool, key_id)
            .await?
            .and_then(|(_, version)| state.settings.platform_keys.key_secret(version, key_id))
            .map(|secret| NewKey {
                secret,
                key_id: key_id.clone(),
            }),
        None => None,
    };
    let platforms = crate::catalogue::search::platforms(&state.pool).await?;
    let keys = crate::completion::db::keys(&state.pool)
        .await?
        .into_iter()
        .map(|k| KeyLine {
            key_id: k.key_id,
            platform: k.platform,
            created: format!("{} oleh {}", crate::domain::wib::format_wib(k.created_at), k.created_by),
            revoked: k.revoked_at.map(crate::domain::wib::format_wib),
        })
        .collect();
    let held = crate::completion::db::held_completions(&state.pool, HELD_LISTED)
        .await?
        .into_iter()
        .map(|h| HeldLine {
            purchase: h.purchase_id.to_string(),
            training: h.training,
            platform: h.platform,
            studied: format!(
                "{} menit dari start yang diterima portal; minimal {} menit",
                h.study_minutes, h.required_minutes
            ),
            held: crate::domain::wib::format_wib(h.held_at),
        })
        .collect();
    let reviews = crate::reviews::db::newest(&state.pool, REVIEWS_LISTED)
        .await?
        .into_iter()
        .map(|r| ReviewLine {
            number: r.number,
            training: r.training,
            stars: format!("pelatihan {} · layanan {}", r.training_stars, r.service_stars),
            body: r.body,
            written: crate::domain::wib::format_wib(r.written_at),
            hidden_reason: r.hidden_reason,
        })
        .collect();
    let totals = crate::incentive::db::totals(&state.pool, state.clock.now()).await?;
    let rupiah = |amount: i64| {
        crate::domain::Rupiah::from_whole(amount)
            .map(|r| r.to_string())
            .unwrap_or_else(|| amount.to_string())
    };
    let ledger = vec![
        ("Peserta terjadwal".to_owned(), totals.participants.to_string()),
        ("Terjadwal".to_owned(), rupiah(totals.scheduled)),
        ("Sudah dibayar".to_owned(), rupiah(totals.paid)),
        ("Belum dibayar".to_owned(), rupiah(totals.outstanding)),
        ("Dibatalkan (sertifikat dicabut)".to_owned(), rupiah(totals.cancelled)),
        (
            "Jatuh tempo, belum diantrekan".to_owned(),
            totals.due_unqueued.to_string(),
        ),
        (
            "Menunggu di antrean pembayaran".to_owned(),
            totals.waiting_payouts.to_string(),
        ),
        ("Gagal dan dicoba ulang".to_owned(), totals.failing_payouts.to_string()),
    ];
    let mut typed = flash.values.clone();
    typed.remove("new_key");
    Ok(CompletionConsole {
        operator: operator.identity,
        platforms,
        keys,
        new_key,
        held,
        reviews,
        ledger,
        notice: flash.notice,
        errors: flash.errors,
        typed,
    })
}

#[cfg(feature = "ssr")]
async fn done(
    state: &crate::state::AppState,
    operator: &super::Operator,
    form: &str,
    notice: String,
    values: std::collections::BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    let path = crate::paths::COMPLETION_CONSOLE_PATH;
    crate::forms::accepted_with_notice(state, &operator.session, form, path, notice, values).await
}

/// Back to the console with a form's errors and what was typed.
#[cfg(feature = "ssr")]
async fn refuse(
    state: &crate::state::AppState,
    form: &str,
    errors: FieldErrors,
    values: std::collections::BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    crate::forms::reply(
        state,
        form,
        crate::paths::COMPLETION_CONSOLE_PATH,
        Submitted::Invalid(errors),
        values,
    )
    .await
}

/// Makes a platform key (the secret is shown once) or revokes one.
#[server(prefix = "/api", endpoint = "platform-key")]
pub async fn manage_platform_key(
    #[server(default)] platform: String,
    #[server(default)] revoke: String,
) -> Result<Submitted, AppError> {
    crate::forms::handle_post(KEY_FORM, crate::paths::COMPLETION_CONSOLE_PATH, async |state| {
        let operator = super::require_program_admin(state).await?;
        let now = state.clock.now();
        let refused = |field: &str, message: &str| {
            let values = crate::forms::values([("platform", platform.as_str()), ("revoke", revoke.as_str())]);
            refuse(state, KEY_FORM, FieldErrors::single(field, message), values)
        };
        let revoke = revoke.trim();
        if !revoke.is_empty() {
            if !crate::completion::db::revoke_key(&state.pool, revoke, &operator.actor(), now).await? {
                return refused("revoke", "Tidak ada kunci aktif dengan ID itu.").await;
            }
            let notice =
                format!("Kunci {revoke} dicabut: permintaan yang ditandatangani dengannya ditolak mulai sekarang.");
            return done(state, &operator, KEY_FORM, notice, Default::default()).await;
        }
        match crate::completion::db::create_key(
            &state.pool,
            platform.trim(),
            state.settings.platform_keys.current_version(),
            &operator.actor(),
            now,
        )
        .await?
        {
            None => refused("platform", "Pilih platform.").await,
            Some(key_id) => {
                let notice = format!("Kunci baru {key_id} dibuat.");
                let values = crate::forms::values([("new_key", key_id.as_str())]);
                done(state, &operator, KEY_FORM, notice, values).await
            }
        }
    })
    .await
}

/// Revokes a certificate, with the reason its public page will show.
#[server(prefix = "/api", endpoint = "revoke-certificate")]
pub async fn revoke_certificate(certificate: String, certificate_reason: String) -> Result<Submitted, AppError> {
    crate::forms::handle_post(CERTIFICATE_FORM, crate::paths::COMPLETION_CONSOLE_PATH, async |state| {
        let operator = super::require_program_admin(state).await?;
        let values = crate::forms::values([
            ("certificate", certificate.as_str()),
            ("certificate_reason", certificate_reason.as_str()),
        ]);
        let mut errors = FieldErrors::new();
        let code = crate::completion::CertificateCode::parse(&certificate);
        if code.is_none() {
            errors.push(
                "certificate",
                "Tulis kode sertifikat: lima kelompok empat huruf/angka, mis. ABCD-EFGH-JKLM-NPQR-STUV.",
            );
        }
        let reason = errors.check(
            "certificate_reason",
            crate::domain::OperatorReason::parse(&certificate_reason),
        );
        let (Some(code), Some(reason)) = (code, reason) else {
            return refuse(state, CERTIFICATE_FORM, errors, values).await;
        };
        let now = state.clock.now();
        if !crate::completion::db::revoke_certificate(&state.pool, &code, &reason, &operator.actor(), now).await? {
            let errors = FieldErrors::single("certificate", "Tidak ada sertifikat berlaku dengan kode itu.");
            return refuse(state, CERTIFICATE_FORM, errors, values).await;
        }
        let notice = format!(
            "Sertifikat {} dicabut; halaman verifikasinya kini menyatakan demikian.",
            code.as_str()
        );
        done(state, &operator, CERTIFICATE_FORM, notice, Default::default()).await
    })
    .await
}

/// Decides a completion held for review: issues its certificate, or refuses it with a reason.
#[server(prefix = "/api", endpoint = "decide-completion")]
pub async fn decide_completion(
    purchase: String,
    decision: String,
    #[server(default)] completion_reason: String,
) -> Result<Submitted, AppError> {
    use crate::completion::db::CompletionDecision;

    crate::forms::handle_post(HELD_FORM, crate::paths::COMPLETION_CONSOLE_PATH, async |state| {
        let operator = super::require_program_admin(state).await?;
        let purchase_id = uuid::Uuid::parse_str(purchase.trim()).map_err(|_| AppError::BadRequest)?;
        let field = format!("completion_reason-{purchase_id}");
        let values = crate::forms::values([(field.as_str(), completion_reason.as_str())]);
        let reason;
        let decided = match decision.as_str() {
            "terbit" => CompletionDecision::Certify,
            "ditolak" => {
                let mut errors = FieldErrors::new();
                reason = errors.check(&field, crate::domain::OperatorReason::parse(&completion_reason));
                match &reason {
                    Some(reason) => CompletionDecision::Refuse(reason),
                    None => return refuse(state, HELD_FORM, errors, values).await,
                }
            }
            _ => return Err(AppError::BadRequest),
        };
        let now = state.clock.now();
        let outcome = crate::completion::db::decide_completion(
            &state.pool,
            purchase_id,
            decided,
            operator.id,
            &operator.actor(),
            now,
        )
        .await?;
        let notice = match outcome {
            None => {
                let errors = FieldErrors::single(&field, "Penyelesaian ini sudah diputuskan.");
                return refuse(state, HELD_FORM, errors, values).await;
            }
            Some(Some(code)) => format!("Sertifikat {} diterbitkan.", code.as_str()),
            Some(None) => "Penyelesaian ditolak; peserta melihat alasannya.".to_owned(),
        };
        done(state, &operator, HELD_FORM, notice, Default::default()).await
    })
    .await
}

/// Hides a review: its words are no longer shown and its stars no longer count.
#[server(prefix = "/api", endpoint = "hide-review")]
pub async fn hide_review(review: String, review_reason: String) -> Result<Submitted, AppError> {
    crate::forms::handle_post(REVIEW_FORM, crate::paths::COMPLETION_CONSOLE_PATH, async |state| {
        let operator = super::require_program_admin(state).await?;
        let values = crate::forms::values([("review", review.as_str()), ("review_reason", review_reason.as_str())]);
        let mut errors = FieldErrors::new();
        let number = crate::domain::parse_listed_number::<i64>(&review);
        if number.is_none() {
            errors.push("review", "Tulis nomor ulasan (angka, tertera di daftar ulasan).");
        }
        let reason = errors.check("review_reason", crate::domain::OperatorReason::parse(&review_reason));
        let (Some(number), Some(reason)) = (number, reason) else {
            return refuse(state, REVIEW_FORM, errors, values).await;
        };
        if !crate::reviews::db::hide(&state.pool, number, &reason, &operator.actor(), state.clock.now()).await? {
            let errors = FieldErrors::single("review", "Tidak ada ulasan yang tampil dengan nomor itu.");
            return refuse(state, REVIEW_FORM, errors, values).await;
        }
        let notice = format!("Ulasan No. {number} disembunyikan; bintangnya tidak lagi dihitung.");
        done(state, &operator, REVIEW_FORM, notice, Default::default()).await
    })
    .await
}

#[component]
pub fn CompletionConsolePage() -> impl IntoView {
    crate::forms::loaded_page(
        "Penyelesaian pelatihan — Konsol Prakerja",
        "Penyelesaian pelatihan",
        load_completion_console,
        |console| {
            let CompletionConsole {
                operator,
                platforms,
                keys,
                new_key,
                held,
                reviews,
                ledger,
                notice,
                errors,
                typed,
            } = console;
            let form = FormState::new(errors.clone());
            let invalid = |field: &str| errors.get(field).map(|_| "true");
            let described = |field: &str| errors.get(field).map(|_| format!("{field}-error"));
            let typed_value = |name: &str| typed.get(name).cloned().unwrap_or_default();
            let typed_platform = typed_value("platform");
            view! {
                <ConsoleNav identity=operator/>
                <ErrorSummary state=form/>
                {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                {new_key.map(|key| view! {
                    <div class="notice notice-open" role="status">
                        <h2>"Rahasia kunci baru"</h2>
                        <p>"Berikan kepada platform lewat saluran aman. Rahasia ini hanya ditampilkan sekali: portal tidak menyimpannya."</p>
                        <dl class="facts">
                            <div><dt>"ID kunci"</dt><dd><code class="key-id">{key.key_id}</code></dd></div>
                            <div><dt>"Rahasia"</dt><dd><code class="key-secret">{key.secret}</code></dd></div>
                        </dl>
                    </div>
                })}
                <h2>"Penyelesaian yang ditahan"</h2>
                <p class="hint">"Platform melaporkan selesai lebih cepat dari waktu belajar minimal. Sertifikat baru terbit bila Anda menyetujuinya."</p>
                {if held.is_empty() {
                    view! { <p>"Tidak ada penyelesaian yang menunggu."</p> }.into_any()
                } else {
                    view! {
                        <ul class="queue">{held.into_iter().map(|h| {
                            let field = format!("completion_reason-{}", h.purchase);
                            let error = errors.get(&field).map(str::to_owned);
                            let reason_value = typed.get(&field).cloned().unwrap_or_default();
                            view! {
                                <li class="queue-item">
                                    <strong>{format!("{} · {}", h.training, h.platform)}</strong>
                                    <br/>{format!("{} · ditahan {}", h.studied, h.held)}
                                    <DecisionForm action=DecideCompletion::url() item_name="purchase"
                                        item=h.purchase.clone() reason_id=field reason_name="completion_reason"
                                        reason_label="Alasan bila ditolak" error typed=reason_value
                                        accept_value="terbit" accept_label="Terbitkan sertifikat"/>
                                </li>
                            }
                        }).collect_view()}</ul>
                    }.into_any()
                }}
                <h2>"Kunci API platform"</h2>
                <p class="hint">{format!("Platform melaporkan kemajuan dan kelulusan lewat {} (dokumentasi: ", crate::paths::EVENTS_PATH)}
                    <a href=crate::paths::OPENAPI_PATH>"OpenAPI"</a>")."</p>
                <form method="post" action=ManagePlatformKey::url()>
                    <div class="field" class:field-invalid=errors.get("platform").is_some()>
                        <label for="platform">"Platform"</label>
                        <FieldError id="platform" errors=form.errors/>
                        <select id="platform" name="platform" aria-invalid=invalid("platform") aria-describedby=described("platform")>
                            <option value="">"Pilih platform"</option>
                            {platforms.into_iter().map(|(code, name)| {
                                let selected = code == typed_platform;
                                view! { <option value=code selected=selected>{name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button">"Buat kunci"</button>
                </form>
                <form method="post" action=ManagePlatformKey::url()>
                    <div class="field" class:field-invalid=errors.get("revoke").is_some()>
                        <label for="revoke">"Cabut kunci (ID kunci)"</label>
                        <FieldError id="revoke" errors=form.errors/>
                        <input id="revoke" name="revoke" value=typed_value("revoke") aria-invalid=invalid("revoke") aria-describedby=described("revoke") autocomplete="off"/>
                    </div>
                    <button type="submit" class="button button-secondary">"Cabut kunci"</button>
                </form>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Kunci API platform">
                    <table class="funnel">
                        <thead><tr><th scope="col">"ID kunci"</th><th scope="col">"Platform"</th><th scope="col">"Dibuat"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>{keys.into_iter().map(|k| view! {
                            <tr>
                                <td><code>{k.key_id}</code></td><td>{k.platform}</td><td>{k.created}</td>
                                <td>{k.revoked.map(|at| format!("dicabut {at}")).unwrap_or_else(|| "aktif".to_owned())}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
                <h2>"Cabut sertifikat"</h2>
                <form method="post" action=RevokeCertificate::url()>
                    <div class="field" class:field-invalid=errors.get("certificate").is_some()>
                        <label for="certificate">"Kode sertifikat"</label>
                        <FieldError id="certificate" errors=form.errors/>
                        <input id="certificate" name="certificate" value=typed_value("certificate") aria-invalid=invalid("certificate") aria-describedby=described("certificate") autocomplete="off"/>
                    </div>
                    <div class="field" class:field-invalid=errors.get("certificate_reason").is_some()>
                        <label for="certificate_reason">"Alasan (tampil di halaman verifikasi)"</label>
                        <FieldError id="certificate_reason" errors=form.errors/>
                        <input id="certificate_reason" name="certificate_reason" value=typed_value("certificate_reason") aria-invalid=invalid("certificate_reason") aria-describedby=described("certificate_reason")/>
                    </div>
                    <button type="submit" class="button">"Cabut sertifikat"</button>
                </form>
                <h2>"Moderasi ulasan"</h2>
                <form method="post" action=HideReview::url()>
                    <div class="field" class:field-invalid=errors.get("review").is_some()>
                        <label for="review">"Nomor ulasan"</label>
                        <FieldError id="review" errors=form.errors/>
                        <input id="review" name="review" inputmode="numeric" value=typed_value("review") aria-invalid=invalid("review") aria-describedby=described("review")/>
                    </div>
                    <div class="field" class:field-invalid=errors.get("review_reason").is_some()>
                        <label for="review_reason">"Alasan (tampil di halaman ulasan pelatihan)"</label>
                        <FieldError id="review_reason" errors=form.errors/>
                        <input id="review_reason" name="review_reason" value=typed_value("review_reason") aria-invalid=invalid("review_reason") aria-describedby=described("review_reason")/>
                    </div>
                    <button type="submit" class="button">"Sembunyikan ulasan"</button>
                </form>
                {if reviews.is_empty() {
                    view! { <p>"Belum ada ulasan."</p> }.into_any()
                } else {
                    view! {
                        <ul class="queue">{reviews.into_iter().map(|r| view! {
                            <li class="queue-item">
                                <strong>{format!("No. {} · {}", r.number, r.training)}</strong>
                                <br/>{format!("{} · {}", r.stars, r.written)}
                                {match r.hidden_reason {
                                    Some(reason) => view! { <p><em>{format!("Disembunyikan: {reason}")}</em></p> }.into_any(),
                                    None => view! { <p class="review-body">{r.body}</p> }.into_any(),
                                }}
                            </li>
                        }).collect_view()}</ul>
                    }.into_any()
                }}
                <h2>"Buku besar insentif"</h2>
                <dl class="facts">{ledger.into_iter().map(|(label, value)| view! {
                    <div><dt>{label}</dt><dd>{value}</dd></div>
                }).collect_view()}</dl>
            }
        },
    )
}
