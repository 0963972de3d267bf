//! Finishing trainings, in the operators' console: completions held for review (reported sooner
//! than the minimum study time: certified or refused with a reason), the platforms' API keys
//! (made and revoked; a new key's secret is shown once), certificates revoked with a reason,
//! reviews hidden with a reason, and the incentive ledger's totals. Program admins only; every
//! change is audited.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsoleInput, ConsolePage, DecisionForm, Notice, PlatformSelect};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{
    error::AppError,
    forms::{ErrorSummary, Submitted},
};

/// The page's forms: each leaves its flash under its own name, and all return to the page.
#[cfg(feature = "ssr")]
const fn page_form(id: &'static str) -> super::ConsoleForm {
    super::ConsoleForm::new(id, crate::paths::COMPLETION_CONSOLE_PATH)
}
#[cfg(feature = "ssr")]
const KEY: super::ConsoleForm = page_form("platform-key");
#[cfg(feature = "ssr")]
const CERTIFICATE: super::ConsoleForm = page_form("certificate-revoke");
#[cfg(feature = "ssr")]
const REVIEW: super::ConsoleForm = page_form("review-hide");
#[cfg(feature = "ssr")]
const HELD: super::ConsoleForm = page_form("completion-decide");
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

/// The completion page's own content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionConsole {
    pub platforms: Vec<(String, String)>,
    pub keys: Vec<KeyLine>,
    pub new_key: Option<NewKey>,
    pub held: Vec<HeldLine>,
    pub reviews: Vec<ReviewLine>,
    /// (label, value) lines of the incentive ledger.
    pub ledger: Vec<(String, String)>,
}

#[server(prefix = "/api", endpoint = "completion-console")]
pub async fn load_completion_console() -> Result<ConsolePage<CompletionConsole>, AppError> {
    // One flash per session: whichever of the forms was posted last.
    let forms = [HELD.id, KEY.id, CERTIFICATE.id, REVIEW.id];
    let (state, operator, mut flash) = super::open_page(super::PROGRAM_ADMINS, &forms).await?;
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
    // The new key is shown on its own, not typed back into a field.
    flash.values.remove("new_key");
    let content = CompletionConsole {
        platforms,
        keys,
        new_key,
        held,
        reviews,
        ledger,
    };
    Ok(ConsolePage::new(operator.identity, flash, content))
}

/// Makes a platform key (the secret is shown once) or revokes one.
#[server(prefix = "/api", endpoint = "platform-key")]
pub async fn manage_platform_key(
    #[server(default)] platform: String,
    #[server(default)] revoke: String,
) -> Result<Submitted, AppError> {
    KEY.handle(super::PROGRAM_ADMINS, async |state, operator| {
        let now = state.clock.now();
        let refused = |field: &str, message: &str| {
            let values = crate::forms::values([("platform", platform.as_str()), ("revoke", revoke.as_str())]);
            KEY.refuse(state, FieldErrors::single(field, message), values)
        };
        let revoke = revoke.trim();
        if !revoke.is_empty() {
            if !crate::completion::db::revoke_key(&state.pool, revoke, &operator.actor(), now).await? {
                return refused("revoke", "Tidak ada kunci aktif dengan ID itu.").await;
            }
            let notice =
                format!("Kunci {revoke} dicabut: permintaan yang ditandatangani dengannya ditolak mulai sekarang.");
            return KEY.accept(state, &operator.session, notice, Default::default()).await;
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
                KEY.accept(state, &operator.session, notice, values).await
            }
        }
    })
    .await
}

/// Revokes a certificate, with the reason its public page will show.
#[server(prefix = "/api", endpoint = "revoke-certificate")]
pub async fn revoke_certificate(certificate: String, certificate_reason: String) -> Result<Submitted, AppError> {
    CERTIFICATE
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
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
                return CERTIFICATE.refuse(state, errors, values).await;
            };
            let now = state.clock.now();
            if !crate::completion::db::revoke_certificate(&state.pool, &code, &reason, &operator.actor(), now).await? {
                let errors = FieldErrors::single("certificate", "Tidak ada sertifikat berlaku dengan kode itu.");
                return CERTIFICATE.refuse(state, errors, values).await;
            }
            let notice = format!(
                "Sertifikat {} dicabut; halaman verifikasinya kini menyatakan demikian.",
                code.as_str()
            );
            CERTIFICATE
                .accept(state, &operator.session, notice, Default::default())
                .await
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

    HELD.handle(super::PROGRAM_ADMINS, async |state, operator| {
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
                    None => return HELD.refuse(state, errors, values).await,
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
                return HELD.refuse(state, errors, values).await;
            }
            Some(Some(code)) => format!("Sertifikat {} diterbitkan.", code.as_str()),
            Some(None) => "Penyelesaian ditolak; peserta melihat alasannya.".to_owned(),
        };
        HELD.accept(state, &operator.session, notice, Default::default()).await
    })
    .await
}

