//! An in-process client for the router: real HTTP semantics, real PostgreSQL, a fixed clock.
// Each test file uses a part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use app::state::{AppState, FixedClock, Settings};
use axum::{
    body::Body,
    http::{header, HeaderMap, Method, Request, StatusCode},
    Router,
};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use tower::ServiceExt;

/// The database fixtures of the app crate's tests (applicants straight into the tables).
#[path = "../../../app/tests/support/mod.rs"]
pub mod app_fixtures;
pub mod participant;
pub mod smtp;

pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn wib(s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    chrono_tz::Asia::Jakarta
        .from_local_datetime(&naive)
        .unwrap()
        .with_timezone(&Utc)
}

/// The URL of the test's own database (for a second pool or a server process of its own).
pub fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().expect("the test's database is named")
    )
}

/// Wednesday 2 December 2026, 10:00 WIB: registration is open.
pub fn wednesday_morning() -> DateTime<Utc> {
    wib("2026-12-02 10:00:00")
}

/// Saturday 5 December 2026, 10:00 WIB: registration is closed.
pub fn saturday_morning() -> DateTime<Utc> {
    wib("2026-12-05 10:00:00")
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// A browser: keeps the session cookie between requests.
pub struct Browser {
    router: Router,
    state: AppState,
    pub pool: PgPool,
    pub clock: Arc<FixedClock>,
    cookie: Option<String>,
    /// The client's address as the server sees it (none: unknown, as in-process).
    peer: Option<std::net::SocketAddr>,
}

impl Browser {
    pub fn new(pool: PgPool, at: DateTime<Utc>) -> Browser {
        Browser::with_settings(pool, at, Settings::for_tests())
    }

    /// A browser on a server with these settings.
    pub fn with_settings(pool: PgPool, at: DateTime<Utc>, settings: Settings) -> Browser {
        let clock = Arc::new(FixedClock::at(at));
        let state = AppState {
            leptos_options: LeptosOptions::builder()
                .output_name("prakerja")
                .site_root("target/site")
                .build(),
            pool: pool.clone(),
            clock: clock.clone(),
            wall_clock: clock.clone(),
            settings: Arc::new(settings),
            services: app::feature_services(&pool, 2, 64),
        };
        Browser {
            router: server::routes::router(state.clone(), Default::default()),
            state,
            pool,
            clock,
            cookie: None,
            peer: None,
        }
    }

    /// A browser on Wednesday morning (registration open) with `email` signed in.
    pub async fn signed_in(pool: PgPool, email: &str) -> Browser {
        let mut browser = Browser::new(pool, wednesday_morning());
        browser.sign_in(email).await;
        browser
    }

    /// This browser, seen by the server as coming from `ip`.
    pub fn seen_from(mut self, ip: &str) -> Browser {
        self.peer = Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40_000));
        self
    }

    /// The router this browser talks to, to serve on a real socket.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// This browser on a server that asks `rail` (a payout rail) for account holders' names.
    pub fn with_rail(mut self, rail: Arc<app::payouts::rail::HttpRail>) -> Browser {
        self.state.services = self.state.services.clone().with(rail);
        self.router = server::routes::router(self.state.clone(), Default::default());
        self
    }

    /// This browser on a server whose slightly-stale pages read `standby` (a second pool).
    pub fn with_standby(mut self, standby: PgPool) -> Browser {
        self.state.services = self
            .state
            .services
            .clone()
            .with(Arc::new(app::state::StandbyPool(standby)));
        self.router = server::routes::router(self.state.clone(), Default::default());
        self
    }

    /// Another browser on the same server and database (no cookies).
    pub fn another(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            state: self.state.clone(),
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            cookie: None,
            peer: None,
        }
    }

    /// Another tab of this browser: the same session.
    pub fn another_tab(&self) -> Browser {
        Browser {
            cookie: self.cookie.clone(),
            ..self.another()
        }
    }

    pub async fn send(&mut self, request: Request<Body>) -> Response {
        let mut request = request;
        if let Some(cookie) = &self.cookie {
            request.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
        }
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        }
        let path = request.uri().path().to_owned();
        let started = std::time::Instant::now();
        let response = self.router.clone().oneshot(request).await.unwrap();
        if started.elapsed() > std::time::Duration::from_secs(2) {
            eprintln!("SLOW {path}: {:?} -> {}", started.elapsed(), response.status());
        }
        let status = response.status();
        let headers = response.headers().clone();
        // Like a browser, the last cookie set wins.
        if let Some(set) = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()
        {
            let pair = set.split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(
            Request::get(path)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A GET carrying only these headers (no `Accept`: a download or a fetch, not a page).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A form posted by the browser itself (JavaScript off).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post(path, fields, "text/html,application/xhtml+xml").await
    }

    /// The same form posted by the WASM client (server-function call).
    pub async fn post_from_wasm(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post(path, fields, "application/json").await
    }

    /// A `multipart/form-data` form posted by the browser itself (a file upload, JavaScript
    /// off). Each part: name, file name (for a file), content.
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, Option<&str>, &str)]) -> Response {
        const BOUNDARY: &str = "----prakerja-uji-7MA4YWxkTrZu0gW";
        let mut body = String::new();
        for (name, file_name, content) in parts {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\""
            ));
            match file_name {
                Some(file_name) => body.push_str(&format!(
                    "; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )),
                None => body.push_str("\r\n\r\n"),
            }
            body.push_str(content);
            body.push_str("\r\n");
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .header(header::ORIGIN, ORIGIN)
                .header(header::HOST, "127.0.0.1:3000")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)], accept: &str) -> Response {
        let body = serde_urlencoded_pairs(fields);
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::ACCEPT, accept)
                .header(header::ORIGIN, ORIGIN)
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Posts a form as the browser does (JavaScript off) and follows the redirect back, as a
    /// browser would: asserts the answer sends it to `back_to`, then returns that page's body
    /// (where the notice or the errors of the form are shown).
    pub async fn submit(&mut self, action: &str, fields: &[(&str, &str)], back_to: &str) -> String {
        let answer = self.post_form(action, fields).await;
        assert_eq!(answer.location(), Some(back_to), "{action}: {}", answer.body);
        self.get(back_to).await.body
    }

    /// Saves the three signup steps with the answers of `identity`, `contact` and `background`;
    /// each leads on to the next.
    pub async fn fill_signup(&mut self, nik: &str, kk: &str) {
        for (step, next) in [
            (identity(nik, kk), "/daftar/alamat-kontak"),
            (contact(), "/daftar/latar-belakang"),
            (background(), "/daftar/periksa"),
        ] {
            let saved = self.post_form("/api/signup-save-step", &pairs(&step)).await;
            assert_eq!(saved.location(), Some(next), "{}", saved.body);
        }
    }

    /// The check-your-answers form as the page serves it (the answers in hidden fields), with the
    /// declaration ticked or not.
    pub async fn signup_check_form(&mut self, declaration: bool) -> Vec<(String, String)> {
        let page = self.get("/daftar/periksa").await;
        let mut fields = hidden_fields(&page.body);
        if declaration {
            fields.push(("declaration".into(), "ya".into()));
        }
        fields
    }

    /// Posts the check-your-answers form as the page serves it.
    pub async fn submit_signup(&mut self, declaration: bool) -> Response {
        let fields = self.signup_check_form(declaration).await;
        let fields = form_pairs(&fields);
        self.post_form("/api/signup-submit", &fields).await
    }

    /// Posts the check-your-answers form as `submit` does: asserts the answer sends the browser
    /// to `back_to` and returns that page's body.
    pub async fn submit_signup_to(&mut self, declaration: bool, back_to: &str) -> String {
        let fields = self.signup_check_form(declaration).await;
        let fields = form_pairs(&fields);
        self.submit("/api/signup-submit", &fields, back_to).await
    }

    /// Signs the signed-in account up with the answers of `fill_signup`, through to the
    /// dashboard; the new applicant's id.
    pub async fn register(&mut self, nik: &str, kk: &str) -> uuid::Uuid {
        self.fill_signup(nik, kk).await;
        let submitted = self.submit_signup(true).await;
        assert_eq!(submitted.location(), Some("/dasbor?baru=1"), "{}", submitted.body);
        sqlx::query_scalar("select id from applicants where nik = $1")
            .bind(nik)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Signs the signed-in account up with the answers of `fill_signup` and submits them, to be
    /// refused: asserts the browser is sent back to the check page and returns that page (where
    /// the refusal is said).
    pub async fn signup_refused(&mut self, nik: &str, kk: &str) -> String {
        self.fill_signup(nik, kk).await;
        self.submit_signup_to(true, "/daftar/periksa").await
    }

    /// Asks for a sign-in code for `email` on the sign-in form.
    pub async fn request_code(&mut self, email: &str) -> Response {
        self.post_form("/api/request-code", &[("email", email)]).await
    }

    /// Asks for a code, reads it from the outbox and signs in. Returns where the browser went.
    pub async fn sign_in(&mut self, email: &str) -> String {
        let sent = self.request_code(email).await;
        assert_eq!(sent.location(), Some("/masuk/kode"), "{}", sent.body);
        let code = latest_code(&self.pool, email).await;
        let signed_in = self.post_form("/api/verify-code", &[("code", &code)]).await;
        signed_in.location().expect("a redirect after the code").to_owned()
    }
}

