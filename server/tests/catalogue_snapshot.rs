//! Every portal process searches the catalogue from its own snapshot in memory
//! (`app/src/catalogue/snapshot.rs`). Held here to the SQL search on the same data for random
//! filters, sorts and pages, and to the one-second promise across processes: a change made
//! through one process, announced or not, is seen by another real `prakerja serve` process.

mod support;

use std::time::{Duration, Instant};

use app::catalogue::{search, snapshot::CatalogueSnapshot, CatalogueQuery, RawCatalogueQuery};
use proptest::{
    prelude::*,
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use sqlx::PgPool;
use support::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    process::{Child, Command},
};

async fn demo(pool: &PgPool) {
    server::seed::seed_demo(pool, wednesday_morning()).await.unwrap();
}

/// Spreads purchases and ratings unevenly (ties included) and hides a few trainings, so that
/// every sort and the rating filter have something to tell apart.
async fn lived_in(pool: &PgPool) {
    sqlx::query(
        "update trainings set purchases = (id * 7919) % 23,
                rating_counts = array[(id * 3) % 4, (id * 5) % 3, (id * 7) % 5, (id * 11) % 6, (id * 13) % 7]
         where id % 5 <> 0",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("update providers set rating_counts = array[id % 3, 1, id % 4, 2, id % 5]")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("update trainings set hidden_at = now(), hidden_reason = 'uji' where id % 37 = 0")
        .execute(pool)
        .await
        .unwrap();
}

/// A search as a URL could carry it: any filter or none, any sort, any page; some values do
/// not parse, as typed values sometimes do not.
fn raw_search() -> impl Strategy<Value = RawCatalogueQuery> {
    let category = prop::option::of(prop::sample::select(vec![
        "barista",
        "pemasaran-digital",
        "jualan-online",
        "pemrograman-web",
        "menjahit",
        "bahasa-inggris-kerja",
        "tidak-ada",
    ]));
    let platform = prop::option::of(prop::sample::select(vec![
        "pintaria",
        "sekolahmu",
        "tokopedia",
        "skill-academy",
        "tidak-ada",
    ]));
    let price = prop::option::of((100u32..1_100).prop_map(|k| format!("{}", k * 1000)));
    let hours = prop::option::of((1u32..60).prop_map(|h| h.to_string()));
    let mode = prop::option::of(prop::sample::select(vec![
        "video-mandiri",
        "webinar-langsung",
        "campuran",
    ]));
    let rating = prop::option::of((1u32..=5).prop_map(|r| r.to_string()));
    let sort = prop::option::of(prop::sample::select(vec![
        "relevan",
        "harga",
        "harga-per-jam",
        "rating",
        "populer",
    ]));
    let page = prop::option::of((1u32..=46).prop_map(|p| p.to_string()));
    (
        (category, platform, price, any::<bool>()),
        (hours.clone(), hours, mode, rating, sort, page),
    )
        .prop_map(
            |((kategori, platform, harga_maks, within), (jam_min, jam_maks, cara, rating_min, urut, hal))| {
                RawCatalogueQuery {
                    q: None,
                    kategori: kategori.map(str::to_owned),
                    platform: platform.map(str::to_owned),
                    harga_maks,
                    dalam_saldo: within.then(|| "1".to_owned()),
                    jam_min,
                    jam_maks,
                    cara: cara.map(str::to_owned),
                    rating_min,
                    urut: urut.map(str::to_owned),
                    hal,
                }
            },
        )
}

#[sqlx::test(migrations = "../migrations")]
async fn the_snapshot_answers_random_searches_as_the_sql_search_does(pool: PgPool) {
    demo(&pool).await;
    lived_in(&pool).await;
    let snapshot = CatalogueSnapshot::build(&pool).await.unwrap();
    assert_eq!(snapshot.len(), 900 - 24, "the hidden trainings are left out");

    let mut runner = TestRunner::deterministic();
    let balances = prop::option::of((50u32..900).prop_map(|k| i64::from(k) * 1000));
    let mut filtered = 0;
    for case in 0..300 {
        let raw = raw_search().new_tree(&mut runner).unwrap().current();
        let balance = balances
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .and_then(app::domain::Rupiah::from_whole);
        let (query, _) = CatalogueQuery::parse(&raw);
        let (from_sql, sql_total) = search::search(&pool, &query, balance).await.unwrap();
        let (from_snapshot, snapshot_total) = snapshot.search(&query, balance);
        assert_eq!(snapshot_total, sql_total, "case {case}: {raw:?} with {balance:?}");
        assert_eq!(from_snapshot, from_sql, "case {case}: {raw:?} with {balance:?}");
        if sql_total < 876 {
            filtered += 1;
        }
    }
    assert!(filtered > 200, "most searches filter something: {filtered}");

    // The comparison: chosen ids in their order, hidden and unknown ones left out.
    let ids = prop::collection::vec(1i32..=905, 1..=4);
    for case in 0..100 {
        let ids = ids.new_tree(&mut runner).unwrap().current();
        let from_sql = search::compare(&pool, &ids).await.unwrap();
        assert_eq!(snapshot.compare(&ids), from_sql, "case {case}: {ids:?}");
    }
}

/// Real queries applicants type, and what the first results must be about: the snapshot's
/// words are matched by stem (Indonesian), as the start of a word, and misspelt.
#[sqlx::test(migrations = "../migrations")]
async fn the_first_results_of_real_queries_are_the_relevant_ones(pool: PgPool) {
    demo(&pool).await;
    let snapshot = CatalogueSnapshot::build(&pool).await.unwrap();
    let cases: &[(&str, &str)] = &[
        ("barista", "barista"),
        ("barsita", "barista"),
        ("kopi", "barista"),
        ("bahasa inggris", "bahasa inggris"),
        ("bahsa ingris", "bahasa inggris"),
        ("inggris untuk wawancara", "wawancara"),
        ("excel", "excel"),
        ("exel", "excel"),
        ("menjahit", "jahit"),
        ("mejahit", "jahit"),
        ("jahit di jakarta", "jahit"),
        ("pemasaran", "pemasaran"),
        ("memasarkan", "pemasaran"),
        ("iklan instagram", "instagram"),
        ("pemrograman web", "web"),
        ("pemrogaman", "pemrograman"),
    ];
    for (typed, about) in cases {
        let raw = RawCatalogueQuery {
            q: Some((*typed).to_owned()),
            ..Default::default()
        };
        let (query, _) = CatalogueQuery::parse(&raw);
        let (page, total) = snapshot.search(&query, None);
        // Beside it, what the SQL search gives (printed for docs/catalogue.md; it ranks its own way).
        let (sql_page, sql_total) = search::search(&pool, &query, None).await.unwrap();
        let first =
            |page: &[app::catalogue::TrainingSummary]| page.first().map(|t| t.title.clone()).unwrap_or_default();
        eprintln!(
            "| {typed} | {total} | {} | {sql_total} | {} |",
            first(&page),
            first(&sql_page)
        );
        assert!(total >= 5, "{typed:?}: only {total} found");
        for training in page.iter().take(5) {
            let text = format!("{} {}", training.title, training.category.label()).to_lowercase();
            assert!(
                text.contains(about),
                "{typed:?}: {:?} ({}) is not about {about:?}",
                training.title,
                training.category.label()
            );
        }
    }
    let nonsense = CatalogueQuery::parse(&RawCatalogueQuery {
        q: Some("qwzx".into()),
        ..Default::default()
    })
    .0;
    assert_eq!(snapshot.search(&nonsense, None).1, 0);
}

/// The browser and the server stem as PostgreSQL's `indonesian` configuration does, on every
/// word of the demo catalogue (its stopwords aside: PostgreSQL's list is longer than ours).
#[sqlx::test(migrations = "../migrations")]
async fn the_stemmer_is_postgresqls_on_every_word_of_the_catalogue(pool: PgPool) {
    demo(&pool).await;
    let stems: Vec<(String, Vec<String>)> = sqlx::query_as(
        "select w, ts_lexize('indonesian_stem', w)
         from (select distinct lower(w) as w
               from trainings, regexp_split_to_table(title || ' ' || description || ' ' || array_to_string(outcomes, ' '),
                                                     '[^[:alnum:]]+') as w
               where w <> '') words",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(stems.len() > 300, "{} words", stems.len());
    let mut compared = 0;
    for (word, postgres) in &stems {
        if let Some(postgres) = postgres.first() {
            assert_eq!(&app::catalogue::words::stem(word), postgres, "{word}");
            compared += 1;
        }
    }
    assert!(compared > 300, "{compared} stems compared");
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A portal process on the test's database, on `port`.
fn portal(pool: &PgPool, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_prakerja"))
        .arg("serve")
        .env("PRAKERJA_ENV", "development")
        .env("DATABASE_URL", support::database_url(pool))
        .env("PRAKERJA_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts")
}

/// The body of `path` from the process on `port` (plain HTTP/1.1), if it answers 200.
async fn fetch(port: u16, path: &str) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

/// The other process's catalogue document, parsed.
async fn document_of(port: u16) -> Option<app::catalogue::document::CatalogueDocument> {
    serde_json::from_str(&fetch(port, "/api/katalog.json").await?).ok()
}

/// Waits until the other process's document satisfies `seen`; how long that took.
async fn seen_within(port: u16, seen: impl Fn(&app::catalogue::document::CatalogueDocument) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if document_of(port).await.as_ref().is_some_and(&seen) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_change_through_one_process_is_seen_by_another_within_a_second(pool: PgPool) {
    demo(&pool).await;
    let port = free_port();
    let _other = portal(&pool, port);
    let started = Instant::now();
    while document_of(port).await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the other process never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let visible = |document: &app::catalogue::document::CatalogueDocument, id: i32| {
        document.trainings().iter().any(|t| t.id == id)
    };

    // Hidden through this process's console: announced by the database.
    let visitor = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&visitor, "admin.katalog", app::operators::OperatorRole::ProgramAdmin).await;
    let id: i32 = sqlx::query_scalar("select min(id) from trainings")
        .fetch_one(&pool)
        .await
        .unwrap();
    admin
        .submit(
            "/api/hide-training",
            &[
                ("training", &id.to_string()),
                ("reason", "Harga jauh di atas harga pasar"),
            ],
            "/operator/katalog",
        )
        .await;
    let hidden = seen_within(port, |document| !visible(document, id)).await;
    eprintln!("hidden through one process, seen by the other after {hidden:?}");
    assert!(hidden < Duration::from_secs(1), "hiding seen after {hidden:?}");
    // And this process shows it at once.
    assert!(visitor
        .another()
        .get("/pelatihan")
        .await
        .body
        .contains("899 pelatihan ditemukan"));

    // A purchase count moved (no notice): caught by the version check.
    let other_id = id + 1;
    sqlx::query("update trainings set purchases = purchases + 7 where id = $1")
        .bind(other_id)
        .execute(&pool)
        .await
        .unwrap();
    let counted = seen_within(port, |document| {
        document
            .trainings()
            .iter()
            .any(|t| t.id == other_id && t.purchases == 7)
    })
    .await;
    eprintln!("purchases moved, seen by the other process after {counted:?}");
    assert!(counted < Duration::from_secs(1), "purchases seen after {counted:?}");

    // The listening connection cut, then a training shown again: the notice is lost, the
    // version check still catches it.
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen%'")
        .execute(&pool)
        .await
        .unwrap();
    app::catalogue::import::unhide(&pool, id, "operator:uji").await.unwrap();
    let shown = seen_within(port, |document| visible(document, id)).await;
    eprintln!("shown again with the listener cut, seen after {shown:?}");
    assert!(shown < Duration::from_secs(1), "showing again seen after {shown:?}");
}
