//! Admission control: past its capacity the portal answers "please wait" instead of collapsing.
//! At most `max_in_flight` requests are served at a time; up to `max_queued` more wait in line,
//! each for at most `max_wait`; everyone else gets a light 503 with `Retry-After`. The WASM client
//! keeps the submission and sends it again; without JavaScript the page says what to do, and
//! pages retry by themselves.
//!
//! The line is served newest first (after Facebook's "adaptive LIFO"). Under overload, first come
//! first served would admit only requests that had already waited nearly `max_wait`, adding that
//! wait to every accepted signup; newest first admits requests that have hardly waited, and the
//! ones left at the back are told to wait. A full line turns away its oldest waiter, whose chance
//! of a turn is smallest, rather than the newcomer. A short burst or stall still drains within
//! `max_wait`, only in another order.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::Rng;
use tokio::sync::oneshot;

pub struct Admission {
    line: Arc<Line>,
    max_wait: Duration,
}

struct Line {
    state: Mutex<LineState>,
    max_queued: usize,
}

struct LineState {
    /// Turns nobody holds.
    free: usize,
    /// Oldest first. A waiter whose request was dropped stays until a turn or the eviction of the
    /// oldest reaches it, and is then skipped.
    waiting: VecDeque<Waiter>,
    next_waiter: u64,
}

struct Waiter {
    id: u64,
    turn: oneshot::Sender<Turn>,
}

/// The right to be served. Dropping it hands it to the newest waiter, or frees it. If it is
/// dropped unreceived in a channel (the waiting request was cancelled), it is handed on as well.
struct Turn {
    line: Option<Arc<Line>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            line.pass_on();
        }
    }
}

impl Line {
    fn state(&self) -> std::sync::MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pass_on(self: &Arc<Line>) {
        let mut state = self.state();
        let mut turn = Turn {
            line: Some(self.clone()),
        };
        while let Some(waiter) = state.waiting.pop_back() {
            match waiter.turn.send(turn) {
                Ok(()) => return,
                // That request is gone; try the next newest.
                Err(back) => turn = back,
            }
        }
        state.free += 1;
        // Freed, not handed on: its drop must not pass it on again.
        turn.line = None;
    }
}

/// Where a request stands after asking for a turn.
enum Place {
    Served(Turn),
    Waiting(u64, oneshot::Receiver<Turn>),
    TurnedAway,
}

impl Admission {
    pub fn new(max_in_flight: usize, max_queued: usize, max_wait: Duration) -> Arc<Admission> {
        Arc::new(Admission {
            line: Arc::new(Line {
                state: Mutex::new(LineState {
                    free: max_in_flight,
                    waiting: VecDeque::new(),
                    next_waiter: 0,
                }),
                max_queued,
            }),
            max_wait,
        })
    }

    fn ask(&self) -> Place {
        let mut state = self.line.state();
        if state.free > 0 {
            state.free -= 1;
            return Place::Served(Turn {
                line: Some(self.line.clone()),
            });
        }
        if self.line.max_queued == 0 {
            return Place::TurnedAway;
        }
        if state.waiting.len() >= self.line.max_queued {
            // Dropping its sender tells the oldest waiter to come back later.
            state.waiting.pop_front();
        }
        let id = state.next_waiter;
        state.next_waiter += 1;
        let (turn, receiver) = oneshot::channel();
        state.waiting.push_back(Waiter { id, turn });
        Place::Waiting(id, receiver)
    }

    /// A turn, or `None` when the request should be told to wait.
    async fn turn(&self) -> Option<Turn> {
        let (id, mut receiver) = match self.ask() {
            Place::Served(turn) => return Some(turn),
            Place::TurnedAway => return None,
            Place::Waiting(id, receiver) => (id, receiver),
        };
        match tokio::time::timeout(self.max_wait, &mut receiver).await {
            Ok(Ok(turn)) => Some(turn),
            // Turned away as the oldest of a full line.
            Ok(Err(_)) => None,
            Err(_) => {
                let mut state = self.line.state();
                match state.waiting.iter().position(|waiter| waiter.id == id) {
                    Some(place) => {
                        state.waiting.remove(place);
                        None
                    }
                    // A turn arrived as the wait ran out (it was sent under this lock): take it.
                    None => receiver.try_recv().ok(),
                }
            }
        }
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
    let Some(turn) = admission.turn().await else {
        return please_wait(&request);
    };
    let response = next.run(request).await;
    drop(turn);
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
            .route(
                "/hold/{millis}",
                get(|axum::extract::Path(millis): axum::extract::Path<u64>| async move {
                    tokio::time::sleep(Duration::from_millis(millis)).await;
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

    /// Sends `path` after `after` ms; answers its status, and when it was answered (ms from the
    /// start). Meant for tokio's paused clock, where time moves only when every task waits, so
    /// the timings are exact.
    fn send_at(app: &Router, after: u64, path: &'static str) -> tokio::task::JoinHandle<(StatusCode, u64)> {
        let app = app.clone();
        let start = tokio::time::Instant::now();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after)).await;
            let response = app
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            (response.status(), start.elapsed().as_millis() as u64)
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_newest_waiter_is_served_first() {
        let app = slow_app(Admission::new(1, 10, Duration::from_secs(1)));
        let first = send_at(&app, 0, "/hold/100");
        let older = send_at(&app, 10, "/hold/100");
        let newer = send_at(&app, 20, "/hold/100");
        assert_eq!(first.await.unwrap(), (StatusCode::OK, 100));
        assert_eq!(
            newer.await.unwrap(),
            (StatusCode::OK, 200),
            "served when the first finished"
        );
        assert_eq!(
            older.await.unwrap(),
            (StatusCode::OK, 300),
            "served last, within its wait"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_line_turns_its_oldest_waiter_away() {
        let app = slow_app(Admission::new(1, 1, Duration::from_secs(1)));
        let first = send_at(&app, 0, "/hold/100");
        let older = send_at(&app, 10, "/hold/1");
        let newer = send_at(&app, 30, "/hold/1");
        assert_eq!(
            older.await.unwrap(),
            (StatusCode::SERVICE_UNAVAILABLE, 30),
            "told when the newer came"
        );
        assert_eq!(first.await.unwrap(), (StatusCode::OK, 100));
        assert_eq!(newer.await.unwrap(), (StatusCode::OK, 101));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_loses_no_turn() {
        let app = slow_app(Admission::new(1, 10, Duration::from_secs(1)));
        let first = send_at(&app, 0, "/hold/100");
        // A client that hangs up while in line: the turn offered to it must go on.
        let gone = send_at(&app, 10, "/hold/1");
        tokio::time::sleep(Duration::from_millis(20)).await;
        gone.abort();
        assert_eq!(first.await.unwrap(), (StatusCode::OK, 100));
        assert_eq!(
            send_at(&app, 0, "/hold/1").await.unwrap(),
            (StatusCode::OK, 1),
            "served at once"
        );
        // And its wait running out while a turn is on its way leaks nothing either.
        let app = slow_app(Admission::new(1, 10, Duration::from_millis(50)));
        let first = send_at(&app, 0, "/hold/50");
        let waiter = send_at(&app, 0, "/hold/1");
        assert_eq!(first.await.unwrap().0, StatusCode::OK);
        assert!(matches!(
            waiter.await.unwrap().0,
            StatusCode::OK | StatusCode::SERVICE_UNAVAILABLE
        ));
        let later = send_at(&app, 0, "/hold/1").await.unwrap();
        assert_eq!(later.0, StatusCode::OK);
    }

    async fn futures_collect<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
