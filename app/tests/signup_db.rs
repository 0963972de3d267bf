//! Signup rules as the database enforces them, under concurrency, on a real PostgreSQL.
#![cfg(feature = "ssr")]

mod support;

use app::signup::{
    db::{self, Registration},
    SignupApplication, SignupDraft,
};
use chrono::Utc;
use sqlx::PgPool;
use support::{account, application, count, now, register_for_new_account};
use uuid::Uuid;

/// What the queue decided for a signup by a known account (never "signed out").
fn decided(outcome: app::signup::queue::SignupOutcome) -> Registration {
    match outcome {
        app::signup::queue::SignupOutcome::Decided { registration, .. } => registration,
        other => panic!("a known account came back {other:?}"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_registered_nik_is_refused_for_another_account(pool: PgPool) {
    let first = register_for_new_account(&pool, &application(1, "3174010101100001")).await;
    assert!(matches!(first, Registration::Registered { .. }));
    let second = register_for_new_account(&pool, &application(1, "3174010101100002")).await;
    assert_eq!(second, Registration::NikTaken);
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_signups_with_one_nik_register_exactly_once(pool: PgPool) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let pool = pool.clone();
        let account = account(&pool).await;
        let kk = format!("31740101011000{:02}", i + 10);
        tasks.push(tokio::spawn(async move {
            db::register(&pool, account, Uuid::new_v4(), &application(7, &kk), now()).await
        }));
    }
    let mut registered = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Registration::Registered { .. } => registered += 1,
            Registration::NikTaken => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(registered, 1);
    assert_eq!(count(&pool, "select count(*) from nik_claims").await, 1);
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn at_most_two_niks_per_family_card_under_concurrent_signups(pool: PgPool) {
    let mut tasks = Vec::new();
    for n in 0..10u16 {
        let pool = pool.clone();
        let account = account(&pool).await;
        tasks.push(tokio::spawn(async move {
            db::register(
                &pool,
                account,
                Uuid::new_v4(),
                &application(n, "3174010101100009"),
                now(),
            )
            .await
        }));
    }
    let (mut registered, mut full) = (0, 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Registration::Registered { .. } => registered += 1,
            Registration::FamilyCardFull => full += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((registered, full), (2, 8));
    assert_eq!(
        count(
            &pool,
            "select count(*) from family_card_slots where kk = '3174010101100009'"
        )
        .await,
        2
    );
    assert_eq!(
        count(&pool, "select count(*) from applicants").await,
        2,
        "refused signups leave nothing behind"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_refuses_a_third_slot_whatever_the_code_does(pool: PgPool) {
    register_for_new_account(&pool, &application(1, "3174010101100003")).await;
    let third = sqlx::query(
        "insert into family_card_slots (kk, slot, applicant_id) values ('3174010101100003', 3, gen_random_uuid())",
    )
    .execute(&pool)
    .await;
    assert!(third.is_err(), "slot 3 violates the check constraint");
}

#[sqlx::test(migrations = "../migrations")]
async fn replays_of_one_submission_create_one_applicant(pool: PgPool) {
    let account = account(&pool).await;
    let key = Uuid::new_v4();
    let application = application(3, "3174010101100004");
    // Ten replays at once (a double click, a retry after a dropped connection, an offline queue).
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (pool, application) = (pool.clone(), application.clone());
        tasks.push(tokio::spawn(async move {
            db::register(&pool, account, key, &application, now()).await
        }));
    }
    let mut references = Vec::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Registration::Registered { reference } => references.push(reference),
            other => panic!("unexpected {other:?}"),
        }
    }
    references.dedup();
    assert_eq!(references.len(), 1, "every replay answers with the same reference");
    assert_eq!(count(&pool, "select count(*) from applicants").await, 1);
    assert_eq!(
        db::completed_submission(&pool, key, account).await.unwrap(),
        Some(references[0].clone())
    );

    // A new submission (new key) from the same account is told it is already registered.
    let again = db::register(&pool, account, Uuid::new_v4(), &application, now())
        .await
        .unwrap();
    assert_eq!(
        again,
        Registration::AlreadyRegistered {
            reference: references[0].clone()
        }
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_submission_can_be_retried_with_its_key(pool: PgPool) {
    let taken = register_for_new_account(&pool, &application(5, "3174010101100005")).await;
    assert!(matches!(taken, Registration::Registered { .. }));
    let account = account(&pool).await;
    let key = Uuid::new_v4();
    assert_eq!(
        db::register(&pool, account, key, &application(5, "3174010101100006"), now())
            .await
            .unwrap(),
        Registration::NikTaken
    );
    // The refused attempt rolled back entirely, key included: the corrected form goes through.
    let corrected = db::register(&pool, account, key, &application(6, "3174010101100006"), now())
        .await
        .unwrap();
    assert!(matches!(corrected, Registration::Registered { .. }));
}

#[sqlx::test(migrations = "../migrations")]
async fn drafts_round_trip_and_are_removed_on_registration(pool: PgPool) {
    let account = account(&pool).await;
    let draft = SignupDraft {
        nik: "  3174 0101 ".into(),
        interests: vec!["barista".into()],
        ..Default::default()
    };
    db::save_draft(&pool, account, &draft, now()).await.unwrap();
    assert_eq!(
        db::load_draft(&pool, account).await.unwrap(),
        draft,
        "kept exactly as typed"
    );
    db::register(
        &pool,
        account,
        Uuid::new_v4(),
        &application(2, "3174010101100007"),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(db::load_draft(&pool, account).await.unwrap(), SignupDraft::default());
}

mod queue {
    //! Signups registered in batches (group commit) follow the same rules.
    use std::sync::Arc;

    use app::signup::queue::{Signer, SignupQueue};

    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn a_rush_through_the_queue_follows_every_rule(pool: PgPool) {
        let queue = SignupQueue::start(pool.clone(), 3, 16);
        let mut tasks = Vec::new();
        // 60 applicants: NIK n shared by two accounts for n < 10; ten family cards of three for 21 ≤ n < 51.
        for n in 0..60u16 {
            let kk = if (21..51).contains(&n) {
                format!("31740101011{:05}", 100 + n / 3)
            } else {
                format!("31740101022{:05}", n + 1)
            };
            let nik_owner = if n < 10 { vec![n, n] } else { vec![n] };
            for same_nik in nik_owner {
                let (queue, pool, kk) = (queue.clone(), pool.clone(), kk.clone());
                tasks.push(tokio::spawn(async move {
                    let account = account(&pool).await;
                    let key = Uuid::new_v4();
                    // Every applicant double-clicks: the same key twice.
                    let (first, second) = tokio::join!(
                        queue.register(Signer::Account(account), key, application(same_nik, &kk), now()),
                        queue.register(Signer::Account(account), key, application(same_nik, &kk), now()),
                    );
                    (same_nik, decided(first.unwrap()), decided(second.unwrap()))
                }));
            }
        }
        let mut registered = 0;
        let (mut nik_taken, mut card_full) = (0, 0);
        for task in tasks {
            let (_, first, second) = task.await.unwrap();
            match (&first, &second) {
                (Registration::Registered { reference: a }, Registration::Registered { reference: b }) => {
                    assert_eq!(a, b, "a double click answers with one reference");
                    registered += 1;
                }
                (Registration::NikTaken, Registration::NikTaken) => nik_taken += 1,
                (Registration::FamilyCardFull, Registration::FamilyCardFull) => card_full += 1,
                other => panic!("a double click answered differently: {other:?}"),
            }
        }
        assert_eq!(nik_taken, 10, "the second account with each shared NIK is refused");
        assert_eq!(card_full, 10, "the third member of each family card is refused");
        assert_eq!(registered, 60 - 10);
        assert_eq!(count(&pool, "select count(*) from applicants").await, 50);
        assert_eq!(count(&pool, "select count(*) from nik_claims").await, 50);
        assert_eq!(count(&pool, "select count(*) from idempotency_keys").await, 50);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_signup_that_breaks_its_batch_does_not_take_the_others_down(pool: PgPool) {
        let queue: Arc<SignupQueue> = SignupQueue::start(pool.clone(), 1, 64);
        let mut tasks = Vec::new();
        for n in 0..20u16 {
            let (queue, pool) = (queue.clone(), pool.clone());
            tasks.push(tokio::spawn(async move {
                // Applicant 7 has no account: its row violates a foreign key and fails the statement.
                let account = if n == 7 { Uuid::new_v4() } else { account(&pool).await };
                (
                    n,
                    queue
                        .register(
                            Signer::Account(account),
                            Uuid::new_v4(),
                            application(n, &format!("317401010330{:04}", n + 1)),
                            now(),
                        )
                        .await
                        .map(decided),
                )
            }));
        }
        for task in tasks {
            match task.await.unwrap() {
                (7, outcome) => assert!(outcome.is_err(), "the broken signup fails on its own"),
                (_, outcome) => assert!(matches!(outcome, Ok(Registration::Registered { .. })), "{outcome:?}"),
            }
        }
        assert_eq!(count(&pool, "select count(*) from applicants").await, 19);
    }
}

mod queue_under_contention {
    //! Family members registering at the same moment, in batches committing side by side.
    use app::signup::queue::{Signer, SignupQueue};

    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn batches_sharing_family_cards_never_wait_for_a_deadlock(pool: PgPool) {
        const CARDS: u16 = 8;
        const GROUPS: u16 = 12;
        let queue = SignupQueue::start(pool.clone(), 4, CARDS as usize);
        // Accounts first, so the signups reach the queue in exactly the order below.
        let mut accounts = Vec::new();
        for _ in 0..2 * CARDS * GROUPS {
            accounts.push(account(&pool).await);
        }
        // For each group of cards, one batch holds the first family members in ascending card
        // order and the next batch the second members in descending order: without a common
        // order the two batches take each other's cards crosswise and deadlock.
        let mut order = Vec::new();
        for group in 0..GROUPS {
            let cards = group * CARDS..(group + 1) * CARDS;
            order.extend(cards.clone().map(|card| (card, 0)));
            order.extend(cards.rev().map(|card| (card, 1)));
        }
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for (card, member) in order {
            let n = card * 2 + member;
            let account = accounts[n as usize];
            let kk = format!("31740101044{:05}", card + 1);
            let queue = queue.clone();
            tasks.push(tokio::spawn(async move {
                decided(
                    queue
                        .register(Signer::Account(account), Uuid::new_v4(), application(n, &kk), now())
                        .await
                        .unwrap(),
                )
            }));
        }
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Registration::Registered { .. }));
        }
        let elapsed = started.elapsed();
        assert_eq!(
            count(&pool, "select count(*) from family_card_slots").await,
            2 * (CARDS * GROUPS) as i64
        );
        // Each deadlock costs a full second (deadlock_timeout) before the fallback.
        assert!(elapsed < std::time::Duration::from_millis(900), "{elapsed:?}");
    }
}

mod session_in_the_batch {
    //! The final signup hands the queue its session token hash; the batch finds the account.
    use app::signup::queue::{Signer, SignupOutcome, SignupQueue};

    use super::*;

    /// A session for `account` (or a signed-out one), valid until `expires_at`.
    async fn session(pool: &PgPool, account: Option<Uuid>, expires_at: chrono::DateTime<Utc>) -> Vec<u8> {
        let token_hash = Uuid::new_v4().as_bytes().repeat(2);
        sqlx::query!(
            "insert into sessions (token_hash, account_id, created_at, expires_at) values ($1, $2, $3, $4)",
            &token_hash,
            account,
            now() - chrono::Duration::hours(1),
            expires_at,
        )
        .execute(pool)
        .await
        .unwrap();
        token_hash
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_live_session_registers_its_own_account_and_no_other(pool: PgPool) {
        let queue = SignupQueue::start(pool.clone(), 1, 8);
        let (alice, bob) = (account(&pool).await, account(&pool).await);
        let alices = session(&pool, Some(alice), now() + chrono::Duration::hours(1)).await;
        let bobs = session(&pool, Some(bob), now() + chrono::Duration::hours(1)).await;
        let kk = "3174010103300099";
        let (first, second) = tokio::join!(
            queue.register(Signer::Session(alices), Uuid::new_v4(), application(1, kk), now()),
            queue.register(Signer::Session(bobs), Uuid::new_v4(), application(2, kk), now()),
        );
        for (outcome, owner) in [(first.unwrap(), alice), (second.unwrap(), bob)] {
            match outcome {
                SignupOutcome::Decided {
                    account_id,
                    registration: Registration::Registered { .. },
                } => assert_eq!(account_id, owner),
                other => panic!("{other:?}"),
            }
        }
        let owners: Vec<Uuid> = sqlx::query_scalar!("select account_id from applicants order by nik")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(owners, vec![alice, bob]);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn an_expired_unknown_or_anonymous_session_registers_nothing(pool: PgPool) {
        let queue = SignupQueue::start(pool.clone(), 1, 8);
        let alice = account(&pool).await;
        let expired = session(&pool, Some(alice), now() - chrono::Duration::seconds(1)).await;
        let anonymous = session(&pool, None, now() + chrono::Duration::hours(1)).await;
        let unknown = vec![7u8; 32];
        for (n, token_hash) in [expired, anonymous, unknown].into_iter().enumerate() {
            let outcome = queue
                .register(
                    Signer::Session(token_hash),
                    Uuid::new_v4(),
                    application(n as u16, "3174010103300098"),
                    now(),
                )
                .await
                .unwrap();
            assert_eq!(outcome, SignupOutcome::SignedOut);
        }
        assert_eq!(count(&pool, "select count(*) from applicants").await, 0);
        assert_eq!(count(&pool, "select count(*) from idempotency_keys").await, 0);
    }
}

mod batch_inserted_together {
    //! `register_signups` inserts the usual signups of a batch together and decides the unusual
    //! ones one at a time; either way each answer lands at its signup's position.
    use super::*;

    /// One signup of a batch: account, key, NIK number, family card.
    #[derive(Clone, Copy)]
    struct Row {
        account: Uuid,
        key: Uuid,
        n: u16,
        kk: &'static str,
    }

    impl Row {
        /// A signup under a new idempotency key.
        fn new(account: Uuid, n: u16, kk: &'static str) -> Row {
            Row {
                account,
                key: Uuid::new_v4(),
                n,
                kk,
            }
        }
    }

    /// Calls the database function directly, so the batch is exactly `rows`.
    async fn register_signups(executor: impl sqlx::PgExecutor<'_>, rows: &[Row]) -> Vec<(String, Option<Uuid>)> {
        let applications: Vec<SignupApplication> = rows.iter().map(|r| application(r.n, r.kk)).collect();
        let column = |f: fn(&SignupApplication) -> String| applications.iter().map(f).collect::<Vec<String>>();
        let none: Vec<Option<Vec<u8>>> = rows.iter().map(|_| None).collect();
        sqlx::query!(
            r#"select outcome as "outcome!", account_id from register_signups(
                   $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"#,
            &rows.iter().map(|r| r.key).collect::<Vec<_>>(),
            &rows.iter().map(|r| Some(r.account)).collect::<Vec<_>>() as &[Option<Uuid>],
            &none as &[Option<Vec<u8>>],
            &rows.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
            &rows.iter().map(|_| db::new_reference()).collect::<Vec<_>>(),
            &column(|a| a.nik.as_str().to_owned()),
            &column(|a| a.kk.as_str().to_owned()),
            &column(|a| a.full_name.as_str().to_owned()),
            &applications.iter().map(|a| a.birth_date.date()).collect::<Vec<_>>(),
            &column(|a| a.gender.code().to_owned()),
            &column(|a| a.birth_place.as_str().to_owned()),
            &column(|a| a.province.code().to_owned()),
            &column(|a| a.city.as_str().to_owned()),
            &column(|a| a.mobile.as_str().to_owned()),
            &column(|a| a.education.code().to_owned()),
            &column(|a| a.employment.code().to_owned()),
            &column(|a| a.interests.codes().join(",")),
            &rows.iter().map(|_| now()).collect::<Vec<_>>(),
        )
        .fetch_all(executor)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.outcome, r.account_id))
        .collect()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn usual_and_unusual_signups_in_one_batch_each_get_their_own_answer(pool: PgPool) {
        let mut accounts = Vec::new();
        for _ in 0..9 {
            accounts.push(account(&pool).await);
        }
        // Already in the database: applicant 0 (whose submission is replayed), NIK 1, and both
        // members of family card …0002.
        let applicant_0 = Row::new(accounts[0], 0, "3174010105500001");
        let before = [
            applicant_0,
            Row::new(accounts[1], 1, "3174010105500009"),
            Row::new(accounts[2], 2, "3174010105500002"),
            Row::new(accounts[3], 3, "3174010105500002"),
        ];
        let first = register_signups(&pool, &before).await;
        assert!(first.iter().all(|(outcome, _)| outcome == "registered"), "{first:?}");

        let batch = [
            Row::new(accounts[4], 4, "3174010105500003"),
            // A replay of applicant 0's submission: the same key.
            applicant_0,
            // NIK 1 again, for another account.
            Row::new(accounts[5], 1, "3174010105500004"),
            // A third member of family card …0002.
            Row::new(accounts[6], 6, "3174010105500002"),
            // The second member of applicant 4's family card, in the same batch.
            Row::new(accounts[7], 7, "3174010105500003"),
            Row::new(accounts[8], 8, "3174010105500005"),
        ];
        let outcomes: Vec<String> = register_signups(&pool, &batch)
            .await
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        assert_eq!(
            outcomes,
            [
                "registered",
                "registered",
                "nik-taken",
                "family-card-full",
                "registered",
                "registered"
            ]
        );
        assert_eq!(count(&pool, "select count(*) from applicants").await, 7);
        assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 7);
        assert_eq!(
            count(
                &pool,
                "select count(*) from family_card_slots where kk = '3174010105500003'"
            )
            .await,
            2
        );
    }

    /// Another app server's batch has registered applicant `n` on family card `kk` for a new
    /// account but not committed yet; meanwhile a batch of `rows` cannot see it, tries to insert
    /// with the others and waits on the index. The other batch then commits; the answers of
    /// `rows` come back.
    async fn beside_an_uncommitted_signup(pool: &PgPool, n: u16, kk: &'static str, rows: Vec<Row>) -> Vec<String> {
        let other = Row::new(account(pool).await, n, kk);
        let mut beside = pool.begin().await.unwrap();
        register_signups(&mut *beside, &[other]).await;
        let batch = tokio::spawn({
            let pool = pool.clone();
            async move { register_signups(&pool, &rows).await }
        });
        for _ in 0..100 {
            let waiting = count(
                pool,
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
            )
            .await;
            if waiting > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        beside.commit().await.unwrap();
        batch.await.unwrap().into_iter().map(|(outcome, _)| outcome).collect()
    }

    /// Three signups of new accounts, NIKs 0-2, on the given family cards.
    async fn three_signups(pool: &PgPool, kks: [&'static str; 3]) -> Vec<Row> {
        let mut rows = Vec::new();
        for (n, kk) in kks.into_iter().enumerate() {
            rows.push(Row::new(account(pool).await, n as u16, kk));
        }
        rows
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_claim_committed_while_the_batch_inserts_sends_it_one_at_a_time(pool: PgPool) {
        let rows = three_signups(&pool, ["3174010105600001", "3174010105600002", "3174010105600003"]).await;
        // The other server is registering NIK 2.
        let outcomes = beside_an_uncommitted_signup(&pool, 2, "3174010105600009", rows).await;
        assert_eq!(outcomes, ["registered", "registered", "nik-taken"]);
        assert_eq!(count(&pool, "select count(*) from applicants").await, 3);
        assert_eq!(count(&pool, "select count(*) from idempotency_keys").await, 3);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_family_member_committed_beside_the_batch_leaves_it_the_other_slot(pool: PgPool) {
        let rows = three_signups(&pool, ["3174010105700001", "3174010105700002", "3174010105700003"]).await;
        // The other server is registering a family member on card …0002.
        let outcomes = beside_an_uncommitted_signup(&pool, 3, "3174010105700002", rows).await;
        assert_eq!(outcomes, ["registered", "registered", "registered"]);
        let slots: Vec<i16> =
            sqlx::query_scalar!("select slot from family_card_slots where kk = '3174010105700002' order by slot")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(slots, [1, 2], "the batch's member took the second slot");
        assert_eq!(count(&pool, "select count(*) from applicants").await, 4);
        assert_eq!(count(&pool, "select count(*) from nik_claims").await, 4);
        assert_eq!(count(&pool, "select count(*) from idempotency_keys").await, 4);
        assert_eq!(count(&pool, "select count(*) from verification_jobs").await, 4);
    }
}

/// Of the functions the migrations made, only those the code calls are left (besides the
/// triggers' own): the signup's batch (`register_signups`), its one-at-a-time path for the
/// unusual signups (`register_applicant`), and the catalogue's `rating_mean`.
#[sqlx::test(migrations = "../migrations")]
async fn only_the_sql_functions_in_use_are_kept(pool: PgPool) {
    let names: Vec<String> = sqlx::query_scalar(
        "select p.proname::text from pg_proc p
           join pg_namespace n on n.oid = p.pronamespace
           left join pg_depend extension on extension.objid = p.oid and extension.deptype = 'e'
          where n.nspname = 'public' and extension.objid is null and p.prorettype <> 'trigger'::regtype
          order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(names, ["rating_mean", "register_applicant", "register_signups"]);
}
