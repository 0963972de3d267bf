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
//!
//! How many are served at once adapts to how long serving takes (after TCP Vegas and Netflix's
//! concurrency limits). Signups are committed in batches, so the more are in flight, the longer
//! each takes: past capacity, more at once bought little throughput and made every accepted
//! signup wait longer for its batch. So every `ADAPT_EVERY`, if the line stood the whole time and
//! serving took longer than `target_service` on average, the limit goes down in proportion (at
//! most by half, and not below `min_in_flight`); when serving is quick again, or the line
//! empties, it climbs back towards `max_in_flight`. It follows the time it takes to serve, not
//! the arrivals, so it cannot stick: a rate the portal can serve drains the line, and the limit
//! returns.

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
use tokio::{sync::oneshot, time::Instant};

/// How often the limit is reconsidered: long enough for hundreds of requests to be timed under a
/// rush, short enough to follow it within a second.
const ADAPT_EVERY: Duration = Duration::from_millis(100);

/// How the admission control is set up.
#[derive(Clone, Debug)]
pub struct AdmissionSettings {
    /// Served at once when serving is quick.
    pub max_in_flight: usize,
    /// Served at once, at least, however slow serving gets.
    pub min_in_flight: usize,
    pub max_queued: usize,
    pub max_wait: Duration,
    /// Mean time to serve a request above which a standing line lowers the limit.
    pub target_service: Duration,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        AdmissionSettings {
            max_in_flight: 128,
            min_in_flight: 32,
            max_queued: 1024,
            max_wait: Duration::from_millis(250),
            // At 15,000 signups/s on 2 cores: 20 ms served as many as a fixed 128 did, sooner
            // (p50 24 against 31 ms); 15 ms sooner still (18 ms), but 17 % fewer.
            target_service: Duration::from_millis(20),
        }
    }
}

pub struct Admission {
    line: Arc<Line>,
    max_wait: Duration,
}

struct Line {
    state: Mutex<LineState>,
    max_queued: usize,
    max_in_flight: usize,
    min_in_flight: usize,
    target_service: Duration,
}

struct LineState {
    /// Turns held: requests being served, and turns on their way to a waiter.
    held: usize,
    /// How many may be held now, between `min_in_flight` and `max_in_flight`.
    limit: usize,
    /// Oldest first. A waiter whose request was dropped stays until a turn or the eviction of the
    /// oldest reaches it, and is then skipped.
    waiting: VecDeque<Waiter>,
    next_waiter: u64,
    /// Since the limit was last reconsidered.
    window: Window,
}

struct Window {
    started: Instant,
    served: u32,
    serving_time: Duration,
    /// Whether anyone was served without waiting, or a turn found nobody waiting: then the line
    /// did not stand the whole time, and the limit was not what held requests back.
    line_emptied: bool,
}

impl Window {
    fn starting(started: Instant) -> Window {
        Window {
            started,
            served: 0,
            serving_time: Duration::ZERO,
            line_emptied: false,
        }
    }
}

struct Waiter {
    id: u64,
    turn: oneshot::Sender<Turn>,
}

/// The right to be served. Dropping it hands it to the newest waiter, or frees it. If it is
/// dropped unreceived in a channel (the waiting request was cancelled), it is handed on as well.
struct Turn {
    line: Option<Arc<Line>>,
    /// When its request began to be served; `None` until it is.
    serving_since: Option<Instant>,
}

impl Turn {
    fn new(line: &Arc<Line>) -> Turn {
        Turn {
            line: Some(line.clone()),
            serving_since: None,
        }
    }

    fn start_serving(mut self) -> Turn {
        self.serving_since = Some(Instant::now());
        self
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            line.release(self.serving_since.map(|since| since.elapsed()));
        }
    }
}

impl Line {
    fn state(&self) -> std::sync::MutexGuard<'_, LineState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A turn comes back, after serving a request for `served_for` (or unused).
    fn release(self: &Arc<Line>, served_for: Option<Duration>) {
        let mut state = self.state();
        state.held -= 1;
        if let Some(served_for) = served_for {
            state.window.served += 1;
            state.window.serving_time += served_for;
        }
        let now = Instant::now();
        if now.duration_since(state.window.started) >= ADAPT_EVERY {
            self.adapt(&mut state, now);
        }
        // Usually one turn is handed on; after the limit went up, several; after it went down,
        // none until fewer are held than it allows.
        while state.held < state.limit {
            let Some(waiter) = state.waiting.pop_back() else {
                state.window.line_emptied = true;
                return;
            };
            state.held += 1;
            if let Err(mut unwanted) = waiter.turn.send(Turn::new(self)) {
                // That request is gone. Taken back under this lock: its drop must not release it.
                unwanted.line = None;
                state.held -= 1;
            }
        }
    }

