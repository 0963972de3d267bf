//! `prakerja-load probe`: the request-level defences tried from outside, as someone with a
//! script would try them, against a running portal. One line per check, then
//! `N passed, N failed`.
//!
//! Checks that need the development mailbox (to read a sign-in code), an open registration
//! window or an operator's credentials say `SKIP` with the reason when those are missing; they
//! count neither way. Each run uses fresh addresses and a fresh NIK, so it can run again.

use std::time::{Duration, Instant};

use rand::Rng;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    task::JoinHandle,
};

use crate::{applicants, Options};

type Failure = String;

/// What one check found.
enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

/// The portal under probe: where to connect, and the origin its pages are served from.
#[derive(Clone)]
pub(crate) struct Target {
    /// `host:port` to connect to.
    pub(crate) authority: String,
    /// The public origin (`http://host:port` unless `--origin` says otherwise).
    pub(crate) origin: String,
}

/// An operator the return-path checks sign in as.
#[derive(Clone)]
pub(crate) struct OperatorLogin {
    username: String,
    password: String,
    totp_secret: Vec<u8>,
}

pub async fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let base = options.get("base-url")?.trim_end_matches('/').to_owned();
    let authority = base
        .strip_prefix("http://")
        .ok_or("the probe speaks plain HTTP: give the portal's address behind its TLS terminator")?
        .to_owned();
    let origin = options
        .get("origin")
        .map(str::to_owned)
        .unwrap_or_else(|_| base.clone());
    let target = Target { authority, origin };
    // From the environment, not the command line, where other processes could read it.
    let operator = match std::env::var("PRAKERJA_PROBE_OPERATOR") {
        Ok(login) if !login.is_empty() => Some(operator_login(&login)?),
        _ => None,
    };

    let health = Client::new(&target).get("/healthz").await;
    if !matches!(&health, Ok(answer) if answer.status == 200) {
        return Err(format!("{base}/healthz does not answer 200: is the portal running?").into());
    }
    let mailbox = Client::new(&target)
        .get("/dev/surat")
        .await
        .is_ok_and(|a| a.status == 200);
    let window_open = Client::new(&target)
        .get("/")
        .await
        .is_ok_and(|a| !a.body.contains("Pendaftaran sedang ditutup"));
    println!(
        "probing {base} (development mailbox: {}; registration window: {}; operator: {})\n",
        if mailbox { "yes" } else { "no" },
        if window_open { "open" } else { "closed" },
        operator.as_ref().map_or("none", |o| o.username.as_str()),
    );

    // The two slow checks wait on timers; they run while the others go on.
    let slow_clients = spawn_check(slow_clients(target.clone()));
    let code_budget = spawn_check(code_budget(target.clone(), mailbox));

    let mut report = Report::default();
    for (name, verdict) in cross_site(&target, mailbox).await {
        report.line(&name, verdict);
    }
    for (name, verdict) in statuses(&target).await {
        report.line(&name, verdict);
    }
    for (name, verdict) in body_limit(&target).await {
        report.line(&name, verdict);
    }
    let nik = nik_throttle(&target, mailbox, window_open).await;
    report.line("NIK throttle: a taken NIK is named at most 5 times to one account", nik);
    for (name, verdict) in return_paths(&target, operator.as_ref()).await {
        report.line(&name, verdict);
    }
    for (name, verdict) in join(slow_clients).await {
        report.line(&name, verdict);
    }
    for (name, verdict) in join(code_budget).await {
        report.line(&name, verdict);
    }

    println!(
        "\n{} passed, {} failed{}",
        report.passed,
        report.failed,
        if report.skipped > 0 {
            format!(" ({} skipped)", report.skipped)
        } else {
            String::new()
        }
    );
    if report.failed > 0 {
        Err("the probe got through".into())
    } else {
        Ok(())
    }
}

/// `username:password:base32-secret`.
pub(crate) fn operator_login(login: &str) -> Result<OperatorLogin, String> {
    let mut parts = login.splitn(3, ':');
    let (Some(username), Some(password), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("PRAKERJA_PROBE_OPERATOR is username:password:totp-secret".to_owned());
    };
    let totp_secret = totp_rs::Secret::Encoded(secret.trim().to_ascii_uppercase())
        .to_bytes()
        .map_err(|_| "PRAKERJA_PROBE_OPERATOR: the TOTP secret is not base32")?;
    Ok(OperatorLogin {
        username: username.to_owned(),
        password: password.to_owned(),
        totp_secret,
    })
}