pub async fn latest_code(pool: &PgPool, email: &str) -> String {
    let body: String =
        sqlx::query_scalar("select body from outbox_messages where recipient = $1 order by id desc limit 1")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap();
    let at = body.find("Kode masuk Anda: ").unwrap() + "Kode masuk Anda: ".len();
    body[at..at + 6].to_owned()
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The answers of a valid applicant, by step, as the forms post them.
pub fn identity(nik: &str, kk: &str) -> Vec<(&'static str, String)> {
    vec![
        ("step", "Identity".into()),
        ("draft[nik]", nik.into()),
        ("draft[kk]", kk.into()),
        ("draft[full_name]", "Siti Rahmawati".into()),
        ("draft[birth_date]", "1995-08-17".into()),
        ("draft[gender]", "P".into()),
        ("draft[birth_place]", "Bogor".into()),
    ]
}

pub fn contact() -> Vec<(&'static str, String)> {
    vec![
        ("step", "Contact".into()),
        ("draft[province]", "32".into()),
        ("draft[city]", "Kabupaten Bogor".into()),
        ("draft[mobile]", "0812-3456-7890".into()),
    ]
}

pub fn background() -> Vec<(&'static str, String)> {
    vec![
        ("step", "Background".into()),
        ("draft[education]", "sma".into()),
        ("draft[employment]", "korban-phk".into()),
        ("draft[interests][]", "barista".into()),
        ("draft[interests][]", "menjahit".into()),
    ]
}

pub const NIK: &str = "3201015708950003";
pub const KK: &str = "3201012003150007";

pub fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Fields as `post_form` takes them.
pub fn form_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The hidden fields of the check-your-answers form, as the browser would post them.
pub fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("type=\"hidden\" name=\"") {
        rest = &rest[at + "type=\"hidden\" name=\"".len()..];
        let name_end = rest.find('"').unwrap();
        let name = rest[..name_end].to_owned();
        let value_at = rest.find("value=\"").unwrap() + "value=\"".len();
        let value_end = value_at + rest[value_at..].find('"').unwrap();
        fields.push((
            name,
            rest[value_at..value_end].replace("&amp;", "&").replace("&quot;", "\""),
        ));
        rest = &rest[value_end..];
    }
    fields
}

