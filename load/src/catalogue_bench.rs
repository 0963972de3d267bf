//! The catalogue benchmark: the server-rendered search page at fixed request rates (a realistic
//! mix of searches and filters over the 900-training demo catalogue), and, in the same run, the
//! raw database running the same search queries with pgbench.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::process::Command;

use crate::{
    driver::{self, summarize, HttpClient, Outcome, Sample},
    ms, Error, Options, Portal,
};

/// A catalogue page must answer within this at the 99th percentile to count as held: the
/// search is in memory, so the page's time is rendering (issue 26).
const CATALOGUE_P99: Duration = Duration::from_millis(20);

/// What applicants search for, as URLs (each request takes the next).
const SEARCHES: &[&str] = &[
    "/pelatihan",
    "/pelatihan?q=barista",
    "/pelatihan?q=pemasaran+digital&urut=harga",
    "/pelatihan?kategori=pemrograman-web&urut=harga-per-jam",
    "/pelatihan?kategori=jualan-online&harga_maks=300000",
    "/pelatihan?q=excel&cara=video-mandiri",
    "/pelatihan?urut=populer&hal=3",
    "/pelatihan?platform=pintaria&jam_min=10&jam_maks=20",
];

const MEDIANS: &str = "with medians as (select category_code, percentile_disc(0.5) within group (order by price) as median \
     from trainings where hidden_at is null group by category_code) \
     select t.id, t.title, pr.name as provider, pl.name as platform, t.category_code, t.price, t.hours, t.mode, t.level, \
     t.rating_counts, t.purchases, m.median, coalesce(pr.owned_by_platform = t.platform_code, false), count(*) over () \
     from trainings t join providers pr on pr.id = t.provider_id join platforms pl on pl.code = t.platform_code \
     join medians m on m.category_code = t.category_code where t.hidden_at is null";

/// The same searches as the SQL the portal sends (with the values inline), for pgbench.
fn raw_searches() -> Vec<String> {
    vec![
        format!("{MEDIANS} order by t.purchases desc, t.id limit 20 offset 0;"),
        format!(
            "{MEDIANS} and (t.search @@ websearch_to_tsquery('indonesian', 'barista') or 'barista' <% t.title) \
             order by ts_rank(t.search, websearch_to_tsquery('indonesian', 'barista')) + word_similarity('barista', t.title) desc, \
             t.purchases desc, t.id limit 20 offset 0;"
        ),
        format!(
            "{MEDIANS} and (t.search @@ websearch_to_tsquery('indonesian', 'pemasaran digital') or 'pemasaran digital' <% t.title) \
             order by t.price, t.id limit 20 offset 0;"
        ),
        format!("{MEDIANS} and t.category_code = 'pemrograman-web' order by t.price::numeric / t.hours, t.id limit 20 offset 0;"),
        format!("{MEDIANS} and t.category_code = 'jualan-online' and t.price <= 300000 order by t.purchases desc, t.id limit 20 offset 0;"),
        format!(
            "{MEDIANS} and (t.search @@ websearch_to_tsquery('indonesian', 'excel') or 'excel' <% t.title) and t.mode = 'video-mandiri' \
             order by ts_rank(t.search, websearch_to_tsquery('indonesian', 'excel')) + word_similarity('excel', t.title) desc, \
             t.purchases desc, t.id limit 20 offset 0;"
        ),
        format!("{MEDIANS} order by t.purchases desc, t.id limit 20 offset 40;"),
        format!("{MEDIANS} and t.platform_code = 'pintaria' and t.hours >= 10 and t.hours <= 20 order by t.purchases desc, t.id limit 20 offset 0;"),
    ]
}

async fn get(client: &HttpClient, path: &str) -> Outcome {
    match tokio::time::timeout(Duration::from_secs(10), client.get(path)).await {
        Ok(Ok(answer)) if answer.status == 200 && answer.body.windows(19).any(|w| w == b"pelatihan ditemukan") => {
            Outcome::Acknowledged
        }
        Ok(Ok(answer)) if answer.status == 503 => Outcome::ToldToWait,
        _ => Outcome::Failed,
    }
}