type Checks = Vec<(String, Verdict)>;

fn spawn_check(check: impl std::future::Future<Output = Checks> + Send + 'static) -> JoinHandle<Checks> {
    tokio::spawn(check)
}

async fn join(handle: JoinHandle<Checks>) -> Checks {
    handle
        .await
        .unwrap_or_else(|error| vec![("a check".to_owned(), Verdict::Fail(format!("panicked: {error}")))])
}

#[derive(Default)]
struct Report {
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl Report {
    fn line(&mut self, name: &str, verdict: Verdict) {
        let (mark, detail) = match verdict {
            Verdict::Pass(detail) => {
                self.passed += 1;
                ("PASS", detail)
            }
            Verdict::Fail(detail) => {
                self.failed += 1;
                ("FAIL", detail)
            }
            Verdict::Skip(detail) => {
                self.skipped += 1;
                ("SKIP", detail)
            }
        };
        println!("{mark} {name}: {detail}");
    }
}

/// A verdict on a status: the expected one passes, anything else (or no answer) fails.
fn expect_status(answer: Result<Answer, Failure>, expected: u16) -> Verdict {
    match answer {
        Ok(answer) if answer.status == expected => Verdict::Pass(format!("{expected}")),
        Ok(answer) => Verdict::Fail(format!("{} (expected {expected}): {}", answer.status, answer.excerpt())),
        Err(error) => Verdict::Fail(error),
    }
}

/// An address that no mail can reach (RFC 2606), new for each run.
fn fresh_address(what: &str) -> String {
    format!(
        "probe-{what}-{:08x}@prakerja-probe.invalid",
        rand::rng().random::<u32>()
    )
}

// ---------------------------------------------------------------------------------------------
// The checks

async fn cross_site(target: &Target, mailbox: bool) -> Checks {
    let victim = fresh_address("korban");
    let body = format!("email={}", encode(&victim));
    let other_scheme = match target.origin.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => target.origin.replacen("https://", "http://", 1),
    };
    let attempts: [(&str, Vec<(&str, String)>); 5] = [
        (
            "a form posted from another site is refused",
            vec![("Origin", "https://evil.example".to_owned())],
        ),
        (
            "the same host under another scheme is another origin",
            vec![("Origin", other_scheme)],
        ),
        (
            "a post the browser marks cross-site is refused",
            vec![("Sec-Fetch-Site", "cross-site".to_owned())],
        ),
        (
            "a post with neither Origin, Sec-Fetch-Site nor Referer is refused",
            vec![],
        ),
        (
            "a Referer that only mentions this site is refused",
            vec![("Referer", format!("https://evil.example/{}/masuk", target.origin))],
        ),
    ];
    let mut checks = Vec::new();
    for (name, headers) in attempts {
        let mut request = Request::post("/api/request-code", body.as_bytes().to_vec());
        request.header("Content-Type", "application/x-www-form-urlencoded");
        request.header("Accept", "text/html");
        for (header, value) in headers {
            request.header(header, &value);
        }
        let answer = Client::new(target).send(request).await;
        checks.push((format!("cross-site: {name}"), expect_status(answer, 403)));
    }
    if mailbox {
        let verdict = match mails_to(target, &victim).await {
            Ok(mails) if mails.is_empty() => Verdict::Pass("no code was sent".to_owned()),
            Ok(mails) => Verdict::Fail(format!("{} message(s) sent", mails.len())),
            Err(error) => Verdict::Fail(error),
        };
        checks.push(("cross-site: the refused posts sent nothing".to_owned(), verdict));
    }
    // A browser or proxy that strips Origin still says which page it comes from.
    let mut request = Request::post(
        "/api/request-code",
        format!("email={}", encode(&fresh_address("rujukan"))).into_bytes(),
    );
    request.header("Content-Type", "application/x-www-form-urlencoded");
    request.header("Accept", "text/html");
    request.header("Referer", &format!("{}/masuk", target.origin));
    let verdict = match Client::new(target).send(request).await {
        Ok(answer) if (300..400).contains(&answer.status) && answer.header("location") == Some("/masuk/kode") => {
            Verdict::Pass(format!("{} to /masuk/kode", answer.status))
        }
        Ok(answer) => Verdict::Fail(format!("{} {:?}", answer.status, answer.header("location"))),
        Err(error) => Verdict::Fail(error),
    };
    checks.push((
        "cross-site: a post whose Referer is this site is served".to_owned(),
        verdict,
    ));
    checks
}

