//! Past one machine (docs/cluster.md): the pages that may be slightly stale read a second pool
//! on a standby, everything else the leader; and a database out of reach is answered with an
//! honest 503 and Retry-After, never a 500.

mod support;

use sqlx::{postgres::PgPoolOptions, Executor, PgPool};
use support::{wednesday_morning, Browser};

/// A second database beside the test's, migrated, standing in for a standby whose contents
/// differ from the leader's, so a page shows which one it read.
async fn standby_beside(leader: &PgPool) -> PgPool {
    // A name of its own within PostgreSQL's 63 bytes (the test's own name nearly fills them).
    let name: String = sqlx::query_scalar("select 'standby_' || md5(current_database())")
        .fetch_one(leader)
        .await
        .unwrap();
    leader
        .execute(format!("drop database if exists \"{name}\" with (force)").as_str())
        .await
        .unwrap();
    leader
        .execute(format!("create database \"{name}\"").as_str())
        .await
        .unwrap();
    let options = leader.connect_options().as_ref().clone().database(&name);
    let standby = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .unwrap();
    app::MIGRATOR.run(&standby).await.unwrap();
    standby
}

/// A pool on a port where nothing listens: the database as a leader change leaves it.
fn unreachable_pool() -> PgPool {
    PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy("postgres://postgres@127.0.0.1:9/prakerja")
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_catalogue_and_the_waves_read_the_standby_and_the_rest_the_leader(pool: PgPool) {
    let standby = standby_beside(&pool).await;
    server::seed::seed_demo(&standby, wednesday_morning()).await.unwrap();
    server::seed::seed_demo(&pool, wednesday_morning()).await.unwrap();
    // The leader has moved on: every title changed (the standby has not replayed it yet).
    sqlx::query("update trainings set title = 'Judul baru di pemimpin ' || id")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update waves set name = name || ' (nama baru di pemimpin)'")
        .execute(&pool)
        .await
        .unwrap();

    let mut browser = Browser::new(pool.clone(), wednesday_morning()).with_standby(standby.clone());
    // The catalogue is each process's snapshot, built from the leader (catalogue_snapshot.rs).
    let catalogue = browser.get("/pelatihan").await;
    assert_eq!(catalogue.status, 200);
    assert!(catalogue.body.contains("900 pelatihan ditemukan"), "{}", catalogue.body);
    assert!(
        catalogue.body.contains("Judul baru di pemimpin"),
        "the catalogue's snapshot is the leader's"
    );

    let waves = browser.get("/gelombang").await;
    assert_eq!(waves.status, 200);
    assert!(
        !waves.body.contains("nama baru di pemimpin"),
        "the waves' audit reads the standby"
    );

    // Signing in writes a session and reads it back: the leader's.
    let mut participant = Browser::signed_in(pool.clone(), "rina@contoh.id")
        .await
        .with_standby(standby.clone());
    let dashboard = participant.get("/dasbor").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    let sessions_on_standby: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&standby)
        .await
        .unwrap();
    assert_eq!(sessions_on_standby, 0, "nothing is written to the standby");

    // The same server without a standby reads the leader's waves.
    let mut leader_only = Browser::new(pool, wednesday_morning());
    assert!(leader_only
        .get("/gelombang")
        .await
        .body
        .contains("nama baru di pemimpin"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_database_out_of_reach_is_a_503_with_retry_after_not_a_500(pool: PgPool) {
    let mut browser = Browser::new(pool.clone(), wednesday_morning()).with_standby(unreachable_pool());
    let page = browser.get("/gelombang").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert_eq!(page.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    assert!(
        page.body.contains("Layanan sedang dipulihkan sebentar"),
        "{}",
        page.body
    );

    // The leader out of reach before this process built its catalogue snapshot: the catalogue
    // page and its document are told to wait too.
    let mut no_snapshot = Browser::new(unreachable_pool(), wednesday_morning());
    let page = no_snapshot.get("/pelatihan").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("Layanan sedang dipulihkan sebentar"));
    let document = no_snapshot.get("/api/katalog.json").await;
    assert_eq!(document.status, 503);
    assert!(document.headers.contains_key("retry-after"));

    // The leader out of reach: a signup (the WASM client's call) is told to wait, and its
    // browser's queue keeps it (it sends again on 502 to 504).
    let mut dead_leader = Browser::new(unreachable_pool(), wednesday_morning());
    let signup = dead_leader
        .post_from_wasm(
            "/api/signup-submit",
            &[
                ("draft[nik]", "3174010101640001"),
                ("draft[kk]", "3174010101100001"),
                ("draft[full_name]", "Pendaftar Uji"),
                ("draft[birth_date]", "1964-01-01"),
                ("draft[gender]", "L"),
                ("draft[birth_place]", "Jakarta"),
                ("draft[province]", "31"),
                ("draft[city]", "Kota Jakarta Selatan"),
                ("draft[mobile]", "081200000001"),
                ("draft[education]", "sma"),
                ("draft[employment]", "korban-phk"),
                ("draft[interests][]", "barista"),
                ("declaration", "ya"),
                ("idempotency_key", "00000000-0000-4000-8000-000000000001"),
            ],
        )
        .await;
    assert_eq!(signup.status, 503, "{}", signup.body);
    assert!(signup.headers.contains_key("retry-after"));
    assert!(signup.body.contains("Unavailable"), "{}", signup.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_demoted_leader_and_a_cut_connection_count_as_out_of_reach(pool: PgPool) {
    use app::error::is_database_unreachable;
    // A leader demoted to a standby refuses writes with 25006.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("set transaction read only")
        .execute(&mut *tx)
        .await
        .unwrap();
    let read_only = sqlx::query("insert into rate_limit_windows (key, window_started_at, hits) values ('x', now(), 1)")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(is_database_unreachable(&read_only), "{read_only}");
    drop(tx);
    // A session ended by the server (as when a leader is killed): 57P01 or a lost connection.
    let mut victim = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
        .fetch_one(&mut *victim)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend($1)")
        .bind(pid)
        .execute(&pool)
        .await
        .unwrap();
    let cut = sqlx::query("select 1").execute(&mut *victim).await.unwrap_err();
    assert!(is_database_unreachable(&cut), "{cut}");
    // A statement that is wrong is not.
    let wrong = sqlx::query("select * from no_such_table")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(!is_database_unreachable(&wrong), "{wrong}");
}
