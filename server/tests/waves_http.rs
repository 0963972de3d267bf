//! Waves over HTTP with JavaScript off: the console's plain forms (program admins only, each
//! action audited), and the public audit page and files of a drawn wave, which hash to the
//! published digests and hold no personal data.

mod support;

use app::operators::OperatorRole;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use support::*;

const SEED: &str = "drand 5000000: 9c1e";

fn create_form<'a>(name: &'a str, closes: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", name),
        ("join_opens", "2026-12-02T08:00"),
        ("join_closes", closes),
        ("quota", "3"),
        ("balance", "Rp1.000.000"),
        ("first_purchase_days", "30"),
        ("test_carries_over", "ya"),
        ("seed_source", "Putaran drand 5.000.000, diumumkan 11 Desember 2026"),
    ]
}

/// Five applicants joined the wave (straight into the tables; joining has its own tests).
async fn joined(pool: &PgPool, wave: i32) -> Vec<String> {
    let mut niks = Vec::new();
    for n in 1..=5u32 {
        let (_, id, nik) = app_fixtures::inserted_applicant(pool, n, "HTTP").await;
        sqlx::query("insert into verifications (applicant_id, status, reasons, decided_at) values ($1, 'terverifikasi', '{}', now())")
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("insert into wave_entries (wave_id, applicant_id, draw_id, joined_at) values ($1, $2, $3, now())")
            .bind(wave)
            .bind(id)
            .bind(i64::from(n) * 0x0123_4567_89ab)
            .execute(pool)
            .await
            .unwrap();
        niks.push(nik);
    }
    niks
}

/// A program admin with a new wave whose joining closes at noon; the wave's id.
async fn admin_with_a_wave(browser: &Browser, name: &str) -> (Browser, i32) {
    let mut admin = signed_in_operator(browser, "admin.gelombang", OperatorRole::ProgramAdmin).await;
    admin
        .post_form("/api/create-wave", &create_form(name, "2026-12-02T12:00"))
        .await;
    let wave: i32 = sqlx::query_scalar("select id from waves where name = $1")
        .bind(name)
        .fetch_one(&browser.pool)
        .await
        .unwrap();
    (admin, wave)
}

