//! The public verification page of a certificate (`/sertifikat/{code}`): whether it is valid,
//! whose it is (the name partly masked) and for which training. No sign-in: an employer checks
//! a certificate by its code or its QR code.

use crate::paths::pdf_path;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::printable::PrintableCertificate;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    pub code: String,
    /// Each word's first two letters, the rest hidden (`Ri** Am*****`).
    pub holder: String,
    pub training: String,
    pub provider: String,
    pub platform: String,
    /// WIB dates.
    pub completed_on: String,
    pub issued_on: String,
    /// When and why it was revoked.
    pub revoked: Option<(String, String)>,
}

/// `Rina Amelia` → `Ri** Am****`: enough to match a person's document, not to find them.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let shown: String = word.chars().take(2).collect();
            let hidden = word.chars().count().saturating_sub(2);
            format!("{shown}{}", "*".repeat(hidden))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[server(prefix = "/api", endpoint = "certificate")]
pub async fn load_certificate(code: String) -> Result<CertificateView, AppError> {
    let state = crate::state::app_state()?;
    let code = super::CertificateCode::parse(&code).ok_or(AppError::NotFound)?;
    // Verification by anyone holding the code: a certificate issued a moment ago may take the
    // standby's replay delay to show.
    let row = certificate_row(state.stale_ok_pool(), &code, None)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CertificateView {
        code: row.code,
        holder: mask_name(&row.full_name),
        training: row.title,
        provider: row.provider,
        platform: row.platform,
        completed_on: crate::domain::wib::format_wib_date(row.completed_at),
        issued_on: crate::domain::wib::format_wib_date(row.issued_at),
        revoked: row.revoked_at.map(|at| {
            (
                crate::domain::wib::format_wib_date(at),
                row.revoked_reason.unwrap_or_default(),
            )
        }),
    })
}

/// A certificate with what its pages show (database row).
#[cfg(feature = "ssr")]
struct CertificateRow {
    code: String,
    issued_at: chrono::DateTime<chrono::Utc>,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    revoked_reason: Option<String>,
    full_name: String,
    title: String,
    provider: String,
    platform: String,
    completed_at: chrono::DateTime<chrono::Utc>,
}

/// The certificate with this code; with `holder`, only if it is that account's.
#[cfg(feature = "ssr")]
async fn certificate_row(
    pool: &sqlx::PgPool,
    code: &super::CertificateCode,
    holder: Option<uuid::Uuid>,
) -> Result<Option<CertificateRow>, AppError> {
    Ok(sqlx::query_as!(
        CertificateRow,
        "select c.code, c.issued_at, c.revoked_at, c.revoked_reason, a.full_name, t.title, v.name as provider,
                f.name as platform, p.completed_at as \"completed_at!\"
         from certificates c
         join purchases p on p.id = c.purchase_id
         join cards k on k.id = p.card_id
         join applicants a on a.id = k.applicant_id
         join trainings t on t.id = p.training_id
         join providers v on v.id = t.provider_id
         join platforms f on f.code = t.platform_code
         where c.code = $1 and ($2::uuid is null or a.account_id = $2)",
        code.as_str(),
        holder
    )
    .fetch_optional(pool)
    .await?)
}

#[component]
pub fn CertificatePage() -> impl IntoView {
    let params = use_params_map();
    let certificate = Resource::new_blocking(
        move || params.with(|p| p.get("code").unwrap_or_default()),
        |code| async move { load_certificate(code).await },
    );
    view! {
        <Title text="Verifikasi sertifikat — Prakerja"/>
        {crate::forms::loaded(certificate, |certificate| view! { <CertificateBody certificate/> })}
    }
}

#[server(prefix = "/api", endpoint = "certificate-print")]
pub async fn load_printable_certificate(code: String) -> Result<PrintableCertificate, AppError> {
    let state = crate::state::app_state()?;
    let code = super::CertificateCode::parse(&code).ok_or(AppError::NotFound)?;
    let (_, account_id) = crate::session::require_account(&state, &crate::paths::print_path(code.as_str())).await?;
    printable(&state, &code, account_id).await?.ok_or(AppError::NotFound)
}

/// The certificate as its holder prints it; `None` when it is not this account's (someone
/// else's certificate is "not found", like one that does not exist).
#[cfg(feature = "ssr")]
pub async fn printable(
    state: &crate::state::AppState,
    code: &super::CertificateCode,
    account_id: uuid::Uuid,
) -> Result<Option<PrintableCertificate>, AppError> {
    let Some(row) = certificate_row(&state.pool, code, Some(account_id)).await? else {
        return Ok(None);
    };
    let verify_url = format!("{}{}", state.settings.public_url, code.path());
    let qr = qrcode::QrCode::new(verify_url.as_bytes()).map_err(AppError::internal)?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .build();
    // Inline in the page: the XML declaration is left out.
    let qr_svg = svg.find("<svg").map(|start| svg[start..].to_owned()).unwrap_or(svg);
    Ok(Some(PrintableCertificate {
        code: row.code,
        holder: row.full_name,
        training: row.title,
        provider: row.provider,
        platform: row.platform,
        completed_on: crate::domain::wib::format_wib_date(row.completed_at),
        verify_url,
        qr_svg,
        revoked: row.revoked_at.is_some(),
    }))
}