/// The value of the hidden field `name` on the page (the first, if the page has several).
pub fn hidden_field(page: &str, name: &str) -> String {
    hidden_fields(page)
        .into_iter()
        .find(|(field, _)| field == name)
        .unwrap_or_else(|| panic!("no hidden field {name} on the page"))
        .1
}

pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap()
}

/// How many audit records of `action` name an actor matching `actor` (a LIKE pattern:
/// `operator:%` is any operator).
pub async fn audit_entries(pool: &PgPool, action: &str, actor: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = $1 and actor like $2")
        .bind(action)
        .bind(actor)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Someone files a dispute over this NIK (straight into the table; filing has its own tests).
pub async fn dispute_nik(pool: &PgPool, nik: &str) {
    let claimant = uuid::Uuid::new_v4();
    sqlx::query("insert into accounts (id, email) values ($1, $2)")
        .bind(claimant)
        .bind(format!("pemilik.{}@contoh.id", &nik[12..]))
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into nik_disputes (id, reference, nik, claimant_account_id, statement, idempotency_key, filed_at)
         values (gen_random_uuid(), 'SNG-' || substr($1, 9, 4) || '-' || substr($1, 13, 4), $1, $2,
                 'NIK saya didaftarkan orang lain tanpa sepengetahuan saya.', gen_random_uuid(), now())",
    )
    .bind(nik)
    .bind(claimant)
    .execute(pool)
    .await
    .unwrap();
}

/// The operators' password in tests.
pub const OPERATOR_PASSWORD: &str = "kata sandi operator yang panjang";

/// The TOTP secret of the operators `signed_in_operator` makes (their authenticator app).
pub const OPERATOR_TOTP_SECRET: [u8; 20] = *b"rahasia-totp-uji-123";

/// The code the operators' authenticator app shows at this browser's time, `steps_later` steps
/// of 30 seconds on.
pub fn operator_code(browser: &Browser, steps_later: i64) -> String {
    use app::{operators::second_factor, state::Clock};
    second_factor::code_at_step(
        &OPERATOR_TOTP_SECRET,
        second_factor::step_of(browser.clock.now()) + steps_later,
    )
}

