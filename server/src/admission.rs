//! Admission control: past its capacity the portal answers "please wait" at once instead of
//! collapsing. At most `max_in_flight` requests are served at a time; up to `max_queued` more
//! wait at most `max_wait` for a turn; everyone else gets a light 503 with `Retry-After`. The
//! WASM client keeps the submission and sends it again; without JavaScript the page says what to
//! do, and pages retry by themselves.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::Rng;
use tokio::sync::Semaphore;

pub struct Admission {
    permits: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
}

impl Admission {
    pub fn new(max_in_flight: usize, max_queued: usize, max_wait: Duration) -> Arc<Admission> {
        Arc::new(Admission {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            queued: AtomicUsize::new(0),
            max_queued,
            max_wait,
        })
    }
}

/// Static files and the health check are cheap and always served.
fn exempt(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/sw.js" | "/favicon.svg" | "/healthz")
}

pub async fn admit(admission: Arc<Admission>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let permit = match admission.permits.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            if admission.queued.fetch_add(1, Ordering::AcqRel) >= admission.max_queued {
                admission.queued.fetch_sub(1, Ordering::AcqRel);
                return please_wait(&request);
            }
            let turn = tokio::time::timeout(admission.max_wait, admission.permits.clone().acquire_owned()).await;
            admission.queued.fetch_sub(1, Ordering::AcqRel);
            match turn {
                Ok(Ok(permit)) => permit,
                _ => return please_wait(&request),
            }
        }
    };
    let response = next.run(request).await;
    drop(permit);
    response
}

/// The answer past capacity: tiny, in Bahasa Indonesia, with a jittered `Retry-After` so the
/// waiting crowd does not come back all at once.
fn please_wait(request: &Request) -> Response {
    let retry_after: u64 = rand::rng().random_range(5..=15);
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let is_form_post = request.method() == axum::http::Method::POST;
    let mut response = if wants_html {
        let (refresh, advice) = if is_form_post {
            (
                String::new(),
                format!(
                    "Isian Anda belum terkirim. Tunggu sekitar {retry_after} detik, tekan tombol <b>Kembali</b> di \
                     peramban, lalu kirim lagi: isian Anda masih ada di formulir."
                ),
            )
        } else {
            (
                format!(r#"<meta http-equiv="refresh" content="{retry_after}">"#),
                format!("Halaman ini akan dimuat ulang otomatis dalam {retry_after} detik."),
            )
        };
        let page = format!(
            r#"<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">{refresh}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Mohon tunggu — Prakerja</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b">
<h1>Mohon tunggu sebentar</h1><p>Banyak sekali pendaftar saat ini dan Anda sedang dalam antrean.</p>
<p>{advice}</p></body></html>"#
        );
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    } else {
        let busy = app::error::AppError::Busy {
            retry_after_secs: retry_after,
        };
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(busy)).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The page's only styling is inline; it runs no script.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, routing::get, Router};
    use tower::ServiceExt;

    use super::*;

    fn slow_app(admission: Arc<Admission>) -> Router {
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "done"
                }),
            )
            .route("/healthz", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(move |req, next| {
                admit(admission.clone(), req, next)
            }))
    }

    #[tokio::test]
    async fn past_capacity_requests_are_told_to_wait_at_once() {
        let app = slow_app(Admission::new(2, 1, Duration::from_millis(50)));
        let started = std::time::Instant::now();
        // Collected, so all six are in flight at once.
        let requests: Vec<_> = (0..6)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move {
                    let request = Request::get("/slow")
                        .header(header::ACCEPT, "text/html")
                        .body(Body::empty())
                        .unwrap();
                    app.oneshot(request).await.unwrap()
                })
            })
            .collect();
        let mut served = 0;
        let mut waiting = 0;
        for response in futures_collect(requests.into_iter()).await {
            match response.status() {
                StatusCode::OK => served += 1,
                StatusCode::SERVICE_UNAVAILABLE => {
                    waiting += 1;
                    assert!(response.headers().contains_key(header::RETRY_AFTER));
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!((served, waiting), (2, 4));
        assert!(started.elapsed() < Duration::from_millis(600), "nobody waited long");
    }

    #[tokio::test]
    async fn the_health_check_is_always_answered() {
        let admission = Admission::new(0, 0, Duration::from_millis(1));
        let response = slow_app(admission)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn the_wasm_client_gets_a_busy_error_it_understands() {
        let admission = Admission::new(0, 0, Duration::from_millis(1));
        let request = Request::post("/slow")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        let response = slow_app(admission).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let error: app::error::AppError = serde_json::from_slice(&body).unwrap();
        assert!(matches!(error, app::error::AppError::Busy { .. }));
    }

    async fn futures_collect<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
