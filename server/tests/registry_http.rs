//! Verification against the civil-registry simulator on a real socket: every reason the registry
//! can give, the labelled name variants, an outage in the middle of a batch (nobody refused,
//! everyone verified once it is back), and the client's guards (timeouts, retries, a circuit
//! breaker, a cap on calls in flight).

mod support;

use std::{sync::atomic::Ordering, time::Duration};

use app::verification::{
    jobs,
    registry::{CivilRegistry, LifeStatus, RegistryFinding, RegistryUnavailable, Resident},
};
use sqlx::PgPool;
use support::{app_fixtures, *};
use uuid::Uuid;

/// Registers applicant `n` (its own NIK and family card) under `full_name` if given.
async fn register(pool: &PgPool, n: u16, full_name: Option<&str>) -> Uuid {
    let kk = format!("317401010110{:04}", n + 1);
    let mut draft = app_fixtures::draft(n, &kk);
    if let Some(name) = full_name {
        draft.full_name = name.to_owned();
    }
    let application =
        app::signup::SignupApplication::parse(&draft, true, app_fixtures::today()).expect("a valid test application");
    app::signup::db::register(
        pool,
        app_fixtures::account(pool).await,
        Uuid::new_v4(),
        &application,
        app_fixtures::now(),
    )
    .await
    .unwrap();
    sqlx::query_scalar!("select id from applicants where nik = $1", draft.nik)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn resident_of(pool: &PgPool, id: Uuid) -> Resident {
    let nik: String = sqlx::query_scalar!("select nik from applicants where id = $1", id)
        .fetch_one(pool)
        .await
        .unwrap();
    residents_as_registered(pool)
        .await
        .into_iter()
        .find(|r| r.nik == nik)
        .unwrap()
}

async fn decision(pool: &PgPool, id: Uuid) -> (String, Vec<String>) {
    sqlx::query!("select status, reasons from verifications where applicant_id = $1", id)
        .fetch_one(pool)
        .await
        .map(|r| (r.status, r.reasons))
        .unwrap()
}

fn now() -> chrono::DateTime<chrono::Utc> {
    app_fixtures::now()
}

#[sqlx::test(migrations = "../migrations")]
async fn each_registry_finding_has_its_reason(pool: PgPool) {
    // A NIK the synthetic population has nobody for.
    let missing = (100u16..3000)
        .find(|n| {
            let nik = app::domain::Nik::parse(&app_fixtures::draft(*n, "3174010101100001").nik).unwrap();
            server::registry_simulator::Population::default()
                .resident(&nik)
                .is_none()
        })
        .unwrap();
    let ids: Vec<Uuid> = {
        let mut ids = Vec::new();
        for n in 0..8 {
            ids.push(register(&pool, n, None).await);
        }
        ids.push(register(&pool, missing, None).await);
        ids
    };
    let mut residents = Vec::new();
    for (n, id) in ids.iter().enumerate().take(8) {
        let mut resident = resident_of(&pool, *id).await;
        match n {
            1 => resident.life = LifeStatus::Deceased,
            2 => resident.full_name = "Pendaftar Uji Tigo".into(),
            3 => resident.full_name = "Budi Santoso".into(),
            4 => resident.birth_date = resident.birth_date.succ_opt().unwrap(),
            5 => resident.gender = "P".into(),
            6 => resident.family_card = "3174010101109999".into(),
            _ => {}
        }
        residents.push(resident);
    }
    let (_simulator, registry) = registry_knowing(residents).await;
    let report = drain_verifications(&pool, &registry, now()).await;
    assert_eq!((report.decided, report.waiting), (9, 0));

    let rejected = |code: &str| ("ditolak".to_owned(), vec![code.to_owned()]);
    assert_eq!(decision(&pool, ids[0]).await, ("terverifikasi".into(), vec![]));
    assert_eq!(decision(&pool, ids[1]).await, rejected("dukcapil-meninggal"));
    assert_eq!(
        decision(&pool, ids[2]).await,
        ("periksa-manual".into(), vec!["dukcapil-nama-mirip".into()])
    );
    assert_eq!(decision(&pool, ids[3]).await, rejected("dukcapil-nama-beda"));
    assert_eq!(decision(&pool, ids[4]).await, rejected("dukcapil-tanggal-lahir-beda"));
    assert_eq!(decision(&pool, ids[5]).await, rejected("dukcapil-jenis-kelamin-beda"));
    assert_eq!(decision(&pool, ids[6]).await, rejected("dukcapil-kk-beda"));
    assert_eq!(decision(&pool, ids[7]).await, ("terverifikasi".into(), vec![]));
    assert_eq!(decision(&pool, ids[8]).await, rejected("dukcapil-nik-tidak-ada"));

    // Only the case sent to a person keeps the registry's record, for the side-by-side view.
    let kept: Vec<(Uuid, String)> = sqlx::query!("select applicant_id, full_name from registry_records")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.applicant_id, r.full_name))
        .collect();
    assert_eq!(kept, vec![(ids[2], "Pendaftar Uji Tigo".to_owned())]);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_labelled_name_variants_are_decided_as_labelled(pool: PgPool) {
    let mut cases = Vec::new();
    for line in include_str!("../../app/src/domain/name_variants.tsv").lines() {
        let Some((typed, rest)) = line.split_once('\t') else {
            continue;
        };
        let Some((recorded, label)) = rest.split_once('\t') else {
            continue;
        };
        if line.starts_with('#') || app::domain::PersonName::parse(typed).is_err() {
            continue; // the form would not take what was typed
        }
        cases.push((typed.to_owned(), recorded.to_owned(), label.trim().to_owned()));
    }
    assert!(cases.len() >= 40, "most of the list: {}", cases.len());
    let mut residents = Vec::new();
    let mut expected = Vec::new();
    for (n, (typed, recorded, label)) in cases.iter().enumerate() {
        let id = register(&pool, n as u16, Some(typed)).await;
        let mut resident = resident_of(&pool, id).await;
        resident.full_name = recorded.clone();
        residents.push(resident);
        let status = match label.as_str() {
            "same" => "terverifikasi",
            "near" => "periksa-manual",
            "different" => "ditolak",
            other => panic!("label {other:?}"),
        };
        expected.push((id, typed, recorded, status));
    }
    let (_simulator, registry) = registry_knowing(residents).await;
    drain_verifications(&pool, &registry, now()).await;
    for (id, typed, recorded, status) in expected {
        assert_eq!(decision(&pool, id).await.0, status, "{typed:?} against {recorded:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_outage_in_the_middle_of_a_batch_refuses_nobody_and_everyone_is_verified_after_it(pool: PgPool) {
    for n in 0..60 {
        register(&pool, n, None).await;
    }
    let residents = residents_as_registered(&pool).await;
    let (simulator, registry) = registry_with(residents, |settings| settings.max_concurrent = 10).await;
    // Six rounds of ten calls, 50 ms each; the registry goes down during the third.
    simulator.set_latency(Duration::from_millis(50));
    let batch = {
        let pool = pool.clone();
        async move {
            jobs::run_batch(&pool, &registry, now(), 100)
                .await
                .map(|(report, _)| (report, registry))
        }
    };
    let outage = async {
        tokio::time::sleep(Duration::from_millis(120)).await;
        simulator.set_down(true);
    };
    let ((report, registry), ()) = tokio::join!(async { batch.await.unwrap() }, outage);
    assert!(report.decided >= 10 && report.waiting >= 10, "{report:?}");
    assert_eq!(report.decided + report.waiting, 60);
    assert_eq!(
        count(
            &pool,
            "select count(*) from verifications where status <> 'terverifikasi'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from verification_jobs where last_error = 'dukcapil-tidak-tersedia'"
        )
        .await,
        report.waiting as i64,
        "the funnel's count of those waiting for the registry"
    );
    // The breaker stopped calling a registry that was down.
    assert!(registry.counters.refused_by_breaker.load(Ordering::Relaxed) > 0);

    // Back up: after the breaker's cool-down and the jobs' pause, everyone is verified.
    simulator.set_down(false);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let later = now() + chrono::Duration::minutes(11);
    let after = drain_verifications(&pool, &registry, later).await;
    assert_eq!((after.decided, after.waiting), (report.waiting, 0));
    assert_eq!(
        count(
            &pool,
            "select count(*) from verifications where status = 'terverifikasi'"
        )
        .await,
        60
    );
    assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_funnel_shows_those_waiting_for_the_registry(pool: PgPool) {
    for n in 0..3 {
        register(&pool, n, None).await;
    }
    let (simulator, registry) = registry_knowing(residents_as_registered(&pool).await).await;
    simulator.set_down(true);
    let report = drain_verifications(&pool, &registry, now()).await;
    assert_eq!(report.waiting, 3);
    let browser = Browser::new(pool.clone(), now());
    let mut console = signed_in_operator(&browser, "rudi.verif", app::operators::OperatorRole::Verifier).await;
    let funnel = console.get("/operator/corong").await.body;
    assert!(funnel.contains("Di antaranya menunggu Dukcapil"), "{funnel}");
    // The day's row: 3 registered, 3 awaiting checks, 3 of them waiting for the registry.
    assert!(funnel.matches("<td>3</td>").count() >= 3, "{funnel}");
    // Each of them reads that the check waits for the registry, and that nobody is refused for it.
    let email: String =
        sqlx::query_scalar!("select c.email from accounts c join applicants a on a.account_id = c.id limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut applicant = browser.another();
    applicant.sign_in(&email).await;
    let dashboard = applicant.get("/dasbor").await.body;
    assert!(
        dashboard.contains("belum dapat dicocokkan dengan data Dukcapil"),
        "{dashboard}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn workers_racing_decide_each_applicant_once(pool: PgPool) {
    for n in 0..60 {
        register(&pool, n, None).await;
    }
    let (_simulator, registry) = registry_knowing(residents_as_registered(&pool).await).await;
    let registry = std::sync::Arc::new(registry);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (pool, registry) = (pool.clone(), registry.clone());
            tokio::spawn(async move {
                let mut decided = 0;
                loop {
                    let (report, _) = jobs::run_batch(&pool, &*registry, now(), 7).await.unwrap();
                    if report.leased == 0 {
                        return decided;
                    }
                    decided += report.decided;
                }
            })
        })
        .collect();
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(total, 60, "every job was decided by exactly one worker");
    assert_eq!(count(&pool, "select count(*) from verifications").await, 60);
}

#[tokio::test]
async fn a_slow_registry_times_out_and_is_asked_again_a_few_times() {
    let (simulator, registry) = registry_with(vec![], |settings| {
        settings.timeout = Duration::from_millis(100);
        settings.attempts = 3;
    })
    .await;
    simulator.set_latency(Duration::from_millis(400));
    let nik = app_fixtures::draft(1, "3174010101100001").nik;
    assert_eq!(registry.lookup(&nik).await, Err(RegistryUnavailable::Timeout));
    assert_eq!(registry.counters.calls.load(Ordering::Relaxed), 3);
    // Back to speed, the same client gets its answer.
    simulator.set_latency(Duration::ZERO);
    assert!(matches!(
        registry.lookup(&nik).await,
        Ok(RegistryFinding::Found(_)) | Ok(RegistryFinding::NotFound)
    ));
}

#[tokio::test]
async fn transient_errors_are_retried_and_a_refused_key_is_not() {
    let (simulator, registry) = registry_with(vec![], |settings| settings.attempts = 5).await;
    let nik = app_fixtures::draft(1, "3174010101100001").nik;
    // Half the calls fail: five tries get through almost always (1 in 32 does not).
    simulator.set_error_rate(0.5);
    let mut answered = 0;
    for _ in 0..20 {
        answered += usize::from(registry.lookup(&nik).await.is_ok());
    }
    assert!(answered >= 15, "{answered} of 20");
    assert!(
        registry.counters.calls.load(Ordering::Relaxed) > 20,
        "some were asked again"
    );

    let (_, wrong_key) = registry_with(vec![], |settings| settings.api_key = "bukan-kuncinya".into()).await;
    assert_eq!(wrong_key.lookup(&nik).await, Err(RegistryUnavailable::Status(401)));
    assert_eq!(wrong_key.counters.calls.load(Ordering::Relaxed), 1, "not repeated");
}

#[tokio::test]
async fn calls_in_flight_are_capped() {
    let (simulator, registry) = registry_with(vec![], |settings| settings.max_concurrent = 4).await;
    simulator.set_latency(Duration::from_millis(30));
    let niks: Vec<String> = (0..40)
        .map(|n| app_fixtures::draft(n, "3174010101100001").nik)
        .collect();
    let lookups = niks.iter().map(|nik| registry.lookup(nik));
    let answers = futures_util::future::join_all(lookups).await;
    assert!(answers.iter().all(Result::is_ok));
    let peak = simulator.peak_in_flight.load(Ordering::SeqCst);
    assert!((2..=4).contains(&peak), "at most 4 at once, and more than one: {peak}");
}

#[tokio::test]
async fn the_breaker_opens_on_an_outage_and_closes_when_the_registry_is_back() {
    let (simulator, registry) = registry_with(vec![], |settings| {
        settings.attempts = 1;
        settings.breaker_failures = 5;
    })
    .await;
    let nik = app_fixtures::draft(1, "3174010101100001").nik;
    simulator.set_down(true);
    for _ in 0..30 {
        assert!(registry.lookup(&nik).await.is_err());
    }
    assert_eq!(registry.counters.calls.load(Ordering::Relaxed), 5, "no calls once open");
    assert!(registry.is_holding_back());
    simulator.set_down(false);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!registry.is_holding_back());
    assert!(registry.lookup(&nik).await.is_ok(), "the trial call closes it");
    assert!(registry.lookup(&nik).await.is_ok());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_operator_sees_the_answers_beside_the_registrys_masked_as_the_role_allows(pool: PgPool) {
    let id = register(&pool, 2, None).await;
    let mut resident = resident_of(&pool, id).await;
    resident.full_name = "Pendaftar Uji Tigo".into();
    let nik = resident.nik.clone();
    let (_simulator, registry) = registry_knowing(vec![resident]).await;
    drain_verifications(&pool, &registry, now()).await;

    let browser = Browser::new(pool.clone(), now());
    let mut verifier = signed_in_operator(&browser, "rudi.verif", app::operators::OperatorRole::Verifier).await;
    let queue = verifier
        .get("/operator/verifikasi?alasan=dukcapil-nama-mirip")
        .await
        .body;
    assert!(queue.contains("Data pendaftar dan data Dukcapil"), "{queue}");
    assert!(queue.contains("Pendaftar Uji Tiga") && queue.contains("Pendaftar Uji Tigo"));
    assert!(queue.contains("Berbeda") && queue.contains("Sama"));
    assert!(queue.contains(&nik), "a verifier compares the numbers in full");

    let mut admin = signed_in_operator(&browser, "ani.admin", app::operators::OperatorRole::ProgramAdmin).await;
    let queue = admin.get("/operator/verifikasi?alasan=dukcapil-nama-mirip").await.body;
    assert!(queue.contains("Pendaftar Uji Tigo"), "{queue}");
    assert!(!queue.contains(&nik), "a program admin sees the NIK masked");
    assert!(queue.contains(&format!("{}********{}", &nik[..4], &nik[12..])));
}