/// Signs an operator in with the password and then the second factor; the final answer.
pub async fn operator_sign_in(console: &mut Browser, username: &str) -> Response {
    let password = console
        .post_form(
            "/api/operator-sign-in",
            &[("username", username), ("password", OPERATOR_PASSWORD)],
        )
        .await;
    assert_eq!(password.location(), Some("/operator/masuk/kode"), "{}", password.body);
    // A code is used once: a second sign-in in the same 30 seconds takes the next step's code
    // (the app's clock may run ahead by one step).
    for steps_later in [0, 1] {
        let code = operator_code(console, steps_later);
        let answer = console.post_form("/api/second-factor", &[("code", &code)]).await;
        if answer.location() == Some("/operator/verifikasi") {
            return answer;
        }
    }
    panic!("{username}: the second factor was refused");
}

/// Creates an operator with this role (enrolled in the second factor with
/// `OPERATOR_TOTP_SECRET`) and signs them in, in a browser of their own.
pub async fn signed_in_operator(browser: &Browser, username: &str, role: app::operators::OperatorRole) -> Browser {
    use app::operators::{admin, db, Password, Username};
    let username = Username::parse(username).unwrap();
    let password = Password::parse(OPERATOR_PASSWORD).unwrap();
    let id = db::create(
        &browser.pool,
        &username,
        "Petugas Uji",
        role,
        password,
        "test",
        wednesday_morning(),
    )
    .await
    .unwrap();
    admin::set_known_secret(
        &browser.pool,
        &Settings::for_tests().secret,
        id,
        &OPERATOR_TOTP_SECRET,
        "test",
        wednesday_morning(),
    )
    .await
    .unwrap();
    let mut console = browser.another();
    operator_sign_in(&mut console, username.as_str()).await;
    console
}

/// Everything logged on this thread, at every level, while the guard lives.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn start() -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
        let captured = CapturedLogs::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A civil-registry simulator on a real local socket, knowing `residents` besides its synthetic
/// population, and a client for it (quick to give up, so outage tests stay short).
pub async fn registry_knowing(
    residents: Vec<app::verification::registry::Resident>,
) -> (
    Arc<server::registry_simulator::RegistrySimulator>,
    app::verification::registry::HttpRegistry,
) {
    registry_with(residents, |_| {}).await
}

/// As [`registry_knowing`], with the client's settings changed by `adjust`.
pub async fn registry_with(
    residents: Vec<app::verification::registry::Resident>,
    adjust: impl FnOnce(&mut app::verification::registry::RegistrySettings),
) -> (
    Arc<server::registry_simulator::RegistrySimulator>,
    app::verification::registry::HttpRegistry,
) {
    use app::verification::registry::{HttpRegistry, RegistrySettings};
    use server::registry_simulator::{Population, RegistrySimulator, DEVELOPMENT_KEY};
    let simulator = RegistrySimulator::new(Population::default().with(residents), DEVELOPMENT_KEY);
    let addr = simulator
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let mut settings = RegistrySettings::new(&format!("http://{addr}"), DEVELOPMENT_KEY);
    settings.timeout = std::time::Duration::from_millis(500);
    settings.backoff = std::time::Duration::from_millis(10);
    settings.breaker_cooldown = std::time::Duration::from_millis(200);
    adjust(&mut settings);
    (simulator, HttpRegistry::new(settings).unwrap())
}

/// The registry's records of the applicants in the database, exactly as they answered: a
/// registry that agrees with everyone (tests of what comes after the checks).
pub async fn residents_as_registered(pool: &PgPool) -> Vec<app::verification::registry::Resident> {
    sqlx::query!("select nik, kk, full_name, birth_date, gender from applicants")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|a| app::verification::registry::Resident {
            nik: a.nik,
            family_card: a.kk,
            full_name: a.full_name,
            birth_date: a.birth_date,
            gender: a.gender,
            life: app::verification::registry::LifeStatus::Alive,
        })
        .collect()
}

/// Runs the verification jobs at `now` until none is due (or none could be decided), against
/// `registry`.
pub async fn drain_verifications(
    pool: &PgPool,
    registry: &app::verification::registry::HttpRegistry,
    now: DateTime<Utc>,
) -> app::verification::jobs::BatchReport {
    app::verification::jobs::drain(pool, registry, || now, 100)
        .await
        .unwrap()
        .0
}

/// Verifies everyone waiting, with a registry that agrees with their answers.
pub async fn verify_all_as_registered(pool: &PgPool, now: DateTime<Utc>) {
    let (_simulator, registry) = registry_knowing(residents_as_registered(pool).await).await;
    drain_verifications(pool, &registry, now).await;
}