    fn adapt(&self, state: &mut LineState, now: Instant) {
        let window = std::mem::replace(&mut state.window, Window::starting(now));
        if window.served == 0 {
            // Nothing finished (a stall, or a quiet spell): nothing learnt.
            return;
        }
        let mean = window.serving_time / window.served;
        let step = (self.max_in_flight / 32).max(1);
        if !window.line_emptied && mean > self.target_service {
            // Serving time grows with the number in flight, so scale the limit towards the target
            // at once (halving at most): a rush then costs the accepted a tenth of a second of
            // slow answers, not a second.
            let scaled = state.limit as f64 * (self.target_service.as_secs_f64() / mean.as_secs_f64()).max(0.5);
            let lowered = (scaled as usize).min(state.limit.saturating_sub(1));
            state.limit = lowered.max(self.min_in_flight);
        } else if window.line_emptied || mean * 5 <= self.target_service * 4 {
            // Climbs back only once clearly below the target, so it does not swing around it.
            state.limit = (state.limit + step).min(self.max_in_flight);
        }
    }
}

/// Where a request stands after asking for a turn.
enum Place {
    Served(Turn),
    Waiting(u64, oneshot::Receiver<Turn>),
    TurnedAway,
}

impl Admission {
    pub fn new(settings: &AdmissionSettings) -> Arc<Admission> {
        let min_in_flight = settings.min_in_flight.min(settings.max_in_flight);
        Arc::new(Admission {
            line: Arc::new(Line {
                state: Mutex::new(LineState {
                    held: 0,
                    limit: settings.max_in_flight,
                    waiting: VecDeque::new(),
                    next_waiter: 0,
                    window: Window::starting(Instant::now()),
                }),
                max_queued: settings.max_queued,
                max_in_flight: settings.max_in_flight,
                min_in_flight,
                target_service: settings.target_service,
            }),
            max_wait: settings.max_wait,
        })
    }

    /// How many may be served at once now.
    #[cfg(test)]
    fn limit(&self) -> usize {
        self.line.state().limit
    }