/// `GET /sertifikat/{code}/pdf`: the certificate as a PDF file to download, for its holder. Not
/// signed in: to the printable page, which asks them to sign in first.
#[cfg(feature = "ssr")]
pub async fn certificate_pdf(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use crate::error::AppError;
    use axum::{
        http::header,
        response::{IntoResponse, Redirect},
    };
    let Some(code) = super::CertificateCode::parse(&code) else {
        return AppError::NotFound.into_response();
    };
    let found = async {
        let Some(account_id) = crate::session::account_of_headers(&state, &headers).await? else {
            return Ok(None);
        };
        printable(&state, &code, account_id).await.map(Some)
    }
    .await;
    match found {
        Ok(None) => Redirect::to(&crate::paths::print_path(code.as_str())).into_response(),
        Ok(Some(None)) => AppError::NotFound.into_response(),
        Ok(Some(Some(certificate))) => {
            let qr = match qrcode::QrCode::new(certificate.verify_url.as_bytes()) {
                Ok(qr) => qr,
                Err(error) => return AppError::internal(error).into_response(),
            };
            let file = super::pdf::certificate(&certificate, &qr);
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"sertifikat-prakerja-{}.pdf\"", certificate.code),
                    ),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                file,
            )
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

#[component]
pub fn PrintableCertificatePage() -> impl IntoView {
    let params = use_params_map();
    let certificate = Resource::new_blocking(
        move || params.with(|p| p.get("code").unwrap_or_default()),
        |code| async move { load_printable_certificate(code).await },
    );
    view! {
        <Title text="Sertifikat pelatihan — Prakerja"/>
        {crate::forms::loaded(certificate, |certificate| view! { <PrintableBody certificate/> })}
    }
}

#[component]
fn PrintableBody(certificate: PrintableCertificate) -> impl IntoView {
    view! {
        <p class="no-print hint">
            "Untuk mencetak: pilih Cetak di menu browser (Ctrl+P), ukuran kertas A4. Atau "
            <a href=pdf_path(&certificate.code) download="">"unduh sertifikat (PDF)"</a>"."
        </p>
        {certificate.revoked.then(|| view! {
            <p class="notice notice-error" role="alert">"Sertifikat ini sudah dicabut dan tidak berlaku."</p>
        })}
        <article class="certificate-print" aria-labelledby="certificate-title">
            <p class="certificate-program">"Program Prakerja"</p>
            <h1 id="certificate-title">"Sertifikat Penyelesaian Pelatihan"</h1>
            <p>"Diberikan kepada"</p>
            <p class="certificate-holder" data-field="holder">{certificate.holder}</p>
            <p>"yang telah menyelesaikan pelatihan"</p>
            <p class="certificate-training" data-field="training">{certificate.training}</p>
            <p>{format!("oleh {} melalui {}, selesai {}.", certificate.provider, certificate.platform, certificate.completed_on)}</p>
            <figure class="certificate-qr">
                <div role="img" aria-label="Kode QR menuju halaman verifikasi sertifikat" inner_html=certificate.qr_svg></div>
                <figcaption>
                    "Periksa keaslian: "<a href=certificate.verify_url.clone()>{certificate.verify_url.clone()}</a>
                    <br/>"Kode sertifikat: "<code>{certificate.code}</code>
                </figcaption>
            </figure>
        </article>
    }
}

#[component]
fn CertificateBody(certificate: CertificateView) -> impl IntoView {
    let valid = certificate.revoked.is_none();
    view! {
        <h1>"Verifikasi sertifikat"</h1>
        <p class=if valid { "notice notice-open" } else { "notice notice-error" } data-field="certificate-status" role="status">
            {match certificate.revoked.clone() {
                None => "Sertifikat ini sah.".to_owned(),
                Some((on, reason)) => format!("Sertifikat ini dicabut pada {on}: {reason}"),
            }}
        </p>
        <dl class="facts">
            <div><dt>"Kode sertifikat"</dt><dd><code>{certificate.code}</code></dd></div>
            <div><dt>"Pemegang"</dt><dd data-field="holder">{certificate.holder}</dd></div>
            <div><dt>"Pelatihan"</dt><dd data-field="training">{certificate.training}</dd></div>
            <div><dt>"Lembaga pelatihan"</dt><dd>{certificate.provider}</dd></div>
            <div><dt>"Platform"</dt><dd>{certificate.platform}</dd></div>
            <div><dt>"Selesai"</dt><dd>{certificate.completed_on}</dd></div>
            <div><dt>"Diterbitkan"</dt><dd>{certificate.issued_on}</dd></div>
        </dl>
        <p class="hint">"Penyelesaian dilaporkan oleh platform pelatihan dengan permintaan bertanda tangan, bukan diisi peserta."</p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_two_letters_of_each_word() {
        assert_eq!(mask_name("Rina Amelia"), "Ri** Am****");
        assert_eq!(mask_name("  Budi  "), "Bu**");
        assert_eq!(mask_name("Ai"), "Ai");
    }
}
