//! The platforms' HTTP API: signature checks and the event endpoint's responses.

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{
    db::{self, EventRecorded, EventRefusal},
    FieldError, ProgressEvent, KEY_HEADER, REPLAY_WINDOW_SECS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use crate::{error::AppError, state::AppState};

type HmacSha256 = Hmac<Sha256>;

/// The signature of a request: lowercase hex HMAC-SHA256 of `<timestamp>.<body>` with the
/// key's secret.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Compares in constant time (the MAC's own check).
fn signature_matches(secret: &str, timestamp: &str, body: &[u8], given: &str) -> bool {
    let Ok(given) = hex::decode(given) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Why the API did not record a request: the one place that decides each answer's status, its
/// stable `error` code and its Indonesian message.
#[derive(Debug)]
enum ApiRefusal {
    /// No key, an unknown or revoked key, or a signature that does not match the body.
    Unsigned,
    /// `Prakerja-Timestamp` too far from the server's clock (its time lets the platform correct).
    StaleTimestamp {
        server_time: i64,
    },
    Invalid(FieldError),
    Event(EventRefusal),
    /// A fault of the server: logged with an incident code, which alone is shown.
    Server(AppError),
}

impl From<EventRefusal> for ApiRefusal {
    fn from(refusal: EventRefusal) -> Self {
        ApiRefusal::Event(refusal)
    }
}

impl From<AppError> for ApiRefusal {
    fn from(error: AppError) -> Self {
        ApiRefusal::Server(error)
    }
}

impl ApiRefusal {
    fn status(&self) -> StatusCode {
        match self {
            ApiRefusal::Unsigned | ApiRefusal::StaleTimestamp { .. } => StatusCode::UNAUTHORIZED,
            ApiRefusal::Invalid(_) | ApiRefusal::Event(EventRefusal::InTheFuture | EventRefusal::BeforePurchase) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiRefusal::Event(EventRefusal::UnknownVoucher) => StatusCode::NOT_FOUND,
            ApiRefusal::Event(EventRefusal::OtherPlatform) => StatusCode::FORBIDDEN,
            ApiRefusal::Event(
                EventRefusal::NotStarted
                | EventRefusal::CompletedBeforeStart
                | EventRefusal::AlreadyCompleted
                | EventRefusal::EventIdReused
                | EventRefusal::ProgressBackwards,
            ) => StatusCode::CONFLICT,
            // Only a fault of the server is a 5xx.
            ApiRefusal::Server(AppError::Internal { .. }) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiRefusal::Server(other) => other.status(),
        }
    }

    /// The stable code, then the message, and the field a 422 is about.
    fn explained(&self) -> (&'static str, String, Option<&'static str>) {
        let event = |code: &'static str, message: &str| (code, message.to_owned(), None);
        let occurred_at = |message: &str| ("isian-tidak-sah", message.to_owned(), Some("occurred_at"));
        match self {
            ApiRefusal::Unsigned => event(
                "tanda-tangan-tidak-sah",
                "Kunci tidak dikenal atau dicabut, atau tanda tangan tidak cocok dengan badan permintaan.",
            ),
            ApiRefusal::StaleTimestamp { .. } => event(
                "stempel-waktu-kedaluwarsa",
                "Prakerja-Timestamp lebih dari 5 menit dari jam server: kirim ulang dengan waktu sekarang.",
            ),
            ApiRefusal::Invalid(error) => ("isian-tidak-sah", error.message.clone(), Some(error.field)),
            ApiRefusal::Event(EventRefusal::UnknownVoucher) => {
                event("voucher-tidak-dikenal", "Tidak ada pembelian dengan voucher ini.")
            }
            ApiRefusal::Event(EventRefusal::OtherPlatform) => {
                event("voucher-platform-lain", "Voucher ini untuk pelatihan di platform lain.")
            }
            ApiRefusal::Event(EventRefusal::NotStarted) => event(
                "belum-dimulai",
                "Pelatihan ini belum dilaporkan dimulai: kirim peristiwa mulai lebih dulu.",
            ),
            ApiRefusal::Event(EventRefusal::CompletedBeforeStart) => event(
                "selesai-sebelum-mulai",
                "Waktu selesai lebih awal dari waktu mulai pelatihan.",
            ),
            ApiRefusal::Event(EventRefusal::AlreadyCompleted) => event(
                "sudah-selesai",
                "Pelatihan ini sudah dilaporkan selesai; peristiwa baru tidak diterima.",
            ),
            ApiRefusal::Event(EventRefusal::EventIdReused) => event(
                "event-id-bentrok",
                "event_id ini sudah dipakai untuk peristiwa dengan isi lain.",
            ),
            ApiRefusal::Event(EventRefusal::InTheFuture) => {
                occurred_at("occurred_at ada di masa depan menurut jam server.")
            }
            ApiRefusal::Event(EventRefusal::BeforePurchase) => {
                occurred_at("occurred_at lebih dari 2 menit sebelum waktu pembelian pelatihan ini.")
            }
            ApiRefusal::Event(EventRefusal::ProgressBackwards) => event(
                "kemajuan-mundur",
                "progress_percent lebih kecil dari kemajuan yang sudah dicatat; kemajuan tidak bisa mundur.",
            ),
            ApiRefusal::Server(AppError::Internal { .. }) => {
                event("kesalahan-server", "Terjadi kesalahan pada server; coba lagi nanti.")
            }
            ApiRefusal::Server(other) => event("permintaan-ditolak", &other.to_string()),
        }
    }
}

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        let (code, message, field) = self.explained();
        let mut body = serde_json::json!({ "error": code, "message": message });
        if let Some(field) = field {
            body["field"] = field.into();
        }
        match &self {
            ApiRefusal::StaleTimestamp { server_time } => body["server_time"] = (*server_time).into(),
            ApiRefusal::Server(AppError::Internal { incident }) => body["incident"] = incident.clone().into(),
            _ => {}
        }
        let mut response = (self.status(), Json(body)).into_response();
        // A platform's client retries a busy or failing-over portal after this long.
        if let ApiRefusal::Server(error) = &self {
            if let Some(seconds) = error.retry_after_secs() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
        }
        response
    }
}