    fn ask(&self) -> Place {
        let mut state = self.line.state();
        if state.held < state.limit {
            state.held += 1;
            state.window.line_emptied = true;
            return Place::Served(Turn::new(&self.line));
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
            Place::Served(turn) => return Some(turn.start_serving()),
            Place::TurnedAway => return None,
            Place::Waiting(id, receiver) => (id, receiver),
        };
        let turn = match tokio::time::timeout(self.max_wait, &mut receiver).await {
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
        };
        turn.map(Turn::start_serving)
    }
}
/// Static files and the health check are cheap and always served.
fn exempt(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/sw.js" | "/favicon.svg" | "/healthz" | "/livez")
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
        (busy.status(), axum::Json(busy)).into_response()
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

    /// An admission control whose limit never moves.
    fn fixed(in_flight: usize, max_queued: usize, max_wait: Duration) -> Arc<Admission> {
        Admission::new(&AdmissionSettings {
            max_in_flight: in_flight,
            min_in_flight: in_flight,
            max_queued,
            max_wait,
            target_service: Duration::from_millis(15),
        })
    }

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
        let app = slow_app(fixed(2, 1, Duration::from_millis(50)));
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
        let admission = fixed(0, 0, Duration::from_millis(1));
        let response = slow_app(admission)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn the_wasm_client_gets_a_busy_error_it_understands() {
        let admission = fixed(0, 0, Duration::from_millis(1));
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
        let app = slow_app(fixed(1, 10, Duration::from_secs(1)));
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
        let app = slow_app(fixed(1, 1, Duration::from_secs(1)));
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
        let app = slow_app(fixed(1, 10, Duration::from_secs(1)));
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
        let app = slow_app(fixed(1, 10, Duration::from_millis(50)));
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

    /// A stand-in for the signup path, where signups are committed in batches: a request takes
    /// `per_request_in_flight` for every request being served when it starts (itself included),
    /// and nothing finishes while the database is stalled.
    struct Batched {
        per_request_in_flight: Duration,
        in_flight: std::sync::atomic::AtomicUsize,
        stalled: Mutex<Option<(Instant, Instant)>>,
    }

    impl Batched {
        async fn serve(&self) {
            use std::sync::atomic::Ordering::SeqCst;
            let in_flight = self.in_flight.fetch_add(1, SeqCst) + 1;
            let mut done = Instant::now() + self.per_request_in_flight * in_flight as u32;
            let stall = *self.stalled.lock().unwrap();
            if let Some((from, until)) = stall {
                if done > from && done < until {
                    done = until;
                }
            }
            tokio::time::sleep_until(done).await;
            self.in_flight.fetch_sub(1, SeqCst);
        }
    }

    fn batched_app(admission: Arc<Admission>, batched: Arc<Batched>) -> Router {
        Router::new()
            .route(
                "/signup",
                get(move || {
                    let batched = batched.clone();
                    async move { batched.serve().await }
                }),
            )
            .layer(axum::middleware::from_fn(move |req, next| {
                admit(admission.clone(), req, next)
            }))
    }

    /// Sends a request every `every` ms from `from` to `until` (ms from now); answers
    /// (sent at, status, milliseconds to the answer) for each.
    async fn send_steadily(app: &Router, from: u64, until: u64, every: u64) -> Vec<(u64, StatusCode, u64)> {
        let requests: Vec<_> = (from..until)
            .step_by(every as usize)
            .map(|at| (at, send_at(app, at, "/signup")))
            .collect();
        let mut answers = Vec::new();
        for (at, request) in requests {
            let (status, answered) = request.await.unwrap();
            answers.push((at, status, answered - at));
        }
        answers
    }

    #[tokio::test(start_paused = true)]
    async fn under_a_rush_fewer_are_served_at_once_and_the_accepted_keep_their_latency() {
        let admission = Admission::new(&AdmissionSettings {
            max_in_flight: 16,
            min_in_flight: 2,
            max_queued: 1024,
            max_wait: Duration::from_millis(250),
            target_service: Duration::from_millis(50),
        });
        let batched = Arc::new(Batched {
            per_request_in_flight: Duration::from_millis(10),
            in_flight: Default::default(),
            stalled: Mutex::new(None),
        });
        let app = batched_app(admission.clone(), batched);
        // 1,000 a second for 3 s; served 16 at a time, each would take 160 ms.
        let rush = send_steadily(&app, 0, 3000, 1).await;
        let told_to_wait = rush
            .iter()
            .filter(|(_, status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
            .count();
        assert!(told_to_wait > 2000, "most are told to wait ({told_to_wait})");
        assert!(
            rush.iter()
                .all(|(_, status, took)| *status == StatusCode::OK || *took <= 250),
            "those told to wait are told within the wait"
        );
        let settled: Vec<u64> = rush
            .iter()
            // Once the limit has settled, and before the end, where the last waiters are served.
            .filter(|(at, status, _)| (1000..2700).contains(at) && *status == StatusCode::OK)
            .map(|(_, _, took)| *took)
            .collect();
        assert!(settled.len() > 100, "requests are still served ({})", settled.len());
        let slowest = settled.iter().max().unwrap();
        assert!(*slowest < 100, "accepted requests took at most {slowest} ms");
        assert!(admission.limit() <= 6, "limit {}", admission.limit());

        // The rush is over: one request every 100 ms, each served, and the limit climbs back.
        let quiet = send_steadily(&app, 3300, 5300, 100).await;
        assert!(quiet.iter().all(|(_, status, _)| *status == StatusCode::OK));
        assert_eq!(admission.limit(), 16);
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_long_stall_a_rate_the_portal_can_serve_is_served_again() {
        let admission = Admission::new(&AdmissionSettings {
            max_in_flight: 8,
            min_in_flight: 2,
            max_queued: 1024,
            max_wait: Duration::from_millis(250),
            target_service: Duration::from_millis(20),
        });
        let start = Instant::now();
        // The database stalls from 1.0 to 1.6 s, longer than anyone may wait.
        let batched = Arc::new(Batched {
            per_request_in_flight: Duration::from_millis(4),
            in_flight: Default::default(),
            stalled: Mutex::new(Some((
                start + Duration::from_millis(1000),
                start + Duration::from_millis(1600),
            ))),
        });
        let app = batched_app(admission.clone(), batched);
        // 200 a second: the portal serves up to 250.
        let answers = send_steadily(&app, 0, 4000, 5).await;
        let told_to_wait = |from: u64, until: u64| {
            answers
                .iter()
                .filter(|(at, status, _)| (from..until).contains(at) && *status != StatusCode::OK)
                .count()
        };
        assert_eq!(told_to_wait(0, 1000), 0, "before the stall");
        assert!(told_to_wait(1000, 1600) > 0, "the stall outlasts the wait");
        assert_eq!(told_to_wait(2500, 4000), 0, "served again, as before the stall");
        assert_eq!(admission.limit(), 8);
    }

    async fn futures_collect<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