async fn statuses(target: &Target) -> Checks {
    let mut client = Client::new(target);
    let mut checks = Vec::new();
    checks.push((
        "statuses: an unknown page is 404".to_owned(),
        expect_status(client.get("/probe-halaman-yang-tidak-ada").await, 404),
    ));
    let garbled = client
        .post_form("/api/request-code", b"%zz=%%".to_vec(), "application/json")
        .await;
    checks.push((
        "statuses: a body that is not the function's arguments is 400".to_owned(),
        expect_status(garbled, 400),
    ));
    let missing = client
        .post_form("/api/probe-fungsi-yang-tidak-ada", b"a=1".to_vec(), "application/json")
        .await;
    checks.push((
        "statuses: an unknown server function is 404".to_owned(),
        expect_status(missing, 404),
    ));
    let mut json = Request::post("/api/request-code", br#"{"email":"a@b.c"}"#.to_vec());
    json.header("Origin", &target.origin);
    json.header("Content-Type", "application/json");
    checks.push((
        "statuses: a JSON body to a function that reads forms is 415".to_owned(),
        expect_status(client.send(json).await, 415),
    ));
    let signed_out = client
        .post_form("/api/sign-out-everywhere", Vec::new(), "application/json")
        .await;
    checks.push((
        "statuses: a signed-in action without a session is 401".to_owned(),
        expect_status(signed_out, 401),
    ));
    checks
}

async fn body_limit(target: &Target) -> Checks {
    let mut checks = Vec::new();
    for accept in ["application/json", "text/html"] {
        let body = format!("email={}", "a".repeat(100 * 1024)).into_bytes();
        let answer = Client::new(target).post_form("/api/request-code", body, accept).await;
        checks.push((
            format!("body limit: a 100 KB form ({accept}) is 413"),
            expect_status(answer, 413),
        ));
    }
    checks
}

/// Half-sent requests are dropped within the header timeout while others are served, and an
/// idle kept-alive connection is closed.
async fn slow_clients(target: Target) -> Checks {
    const SLOW: usize = 20;
    const PATIENCE: Duration = Duration::from_secs(15);
    let started = Instant::now();
    let mut sockets = Vec::new();
    for _ in 0..SLOW {
        match TcpStream::connect(&target.authority).await {
            Ok(mut socket) => {
                let half = format!("GET / HTTP/1.1\r\nHost: {}\r\nX-Probe: ", target.authority);
                if socket.write_all(half.as_bytes()).await.is_ok() {
                    sockets.push(socket);
                }
            }
            Err(error) => {
                return vec![(
                    "slow headers".to_owned(),
                    Verdict::Fail(format!("could not connect: {error}")),
                )]
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let asked = Instant::now();
    let served = Client::new(&target).get("/healthz").await;
    let served_in = asked.elapsed();
    let mut checks = vec![(
        format!("slow headers: with {SLOW} half-sent requests open, others are served"),
        match served {
            Ok(answer) if answer.status == 200 && served_in < Duration::from_secs(2) => {
                Verdict::Pass(format!("/healthz in {} ms", served_in.as_millis()))
            }
            Ok(answer) => Verdict::Fail(format!("{} in {} ms", answer.status, served_in.as_millis())),
            Err(error) => Verdict::Fail(error),
        },
    )];

    let idle = idle_connection_closed(&target, PATIENCE);
    let mut closed_after = Vec::new();
    for mut socket in sockets {
        let deadline = PATIENCE.saturating_sub(started.elapsed());
        if closed_within(&mut socket, deadline).await {
            closed_after.push(started.elapsed());
        }
    }
    let slowest = closed_after.iter().max().copied().unwrap_or_default();
    checks.push((
        format!("slow headers: {SLOW} half-sent requests are dropped"),
        if closed_after.len() == SLOW {
            Verdict::Pass(format!("all closed by {:.1} s", slowest.as_secs_f64()))
        } else {
            Verdict::Fail(format!(
                "{} of {SLOW} still open after {} s",
                SLOW - closed_after.len(),
                PATIENCE.as_secs()
            ))
        },
    ));
    checks.push((
        "idle connections: a kept-alive connection left idle is closed".to_owned(),
        idle.await,
    ));
    checks
}

/// Reads until the peer closes (or sends the timeout's answer and closes); false if it is still
/// open after `patience`.
async fn closed_within(socket: &mut TcpStream, patience: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let reading = async {
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(patience, reading).await.is_ok()
}

async fn idle_connection_closed(target: &Target, patience: Duration) -> Verdict {
    let opened = Instant::now();
    let mut socket = match TcpStream::connect(&target.authority).await {
        Ok(socket) => socket,
        Err(error) => return Verdict::Fail(format!("could not connect: {error}")),
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", target.authority);
    if let Err(error) = socket.write_all(request.as_bytes()).await {
        return Verdict::Fail(error.to_string());
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    // The answer to /healthz is small: its head and body arrive together.
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => answer.extend_from_slice(&buffer[..read]),
            _ => return Verdict::Fail("no answer to a kept-alive request".to_owned()),
        }
    }
    if closed_within(&mut socket, patience).await {
        Verdict::Pass(format!("closed after {:.1} s", opened.elapsed().as_secs_f64()))
    } else {
        Verdict::Fail(format!("still open after {} s", patience.as_secs()))
    }
}

/// Wrong codes count per address across codes. A code takes five wrong tries before it dies,
/// and a new one comes at most once a minute: four wrong on each of two codes, a third code a
/// minute later, two wrong on it (ten in all), and the address is locked. The third code is
/// still alive by its own count, so the right one failing shows the address's lock.
async fn code_budget(target: Target, mailbox: bool) -> Checks {
    const NAME: &str = "code budget: 10 wrong codes across three codes lock the address";
    let email = fresh_address("kode");
    let mut attacker = Client::new(&target);
    let mut right_code = None;
    let first_request = Instant::now();
    for (round, wrong_tries) in [4, 4, 2].into_iter().enumerate() {
        // One new code a minute per address.
        let due = Duration::from_secs(61 * round as u64);
        tokio::time::sleep(due.saturating_sub(first_request.elapsed())).await;
        let form = format!("email={}", encode(&email)).into_bytes();
        match attacker.post_form("/api/request-code", form, "text/html").await {
            Ok(answer) if answer.header("location") == Some("/masuk/kode") => {}
            Ok(answer) => {
                return vec![(
                    NAME.to_owned(),
                    Verdict::Fail(format!(
                        "round {round}: asking for a code answered {} {:?}",
                        answer.status,
                        answer.header("location")
                    )),
                )]
            }
            Err(error) => return vec![(NAME.to_owned(), Verdict::Fail(error))],
        }
        if mailbox {
            right_code = mails_to(&target, &email)
                .await
                .ok()
                .and_then(|mails| mails.first().and_then(|m| six_digits(&m.body)));
        }
        let wrong = if right_code.as_deref() == Some("000000") {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..wrong_tries {
            let form = format!("code={wrong}").into_bytes();
            if let Err(error) = attacker.post_form("/api/verify-code", form, "text/html").await {
                return vec![(NAME.to_owned(), Verdict::Fail(error))];
            }
        }
    }
    let page = attacker.get("/masuk/kode").await;
    let mut checks = vec![(
        NAME.to_owned(),
        match page {
            Ok(page) if page.body.contains("dikunci sementara") => {
                Verdict::Pass("the code page says the address is locked".to_owned())
            }
            Ok(page) => Verdict::Fail(format!("the code page does not say it is locked: {}", page.excerpt())),
            Err(error) => Verdict::Fail(error),
        },
    )];
    let name = "code budget: once locked, even the right code does not sign in".to_owned();
    let Some(code) = right_code else {
        checks.push((name, Verdict::Skip("needs the development mailbox".to_owned())));
        return checks;
    };
    let answer = attacker
        .post_form("/api/verify-code", format!("code={code}").into_bytes(), "text/html")
        .await;
    // Refused, and refused for the lock (not as a wrong or dead code).
    let refused_for_the_lock = match answer {
        Ok(answer) if answer.header("location") == Some("/masuk/kode") => match attacker.get("/masuk/kode").await {
            Ok(page) if page.body.contains("dikunci sementara") => {
                Verdict::Pass("refused: the address is locked".to_owned())
            }
            Ok(page) => Verdict::Fail(format!("refused, but not for the lock: {}", page.excerpt())),
            Err(error) => Verdict::Fail(error),
        },
        Ok(answer) => Verdict::Fail(format!("{} {:?}", answer.status, answer.header("location"))),
        Err(error) => Verdict::Fail(error),
    };
    checks.push((name, refused_for_the_lock));
    let told = mails_to(&target, &email).await;
    checks.push((
        "code budget: the address's owner is told".to_owned(),
        match told {
            Ok(mails)
                if mails
                    .iter()
                    .any(|m| m.subject.contains("dikunci") || m.body.contains("dikunci")) =>
            {
                Verdict::Pass("an email says so".to_owned())
            }
            Ok(_) => Verdict::Fail("no email about the lock".to_owned()),
            Err(error) => Verdict::Fail(error),
        },
    ));
    checks
}

/// Someone holding another person's NIK submits it again and again: the refusal names the NIK
/// at most five times for the account, then no longer says which.
async fn nik_throttle(target: &Target, mailbox: bool, window_open: bool) -> Verdict {
    if !mailbox {
        return Verdict::Skip("needs the development mailbox to sign in".to_owned());
    }
    if !window_open {
        return Verdict::Skip("the registration window is closed".to_owned());
    }
    let applicant = rand::rng().random_range(0..14_600 * 9_000);
    let mut owner = Client::new(target);
    if let Err(error) = sign_in(&mut owner, &fresh_address("pemilik")).await {
        return Verdict::Fail(format!("signing the owner in: {error}"));
    }
    match submit_signup(&mut owner, applicant).await {
        Ok(answer) if answer.body.starts_with("{\"Accepted\"") => {}
        Ok(answer) => return Verdict::Fail(format!("the owner's signup: {} {}", answer.status, answer.excerpt())),
        Err(error) => return Verdict::Fail(error),
    }
    let mut script = Client::new(target);
    if let Err(error) = sign_in(&mut script, &fresh_address("penebak")).await {
        return Verdict::Fail(format!("signing the script in: {error}"));
    }
    let mut named = 0;
    let mut last = String::new();
    for _ in 0..6 {
        match submit_signup(&mut script, applicant).await {
            Ok(answer) if answer.status >= 500 => return Verdict::Fail(format!("{}", answer.status)),
            Ok(answer) => {
                if answer.body.contains("NIK ini sudah terdaftar") {
                    named += 1;
                }
                last = answer.body;
            }
            Err(error) => return Verdict::Fail(error),
        }
    }
    if named <= 5 && last.contains("terlalu banyak percobaan") {
        Verdict::Pass(format!(
            "named {named} times in 6 submits, then \"terlalu banyak percobaan\""
        ))
    } else {
        Verdict::Fail(format!("named {named} times in 6 submits; the last answer: {last}"))
    }
}

async fn submit_signup(client: &mut Client, applicant: u64) -> Result<Answer, Failure> {
    let key = uuid::Uuid::new_v4();
    let body = format!("{}&idempotency_key={key}", applicants::signup_body(applicant));
    client
        .post_form("/api/signup-submit", body.into_bytes(), "application/json")
        .await
}

/// Return paths a browser would read as another site are refused (400) before anything is
/// decided: the applicant does not exist, so a later check would have answered 404.
async fn return_paths(target: &Target, operator: Option<&OperatorLogin>) -> Checks {
    let bad = [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: a=b",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ];
    let name = |path: &str| format!("return paths: {path:?} is refused with 400");
    let Some(operator) = operator else {
        return bad
            .iter()
            .map(|path| (name(path), Verdict::Skip("needs PRAKERJA_PROBE_OPERATOR".to_owned())))
            .collect();
    };
    let mut console = Client::new(target);
    if let Err(error) = operator_sign_in(&mut console, operator).await {
        return vec![("return paths: signing the operator in".to_owned(), Verdict::Fail(error))];
    }
    let mut checks = Vec::new();
    let admins_page = console.get("/operator/petugas").await;
    checks.push((
        // PRAKERJA_PROBE_OPERATOR names a verifier.
        "roles: the program admins' page refuses a verifier with 403".to_owned(),
        match admins_page {
            Ok(page) if page.status == 403 => Verdict::Pass("403".to_owned()),
            Ok(page) => Verdict::Fail(format!("{}: {}", page.status, page.excerpt())),
            Err(error) => Verdict::Fail(error),
        },
    ));
    for path in bad {
        let form = format!(
            "applicant={}&decision=terverifikasi&return_to={}",
            uuid::Uuid::nil(),
            encode(path)
        );
        let answer = console
            .post_form("/api/decide-verification", form.into_bytes(), "text/html")
            .await;
        let verdict = match answer {
            Ok(answer) if answer.status == 400 && answer.header("location").is_none() => {
                Verdict::Pass("400, no redirect".to_owned())
            }
            Ok(answer) => Verdict::Fail(format!("{} {:?}", answer.status, answer.header("location"))),
            Err(error) => Verdict::Fail(error),
        };
        checks.push((name(path), verdict));
    }
    checks
}

// ---------------------------------------------------------------------------------------------
// Signing in

async fn sign_in(client: &mut Client, email: &str) -> Result<(), Failure> {
    let asked = client
        .post_form(
            "/api/request-code",
            format!("email={}", encode(email)).into_bytes(),
            "text/html",
        )
        .await?;
    if asked.header("location") != Some("/masuk/kode") {
        return Err(format!("asking for a code: {} {}", asked.status, asked.excerpt()));
    }
    let mails = mails_to(&client.target, email).await?;
    let code = mails
        .first()
        .and_then(|m| six_digits(&m.body))
        .ok_or("no code in the mailbox")?;
    let verified = client
        .post_form("/api/verify-code", format!("code={code}").into_bytes(), "text/html")
        .await?;
    match verified.header("location") {
        Some(next) if !next.starts_with("/masuk") => Ok(()),
        other => Err(format!("the code did not sign in: {} {other:?}", verified.status)),
    }
}

pub(crate) async fn operator_sign_in(client: &mut Client, operator: &OperatorLogin) -> Result<(), Failure> {
    let form = format!(
        "username={}&password={}",
        encode(&operator.username),
        encode(&operator.password)
    );
    let password = client
        .post_form("/api/operator-sign-in", form.into_bytes(), "text/html")
        .await?;
    if password.header("location") != Some("/operator/masuk/kode") {
        return Err(format!(
            "the password step answered {} {:?}",
            password.status,
            password.header("location")
        ));
    }
    let totp = totp_rs::TOTP {
        algorithm: totp_rs::Algorithm::SHA1,
        digits: 6,
        skew: 1,
        step: 30,
        secret: operator.totp_secret.clone(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    // Each code is accepted once: if this step's was just used, the next step's is accepted too.
    for at in [now, now + 30] {
        let form = format!("code={}", totp.generate(at)).into_bytes();
        let answer = client.post_form("/api/second-factor", form, "text/html").await?;
        if answer.header("location").is_some_and(|next| !next.contains("/masuk")) {
            return Ok(());
        }
    }
    Err("the second factor was refused".to_owned())
}

/// A message in the development mailbox.
struct Mail {
    subject: String,
    body: String,
}

/// The messages sent to `email`, newest first (the development mailbox).
async fn mails_to(target: &Target, email: &str) -> Result<Vec<Mail>, Failure> {
    let page = Client::new(target).get("/dev/surat").await?;
    if page.status != 200 {
        return Err(format!("the mailbox answered {}", page.status));
    }
    let marker = format!("data-recipient=\"{email}\"");
    let between = |text: &str, start: &str, end: &str| {
        text.split_once(start)
            .and_then(|(_, rest)| rest.split_once(end))
            .map(|(inside, _)| inside.to_owned())
            .unwrap_or_default()
    };
    Ok(page
        .body
        .split("<li class=\"mail\"")
        .filter(|item| item.contains(&marker))
        .map(|item| Mail {
            subject: between(item, "<span class=\"mail-subject\">", "</span>"),
            body: between(item, "<pre class=\"mail-body\">", "</pre>"),
        })
        .collect())
}

/// The first run of exactly six digits in a text (a sign-in code).
fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|at| {
        let run = &bytes[at..at + 6];
        let bounded = |i: Option<usize>| i.and_then(|i| bytes.get(i)).is_none_or(|b| !b.is_ascii_digit());
        (run.iter().all(u8::is_ascii_digit) && bounded(at.checked_sub(1)) && bounded(Some(at + 6)))
            .then(|| String::from_utf8_lossy(run).into_owned())
    })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP: one request per connection, written exactly as given (a general client would refuse or
// repair the malformed requests the probe sends on purpose), with a cookie jar.

struct Request {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn get(path: &str) -> Request {
        Request {
            method: "GET",
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn post(path: &str, body: Vec<u8>) -> Request {
        Request {
            method: "POST",
            path: path.to_owned(),
            headers: Vec::new(),
            body,
        }
    }

    fn header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn excerpt(&self) -> String {
        self.body.chars().take(160).collect()
    }
}

pub(crate) struct Client {
    target: Target,
    cookies: Vec<(String, String)>,
}

impl Client {
    pub(crate) fn new(target: &Target) -> Client {
        Client {
            target: target.clone(),
            cookies: Vec::new(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Answer, Failure> {
        self.send(Request::get(path)).await
    }

    /// The `Cookie` header's value this client sends.
    pub(crate) fn cookie_header(&self) -> String {
        let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        jar.join("; ")
    }

    /// A form post as a browser on the portal's own page sends it.
    async fn post_form(&mut self, path: &str, body: Vec<u8>, accept: &str) -> Result<Answer, Failure> {
        let mut request = Request::post(path, body);
        request.header("Origin", &self.target.origin.clone());
        request.header("Content-Type", "application/x-www-form-urlencoded");
        request.header("Accept", accept);
        let answer = self.send(request).await?;
        self.keep_cookies(&answer);
        Ok(answer)
    }

    fn keep_cookies(&mut self, answer: &Answer) {
        for (name, value) in &answer.headers {
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let Some((key, rest)) = value.split(';').next().and_then(|pair| pair.split_once('=')) else {
                continue;
            };
            let expired = value.to_ascii_lowercase().contains("max-age=0");
            self.cookies.retain(|(kept, _)| kept != key);
            if !expired {
                self.cookies.push((key.to_owned(), rest.to_owned()));
            }
        }
    }

    async fn send(&self, mut request: Request) -> Result<Answer, Failure> {
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request.header("Cookie", &jar.join("; "));
        }
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            request.method,
            request.path,
            self.target.authority,
            request.body.len()
        );
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let exchange = async {
            let mut stream = TcpStream::connect(&self.target.authority).await?;
            stream.write_all(head.as_bytes()).await?;
            // A server may answer (413) before reading a large body, and close: that is an answer.
            let _ = stream.write_all(&request.body).await;
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw).await;
            Ok::<_, std::io::Error>(raw)
        };
        let raw = tokio::time::timeout(Duration::from_secs(20), exchange)
            .await
            .map_err(|_| format!("{} {}: no answer in 20 s", request.method, request.path))?
            .map_err(|error| format!("{} {}: {error}", request.method, request.path))?;
        parse_answer(&raw).ok_or_else(|| format!("{} {}: no HTTP answer", request.method, request.path))
    }
}

pub(crate) fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &raw[head_end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_vec() };
    Some(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            break;
        };
        let start = line_end + 2;
        if size == 0 || rest.len() < start + size {
            break;
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_code_of_exactly_six_digits() {
        assert_eq!(
            six_digits("Kode Anda: 042917. Berlaku 10 menit"),
            Some("042917".to_owned())
        );
        assert_eq!(
            six_digits("NIK 3201015708950003, kode 123456"),
            Some("123456".to_owned())
        );
        assert_eq!(six_digits("tidak ada kode 12345"), None);
    }

    #[test]
    fn reads_a_chunked_answer_and_its_cookies() {
        let raw = b"HTTP/1.1 303 See Other\r\nSet-Cookie: prakerja=abc; HttpOnly\r\nlocation: /masuk/kode\r\n\
                    Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let answer = parse_answer(raw).unwrap();
        assert_eq!((answer.status, answer.body.as_str()), (303, "abcde"));
        assert_eq!(answer.header("Location"), Some("/masuk/kode"));
        let target = Target {
            authority: "127.0.0.1:1".to_owned(),
            origin: "http://127.0.0.1:1".to_owned(),
        };
        let mut client = Client::new(&target);
        client.keep_cookies(&answer);
        assert_eq!(client.cookies, vec![("prakerja".to_owned(), "abc".to_owned())]);
    }

    #[test]
    fn encodes_form_values() {
        assert_eq!(encode("/\t/evil.example"), "%2F%09%2Fevil.example");
        assert_eq!(encode("a b@c"), "a%20b%40c");
    }
}
