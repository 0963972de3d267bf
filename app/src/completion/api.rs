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
    db::{self, EventRefusal},
    ProgressEvent, KEY_HEADER, REPLAY_WINDOW_SECS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use crate::state::AppState;

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

fn refusal(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": error, "message": message }))).into_response()
}

fn unauthorized() -> Response {
    refusal(
        StatusCode::UNAUTHORIZED,
        "tanda-tangan-tidak-sah",
        "Kunci tidak dikenal atau dicabut, atau tanda tangan tidak cocok dengan badan permintaan.",
    )
}

/// `POST /platform/v1/events`.
pub async fn receive_event(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (Some(key_id), Some(timestamp), Some(given)) = (
        header_text(KEY_HEADER),
        header_text(TIMESTAMP_HEADER),
        header_text(SIGNATURE_HEADER),
    ) else {
        return unauthorized();
    };
    let now = state.clock.now();
    // The signature first: nothing of an unsigned body is read.
    let key = match db::active_key(&state.pool, &key_id).await {
        Ok(key) => key,
        Err(error) => return error.into_api_response(),
    };
    let Some((platform, secret_version)) = key else {
        return unauthorized();
    };
    let Some(secret) = state.settings.platform_keys.key_secret(secret_version, &key_id) else {
        tracing::warn!(
            secret_version,
            "a key of a platform key secret version that is no longer configured"
        );
        return unauthorized();
    };
    if !signature_matches(&secret, &timestamp, &body, &given) {
        return unauthorized();
    }
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|seconds| (now.timestamp() - seconds).abs() <= REPLAY_WINDOW_SECS);
    if !fresh {
        // The server's time lets a platform whose clock is off correct it and send again.
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({
                "error": "stempel-waktu-kedaluwarsa",
                "message": "Prakerja-Timestamp lebih dari 5 menit dari jam server: kirim ulang dengan waktu sekarang.",
                "server_time": now.timestamp(),
            })),
        )
            .into_response();
    }
    let event = match ProgressEvent::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "error": "isian-tidak-sah",
                    "field": error.field,
                    "message": error.message,
                })),
            )
                .into_response()
        }
    };
    let digest = hex::encode(Sha256::digest(&body));
    let recorded = match db::record_event(&state.pool, &platform, &event, &digest, now, state.settings.study_rule).await
    {
        Ok(recorded) => recorded,
        Err(error) => return error.into_api_response(),
    };
    match recorded {
        Ok(recorded) => (
            StatusCode::OK,
            Json(serde_json::json!({
                "status": if recorded.duplicate { "sudah-dicatat" } else { "dicatat" },
                "held_for_review": recorded.held_for_review,
                "progress_percent": recorded.progress_percent,
                "completed_at": recorded.completed_at,
                "certificate_url": recorded.certificate.map(|code| code.path()),
            })),
        )
            .into_response(),
        Err(EventRefusal::UnknownVoucher) => refusal(
            StatusCode::NOT_FOUND,
            "voucher-tidak-dikenal",
            "Tidak ada pembelian dengan voucher ini.",
        ),
        Err(EventRefusal::OtherPlatform) => refusal(
            StatusCode::FORBIDDEN,
            "voucher-platform-lain",
            "Voucher ini untuk pelatihan di platform lain.",
        ),
        Err(EventRefusal::NotStarted) => refusal(
            StatusCode::CONFLICT,
            "belum-dimulai",
            "Pelatihan ini belum dilaporkan dimulai: kirim peristiwa mulai lebih dulu.",
        ),
        Err(EventRefusal::CompletedBeforeStart) => refusal(
            StatusCode::CONFLICT,
            "selesai-sebelum-mulai",
            "Waktu selesai lebih awal dari waktu mulai pelatihan.",
        ),
        Err(EventRefusal::AlreadyCompleted) => refusal(
            StatusCode::CONFLICT,
            "sudah-selesai",
            "Pelatihan ini sudah dilaporkan selesai; peristiwa baru tidak diterima.",
        ),
        Err(EventRefusal::EventIdReused) => refusal(
            StatusCode::CONFLICT,
            "event-id-bentrok",
            "event_id ini sudah dipakai untuk peristiwa dengan isi lain.",
        ),
        Err(EventRefusal::InTheFuture) => invalid_occurred_at("occurred_at ada di masa depan menurut jam server."),
        Err(EventRefusal::BeforePurchase) => {
            invalid_occurred_at("occurred_at lebih dari 2 menit sebelum waktu pembelian pelatihan ini.")
        }
        Err(EventRefusal::ProgressBackwards) => refusal(
            StatusCode::CONFLICT,
            "kemajuan-mundur",
            "progress_percent lebih kecil dari kemajuan yang sudah dicatat; kemajuan tidak bisa mundur.",
        ),
    }
}

fn invalid_occurred_at(message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({ "error": "isian-tidak-sah", "field": "occurred_at", "message": message })),
    )
        .into_response()
}

/// `GET /platform/v1/openapi.json`: the API's description.
pub async fn openapi_document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

impl crate::error::AppError {
    /// A server error for an API caller: JSON, with the incident code only.
    pub(crate) fn into_api_response(self) -> Response {
        let incident = match &self {
            crate::error::AppError::Internal { incident } => incident.clone(),
            _ => String::new(),
        };
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({
                "error": "kesalahan-server",
                "message": "Terjadi kesalahan pada server; coba lagi nanti.",
                "incident": incident,
            })),
        )
            .into_response()
    }
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