/// Requests the searches in turn, `rate` a second for `duration`, open loop.
async fn drive(client: &HttpClient, rate: u32, duration: Duration) -> Vec<Sample> {
    let total = (f64::from(rate) * duration.as_secs_f64()) as u64;
    let samples = Arc::new(Mutex::new(Vec::with_capacity(total as usize)));
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (client, samples) = (client.clone(), samples.clone());
        tasks.spawn(async move {
            let sender_lag = due.elapsed();
            let outcome = get(&client, SEARCHES[i as usize % SEARCHES.len()]).await;
            let sample = Sample {
                due: due - start,
                latency: due.elapsed(),
                sender_lag,
                outcome,
                applicant: i,
            };
            samples.lock().unwrap_or_else(|e| e.into_inner()).push(sample);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    samples
}

/// The WASM the catalogue page has the browser download, as the portal serves it: the main
/// module every page shares, and the lazily loaded module of the island that filters and
/// compares in the page (named in the build's split manifest).
async fn report_wasm(client: &HttpClient) -> Result<(), Error> {
    let page = client.get("/pelatihan").await.map_err(|e| e.to_string())?;
    let page = String::from_utf8_lossy(&page.body);
    // The stylesheet's link names the build's directory; the module is beside it.
    let pkg = page
        .split('"')
        .find(|part| part.starts_with("/pkg/") && part.ends_with("/prakerja.css"))
        .ok_or("the catalogue page names no bundle")?
        .trim_end_matches("/prakerja.css");
    let main = format!("{pkg}/prakerja.wasm");
    let manifest = client
        .get(&format!("{pkg}/__wasm_split_manifest.json"))
        .await
        .map_err(|e| e.to_string())?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.body)?;
    let island: Vec<String> = manifest
        .as_object()
        .and_then(|splits| splits.iter().find(|(name, _)| name.contains("instant_catalogue")))
        .and_then(|(_, modules)| modules.as_array())
        .ok_or("the split manifest has no module for the catalogue island")?
        .iter()
        .filter_map(|module| module.as_str().map(|stem| format!("{pkg}/{stem}.wasm")))
        .collect();
    println!("\nWASM of the catalogue and in-page comparison, as served (KB):\n");
    println!("| module | raw | gzip | brotli |");
    println!("|---|---:|---:|---:|");
    let kb = |bytes: usize| format!("{:.1}", bytes as f64 / 1024.0);
    let mut totals = [0usize; 3];
    let files = std::iter::once((main, "main module, every page")).chain(
        island
            .into_iter()
            .map(|path| (path, "catalogue island, fetched after the page works")),
    );
    for (path, role) in files {
        let mut sizes = [0usize; 3];
        for (size, encoding) in sizes.iter_mut().zip(["identity", "gzip", "br"]) {
            let answer = client
                .get_with(&path, &format!("Accept-Encoding: {encoding}\r\n"))
                .await
                .map_err(|e| e.to_string())?;
            if answer.status != 200 {
                return Err(format!("{path}: status {}", answer.status).into());
            }
            *size = answer.body.len();
        }
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        let name = path.rsplit('/').next().unwrap_or(&path);
        println!(
            "| {name} ({role}) | {} | {} | {} |",
            kb(sizes[0]),
            kb(sizes[1]),
            kb(sizes[2])
        );
    }
    println!("| total | {} | {} | {} |", kb(totals[0]), kb(totals[1]), kb(totals[2]));
    Ok(())
}

pub async fn run(options: &Options) -> Result<(), Error> {
    let seconds: u64 = options.number("step-seconds", 10)?;
    let rates: Vec<u32> = options
        .get("rates")
        .unwrap_or("500,1000,2000,3000,4000,5000,6000")
        .split(',')
        .map(|r| r.trim().parse())
        .collect::<Result<_, _>>()?;
    let portal = Portal::start(options).await?;
    let loaded = Command::new(&portal.server_bin)
        .args(["catalogue", "seed-demo"])
        .envs(portal.env.iter().cloned())
        .status()
        .await?;
    if !loaded.success() {
        return Err("loading the demo catalogue failed".into());
    }
    sqlx::query("vacuum analyze trainings, providers, platforms")
        .execute(&portal.pool)
        .await?;
    let client = driver::client(&portal.base);
    println!("warming up…");
    drive(&client, 50, Duration::from_secs(3)).await;
    report_wasm(&client).await?;

    println!(
        "\nThe catalogue page, server-rendered ({} searches in turn):\n",
        SEARCHES.len()
    );
    println!("| offered/s | achieved/s | p50 ms | p99 ms | p99.9 ms | failed | told to wait |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut held = 0;
    for rate in rates {
        let started = Instant::now();
        let samples = drive(&client, rate, Duration::from_secs(seconds)).await;
        let elapsed = started.elapsed();
        let s = summarize(&samples);
        println!(
            "| {rate} | {:.0} | {} | {} | {} | {} | {} |",
            s.acknowledged as f64 / elapsed.as_secs_f64(),
            ms(s.p50),
            ms(s.p99),
            ms(s.p999),
            s.failed,
            s.told_to_wait
        );
        if s.p99 < CATALOGUE_P99 && s.failed == 0 && s.told_to_wait == 0 {
            held = held.max(rate);
        } else if s.p99 > Duration::from_secs(2) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "\nHighest rate held (p99 < {} ms, no errors): {held} searches/s",
        CATALOGUE_P99.as_millis()
    );
    drop(client);

    drop(portal);
    let raw = pgbench_searches(options).await?;
    println!(
        "Raw database (pgbench, the same {} search queries, 2 clients): {raw:.0} searches/s",
        SEARCHES.len()
    );
    if raw > 0.0 {
        println!("Ratio portal/raw: {:.2}", f64::from(held) / raw);
    }
    Ok(())
}

async fn pgbench_searches(options: &Options) -> Result<f64, Error> {
    let pgbench = options.get("pgbench")?;
    let url = options.get("database-url")?;
    let mut command = Command::new(pgbench);
    command.args(["-n", "-c", "2", "-j", "2", "-T", "10"]);
    let dir = std::env::temp_dir();
    for (n, sql) in raw_searches().iter().enumerate() {
        let path = dir.join(format!("prakerja-pgbench-search-{n}.sql"));
        std::fs::write(&path, sql)?;
        command.arg("-f").arg(&path);
    }
    let output = command.arg(url).output().await?;
    crate::tps_of(&output)
}
