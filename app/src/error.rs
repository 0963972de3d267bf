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
    /// The database cannot be reached for a moment (its leader is changing, or a connection
    /// was cut): nothing was lost, and the same request may simply be sent again.
    #[error("Layanan sedang dipulihkan sebentar. Silakan coba lagi dalam {retry_after_secs} detik.")]
    Unavailable { retry_after_secs: u64 },
    #[error("Anda tidak berwenang melakukan ini. Hubungi admin program bila Anda memerlukannya.")]
    Forbidden,
    #[error("Halaman atau data yang dicari tidak ditemukan.")]
    NotFound,
    #[error("Data yang dikirim tidak lengkap. Muat ulang halaman lalu coba lagi.")]
    BadRequest,
    #[error("Isian yang dikirim terlalu besar. Persingkat isian lalu coba lagi.")]
    PayloadTooLarge,
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
            // A body past the router's limit fails while it is read: the client's doing, not
            // the server's (no incident, no log line).
            ServerFnErrorErr::Deserialization(message) if message.contains("length limit exceeded") => {
                AppError::PayloadTooLarge
            }
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
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
impl AppError {
    /// The one mapping from an error to its HTTP status: refusals are 4xx, only a fault of the
    /// server itself is a 5xx.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } | AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            // Raised in the browser only; should a server ever hold one, a gateway failed.
            AppError::Network => StatusCode::BAD_GATEWAY,
            AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds a client should wait before trying again, where the error says so.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::Busy { retry_after_secs }
            | AppError::Unavailable { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

/// For handlers outside server functions (files, the certificate PDF): the same status, the
/// Indonesian sentence as plain text, and `Retry-After` where the error gives one.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, HeaderValue};
        let mut response = (self.status(), self.to_string()).into_response();
        if let Some(seconds) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
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

/// How long a client is asked to wait when the database is out of reach: a leader change under
/// Patroni takes ten to twenty seconds (docs/cluster.md).
#[cfg(feature = "ssr")]
pub const DATABASE_RETRY_AFTER_SECS: u64 = 5;

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_database_unreachable(&error) {
            // Expected while the database fails over; no incident, and nothing personal (sqlx
            // shows the server's message, not the row's values).
            tracing::warn!(%error, "database out of reach; answered 503");
            return AppError::Unavailable {
                retry_after_secs: DATABASE_RETRY_AFTER_SECS,
            };
        }
        // sqlx's Display shows the server's message, not the row's values (no NIKs in logs).
        AppError::internal(error)
    }
}

/// Whether `error` says the database could not be reached or stopped serving this connection,
/// rather than that the statement was wrong: a lost or refused connection, a pool with no
/// connection to give, a server shutting down or still starting, or a server that has become a
/// read-only standby. A request that met one can be sent again as it was.
#[cfg(feature = "ssr")]
pub fn is_database_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // A connection cut in the middle of a message.
        sqlx::Error::Protocol(message) => message.contains("unexpected end") || message.contains("EOF"),
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // 08: connection exception; 57P01-57P03: shut down, crashed, cannot connect now;
            // 25006: read-only transaction (a demoted leader); 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "25006" | "53300")
        }),
        _ => false,
    }
}