/// After joining closed: the admin signs in again (the idle session ended), enters the seed and
/// closes the wave.
async fn draw_after_noon(admin: &mut Browser, wave: i32) {
    admin.clock.set(wib("2026-12-02 12:30:00"));
    operator_sign_in(admin, "admin.gelombang").await;
    admin
        .post_form(
            "/api/enter-wave-seed",
            &[("wave_id", &wave.to_string()), ("seed", SEED)],
        )
        .await;
    admin
        .post_form("/api/close-wave", &[("wave_id", &wave.to_string())])
        .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_runs_a_wave_from_the_console_and_anyone_can_check_its_draw(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wib("2026-12-02 10:00:00"));
    let mut admin = signed_in_operator(&browser, "admin.gelombang", OperatorRole::ProgramAdmin).await;

    // A mistake comes back beside its field, with what was typed.
    let page = admin
        .submit(
            "/api/create-wave",
            &create_form("Gelombang 1", "2026-12-01T08:00"),
            "/operator/gelombang",
        )
        .await;
    assert!(page.contains("Waktu tutup harus sesudah waktu buka."), "{page}");
    assert!(page.contains(r#"value="Gelombang 1""#));

    let created = admin
        .post_form("/api/create-wave", &create_form("Gelombang 1", "2026-12-02T12:00"))
        .await;
    assert_eq!(created.location(), Some("/operator/gelombang"));
    let wave: i32 = sqlx::query_scalar("select id from waves where name = 'Gelombang 1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let niks = joined(&pool, wave).await;

    // Before the draw there is nothing to download; the seed must wait for joining to close.
    assert_eq!(
        browser
            .another()
            .get(&format!("/gelombang/{wave}/pool.csv"))
            .await
            .status,
        404
    );
    let early = admin
        .submit(
            "/api/enter-wave-seed",
            &[("wave_id", &wave.to_string()), ("seed", SEED)],
            "/operator/gelombang",
        )
        .await;
    assert!(early.contains("Pendaftaran gelombang masih dibuka"));

    // Joining closed at noon. The operator's session ended while unused (15 minutes idle), so
    // they sign in again.
    admin.clock.set(wib("2026-12-02 12:30:00"));
    assert_eq!(
        admin.get("/operator/gelombang").await.location(),
        Some("/operator/masuk")
    );
    operator_sign_in(&mut admin, "admin.gelombang").await;
    admin
        .post_form(
            "/api/enter-wave-seed",
            &[("wave_id", &wave.to_string()), ("seed", SEED)],
        )
        .await;
    let page = admin
        .submit(
            "/api/close-wave",
            &[("wave_id", &wave.to_string())],
            "/operator/gelombang",
        )
        .await;
    assert!(page.contains("Gelombang 1 diundi: 3 terpilih dari pool 5"), "{page}");
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where actor = 'operator:admin.gelombang' and action like 'waves.%' order by id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(actions, ["waves.create", "waves.enter_seed", "waves.draw"]);

    // The public page and files, for anyone.
    let mut visitor = browser.another();
    let audit = visitor.get(&format!("/gelombang/{wave}")).await;
    assert_eq!(audit.status, 200);
    let (pool_digest, result_digest): (String, String) =
        sqlx::query_as("select pool_digest, result_digest from waves where id = $1")
            .bind(wave)
            .fetch_one(&pool)
            .await
            .unwrap();
    for shown in [
        SEED,
        pool_digest.as_str(),
        result_digest.as_str(),
        "Putaran drand 5.000.000",
    ] {
        assert!(audit.body.contains(shown), "{shown} not on the audit page");
    }
    let pool_path = format!("/gelombang/{wave}/pool.csv");
    let pool_file = visitor.get(&pool_path).await;
    assert_eq!(pool_file.status, 200);
    assert_eq!(pool_file.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(hex::encode(Sha256::digest(pool_file.body.as_bytes())), pool_digest);
    // Compressed for a browser that asks (the stream is read to its end and past it).
    let compressed = visitor.get_with(&pool_path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(compressed.status, 200);
    assert_eq!(compressed.headers["content-encoding"], "gzip");
    let result_file = visitor.get(&format!("/gelombang/{wave}/hasil.csv")).await;
    assert_eq!(hex::encode(Sha256::digest(result_file.body.as_bytes())), result_digest);
    assert_eq!(result_file.body.lines().count(), 1 + 3);
    let verified = draw::verify(&pool_file.body, SEED, 3, Some(result_file.body.as_bytes())).unwrap();
    assert_eq!(verified.result_matches(), Some(true));
    for nik in &niks {
        assert!(!pool_file.body.contains(nik.as_str()) && !audit.body.contains(nik.as_str()));
    }

    // The digest is the file's ETag: a client that has it downloads nothing again.
    let etag = format!("\"{pool_digest}\"");
    assert_eq!(pool_file.headers["etag"], etag);
    let again = visitor.get_with(&pool_path, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // A broken download resumes where it stopped.
    let rest = visitor.get_with(&pool_path, &[("range", "bytes=10-")]).await;
    assert_eq!(rest.status, 206);
    assert_eq!(rest.body, pool_file.body[10..]);
    assert_eq!(rest.headers["content-type"], "text/csv; charset=utf-8");

    // Served from disk: with the database gone, the files still download, whole and right.
    pool.close().await;
    let without_database = visitor.get(&format!("/gelombang/{wave}/hasil.csv")).await;
    assert_eq!(without_database.status, 200);
    assert_eq!(
        hex::encode(Sha256::digest(without_database.body.as_bytes())),
        result_digest
    );
    assert_eq!(visitor.get(&pool_path).await.body, pool_file.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn verifiers_cannot_run_waves(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wib("2026-12-02 10:00:00"));
    let mut verifier = signed_in_operator(&browser, "verifikator.gelombang", OperatorRole::Verifier).await;
    let page = verifier.get("/operator/gelombang").await;
    assert!(page.body.contains("Anda tidak berwenang"), "{}", page.body);
    assert!(!page.body.contains("Buat gelombang"));
    verifier
        .post_form("/api/create-wave", &create_form("Gelombang 1", "2026-12-02T12:00"))
        .await;
    assert_eq!(count(&pool, "select count(*) from waves").await, 0);
}

/// Ten clients reading a big wave file at 2 KB/s over real sockets, on a portal with only two
/// database connections: requests that need the database are still served at once, because the
/// file is read from disk, not streamed from the database while the client reads.
#[sqlx::test(migrations = "../migrations")]
async fn ten_slow_readers_of_a_wave_file_do_not_hold_up_the_portal(pool: PgPool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let browser = Browser::new(pool.clone(), wib("2026-12-02 10:00:00"));
    let (mut admin, wave) = admin_with_a_wave(&browser, "Gelombang besar").await;
    // About 9 MB of pool file: far more than the socket buffers and the stream's chunks.
    let spec = server::synthetic::SyntheticPool {
        applicants: 300_000,
        excluded_per_mille: 0,
        priority_per_mille: 0,
    };
    server::synthetic::generate(&pool, "Gelombang besar", &spec)
        .await
        .unwrap();
    draw_after_noon(&mut admin, wave).await;

    let two_connections = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let router = Browser::new(two_connections, wib("2026-12-02 13:00:00")).router();
    let listener = server::serve::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = listener.local_addr().unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve::serve(listener, router, Default::default(), async {
        let _ = stopped.await;
    }));

    let mut readers = Vec::new();
    for _ in 0..10 {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!("GET /gelombang/{wave}/pool.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        readers.push(tokio::spawn(async move {
            let mut chunk = [0u8; 2048];
            loop {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                }
            }
        }));
    }
    // Every reader has had its answer start.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    for path in ["/healthz", "/"] {
        let started = std::time::Instant::now();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{path}: {}",
            answer.lines().next().unwrap_or("")
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{path} took {:?} beside the slow readers",
            started.elapsed()
        );
    }
    assert!(
        readers.iter().all(|reader| !reader.is_finished()),
        "the readers are still reading"
    );
    for reader in readers {
        reader.abort();
    }
}

/// An entry whose NIK is disputed when the wave closes is held: left out of the pool, with that
/// reason.
#[sqlx::test(migrations = "../migrations")]
async fn a_disputed_nik_is_left_out_of_the_draw(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wib("2026-12-02 10:00:00"));
    let (mut admin, wave) = admin_with_a_wave(&browser, "Gelombang 1").await;
    let niks = joined(&pool, wave).await;
    dispute_nik(&pool, &niks[0]).await;
    draw_after_noon(&mut admin, wave).await;
    let held: Vec<String> = sqlx::query_scalar(
        "select i.failed_check from wave_ineligible i join wave_entries e on e.draw_id = i.draw_id and e.wave_id = i.wave_id
         join applicants a on a.id = e.applicant_id where a.nik = $1",
    )
    .bind(&niks[0])
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(held, ["nik-disengketakan"]);
    assert!(admin
        .get("/operator/gelombang")
        .await
        .body
        .contains("3 terpilih dari pool 4"));
}