/// `POST /platform/v1/events`.
pub async fn receive_event(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match accept_event(&state, &headers, &body).await {
        Ok(recorded) => Json(serde_json::json!({
            "status": if recorded.duplicate { "sudah-dicatat" } else { "dicatat" },
            "held_for_review": recorded.held_for_review,
            "progress_percent": recorded.progress_percent,
            "completed_at": recorded.completed_at,
            "certificate_url": recorded.certificate.map(|code| code.path()),
        }))
        .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn accept_event(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<EventRecorded, ApiRefusal> {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (Some(key_id), Some(timestamp), Some(given)) = (
        header_text(KEY_HEADER),
        header_text(TIMESTAMP_HEADER),
        header_text(SIGNATURE_HEADER),
    ) else {
        return Err(ApiRefusal::Unsigned);
    };
    let now = state.clock.now();
    // The signature first: nothing of an unsigned body is read.
    let (platform, secret_version) = db::active_key(&state.pool, &key_id)
        .await?
        .ok_or(ApiRefusal::Unsigned)?;
    let Some(secret) = state.settings.platform_keys.key_secret(secret_version, &key_id) else {
        tracing::warn!(
            secret_version,
            "a key of a platform key secret version that is no longer configured"
        );
        return Err(ApiRefusal::Unsigned);
    };
    if !signature_matches(&secret, &timestamp, body, &given) {
        return Err(ApiRefusal::Unsigned);
    }
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|seconds| (now.timestamp() - seconds).abs() <= REPLAY_WINDOW_SECS);
    if !fresh {
        return Err(ApiRefusal::StaleTimestamp {
            server_time: now.timestamp(),
        });
    }
    let event = ProgressEvent::parse(body).map_err(ApiRefusal::Invalid)?;
    let digest = hex::encode(Sha256::digest(body));
    Ok(db::record_event(&state.pool, &platform, &event, &digest, now, state.settings.study_rule).await??)
}

/// `GET /platform/v1/openapi.json`: the API's description.
pub async fn openapi_document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_checked_against_timestamp_and_body() {
        let secrets = crate::secrets::PlatformKeySecrets::parse(&format!("1:{}", "k".repeat(32))).unwrap();
        let secret = secrets.key_secret(1, "pk_aaaaaaaaaaaaaaaaaaaa").unwrap();
        let signed = signature(&secret, "1800000000", b"{}");
        assert!(signature_matches(&secret, "1800000000", b"{}", &signed));
        assert!(!signature_matches(&secret, "1800000001", b"{}", &signed));
        assert!(!signature_matches(&secret, "1800000000", b"{ }", &signed));
        assert!(!signature_matches(&secret, "1800000000", b"{}", "zz"));
        let other = secrets.key_secret(1, "pk_bbbbbbbbbbbbbbbbbbbb").unwrap();
        assert!(!signature_matches(&other, "1800000000", b"{}", &signed));
    }
}