/// Hides a review: its words are no longer shown and its stars no longer count.
#[server(prefix = "/api", endpoint = "hide-review")]
pub async fn hide_review(review: String, review_reason: String) -> Result<Submitted, AppError> {
    let listed = super::Listed {
        number_field: "review",
        number: &review,
        number_hint: "Tulis nomor ulasan (angka, tertera di daftar ulasan).",
        not_found: "Tidak ada ulasan yang tampil dengan nomor itu.",
        reason_field: "review_reason",
        reason: &review_reason,
    };
    super::hide_listed(REVIEW, listed, crate::reviews::db::hide, |number: i64| {
        format!("Ulasan No. {number} disembunyikan; bintangnya tidak lagi dihitung.")
    })
    .await
}

#[component]
pub fn CompletionConsolePage() -> impl IntoView {
    super::console_page(super::COMPLETION, load_completion_console, |last, completion| {
        let form = last.form_state();
        let CompletionConsole {
            platforms,
            keys,
            new_key,
            held,
            reviews,
            ledger,
        } = completion;
        view! {
            <ErrorSummary state=form/>
            <Notice notice=last.notice.clone()/>
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
            {super::item_list(held, "Tidak ada penyelesaian yang menunggu.", |h| view! {
                <li class="queue-item">
                    <strong>{format!("{} · {}", h.training, h.platform)}</strong>
                    <br/>{format!("{} · ditahan {}", h.studied, h.held)}
                    <DecisionForm action=DecideCompletion::url() item_name="purchase" item=h.purchase.clone()
                        reason=last.item_field("completion_reason", &h.purchase) reason_label="Alasan bila ditolak"
                        accept_value="terbit" accept_label="Terbitkan sertifikat"/>
                </li>
            })}
            <h2>"Kunci API platform"</h2>
            <p class="hint">{format!("Platform melaporkan kemajuan dan kelulusan lewat {} (dokumentasi: ", crate::paths::EVENTS_PATH)}
                <a href=crate::paths::OPENAPI_PATH>"OpenAPI"</a>")."</p>
            <form method="post" action=ManagePlatformKey::url()>
                <PlatformSelect platforms chosen=last.typed("platform") errors=form.errors described_by_error=true/>
                <button type="submit" class="button">"Buat kunci"</button>
            </form>
            <form method="post" action=ManagePlatformKey::url()>
                <ConsoleInput id="revoke" label="Cabut kunci (ID kunci)" value=last.typed("revoke") errors=form.errors
                    described_by_error=true autocomplete="off"/>
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
                <ConsoleInput id="certificate" label="Kode sertifikat" value=last.typed("certificate") errors=form.errors
                    described_by_error=true autocomplete="off"/>
                <ConsoleInput id="certificate_reason" label="Alasan (tampil di halaman verifikasi)"
                    value=last.typed("certificate_reason") errors=form.errors described_by_error=true/>
                <button type="submit" class="button">"Cabut sertifikat"</button>
            </form>
            <h2>"Moderasi ulasan"</h2>
            <form method="post" action=HideReview::url()>
                <ConsoleInput id="review" label="Nomor ulasan" value=last.typed("review") errors=form.errors
                    described_by_error=true inputmode="numeric"/>
                <ConsoleInput id="review_reason" label="Alasan (tampil di halaman ulasan pelatihan)"
                    value=last.typed("review_reason") errors=form.errors described_by_error=true/>
                <button type="submit" class="button">"Sembunyikan ulasan"</button>
            </form>
            {super::item_list(reviews, "Belum ada ulasan.", |r| view! {
                <li class="queue-item">
                    <strong>{format!("No. {} · {}", r.number, r.training)}</strong>
                    <br/>{format!("{} · {}", r.stars, r.written)}
                    {match r.hidden_reason {
                        Some(reason) => view! { <p><em>{format!("Disembunyikan: {reason}")}</em></p> }.into_any(),
                        None => view! { <p class="review-body">{r.body}</p> }.into_any(),
                    }}
                </li>
            })}
            <h2>"Buku besar insentif"</h2>
            <dl class="facts">{ledger.into_iter().map(|(label, value)| view! {
                <div><dt>{label}</dt><dd>{value}</dd></div>
            }).collect_view()}</dl>
        }
    })
}
