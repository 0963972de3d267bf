//! The one error type of server functions. Expected outcomes (a field that does not parse, a NIK
//! already registered) are not errors: they come back as `Submitted::Invalid`. What remains is
//! shown to people as a plain Indonesian sentence; internals are logged on the server only.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Sesi Anda sudah berakhir. Silakan masuk lagi.")]
    Unauthenticated,
    #[error("Terlalu banyak permintaan. Silakan coba lagi dalam {retry_after_secs} detik.")]
    RateLimited { retry_after_secs: u64 },
    #[error(
        "Banyak sekali pendaftar saat ini. Isian Anda tersimpan di perangkat ini dan akan dikirim lagi otomatis \
         dalam {retry_after_secs} detik."
    )]
    Busy { retry_after_secs: u64 },
    #[error("Anda tidak berwenang melakukan ini. Hubungi admin program bila Anda memerlukannya.")]
    Forbidden,
    #[error("Halaman atau data yang dicari tidak ditemukan.")]
    NotFound,
    #[error("Data yang dikirim tidak lengkap. Muat ulang halaman lalu coba lagi.")]
    BadRequest,
    #[error("Tidak dapat terhubung ke server. Periksa koneksi internet Anda lalu coba lagi.")]
    Network,
    #[error("Terjadi kesalahan pada server. Silakan coba lagi beberapa saat lagi. (Kode kejadian: {incident})")]
    Internal { incident: String },
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::BadRequest,
            other => AppError::internal(other),
        }
    }
}

impl AppError {
    /// Logs the cause with a short incident code that the applicant can quote to the help desk.
    /// The cause never reaches the browser.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        let incident = incident_code();
        #[cfg(feature = "ssr")]
        tracing::error!(incident = %incident, error = %cause, "internal error");
        #[cfg(not(feature = "ssr"))]
        leptos::logging::error!("{incident}: {cause}");
        AppError::Internal { incident }
    }
}

#[cfg(feature = "ssr")]
fn incident_code() -> String {
    use rand::Rng;
    format!("{:08X}", rand::rng().random::<u32>())
}

#[cfg(not(feature = "ssr"))]
fn incident_code() -> String {
    "-".to_owned()
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // sqlx's Display shows the server's message, not the row's values (no NIKs in logs).
        AppError::internal(error)
    }
}
