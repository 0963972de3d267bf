//! Waves and the draw against a real PostgreSQL: joining, the seed's rules, the close
//! (idempotent, atomic, the cards queued with it and issued by the job after it, once each),
//! outcomes with reasons, the published files agreeing with the verifier, and notifications
//! queued once, after the cards.
#![cfg(feature = "ssr")]

mod support;

use app::{
    error::AppError,
    waves::{
        db::{self, ClosePhase, CloseRefusal, PublishedFile, SeedError, TierError},
        FailedCheck, JoinOutcome, NewWave, NewWaveForm, NikList, SeedValue, TierName, WaveStanding,
    },
};
use chrono::{DateTime, TimeZone, Utc};
use futures_util::StreamExt;
use sqlx::PgPool;
use uuid::Uuid;

const SEED: &str = "putaran drand 5000000: 2f1e";

fn wib(day: u32, hour: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(2027, 1, day, hour, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Joining is open from 4 January 08:00 to 7 January 16:00 WIB.
fn during_joining() -> DateTime<Utc> {
    wib(5, 10)
}

fn after_joining() -> DateTime<Utc> {
    wib(8, 9)
}

async fn create_wave(pool: &PgPool, name: &str, quota: u32) -> i32 {
    let wave = NewWave::parse(&NewWaveForm {
        name: name.into(),
        join_opens: "2027-01-04T08:00".into(),
        join_closes: "2027-01-07T16:00".into(),
        quota: quota.to_string(),
        balance: "1000000".into(),
        first_purchase_days: "30".into(),
        test_carries_over: Some("ya".into()),
        seed_source: "Putaran drand 5.000.000, diumumkan 8 Januari 2027".into(),
    })
    .unwrap();
    db::create(pool, &wave, "operator:uji", wib(1, 9))
        .await
        .unwrap()
        .unwrap()
}

/// A registered applicant (straight into the tables: signup has tests of its own), verified and
/// with a passed test unless told otherwise. Returns (account, NIK).
async fn applicant(pool: &PgPool, n: u32, verified: bool, passed: bool) -> (Uuid, String) {
    let (account, id, nik) = support::inserted_applicant(pool, n, "WAVE").await;
    let status = if verified { "terverifikasi" } else { "periksa-manual" };
    let reasons: Vec<&str> = if verified {
        vec![]
    } else {
        vec!["tanggal-lahir-perlu-dicek"]
    };
    sqlx::query("insert into verifications (applicant_id, status, reasons, decided_at) values ($1, $2, $3, now())")
        .bind(id)
        .bind(status)
        .bind(&reasons)
        .execute(pool)
        .await
        .unwrap();
    let test_wave: i32 = sqlx::query_scalar(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, seed_source)
         values ('Gelombang Tes', '2026-12-01', '2026-12-20', '2026-11-30', 10, 1000000, 'Tidak diundi (uji).')
         on conflict (name) do update set name = excluded.name returning id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into test_attempts (id, applicant_id, wave_id, question_ids, started_at, deadline_at, finished_at,
                                    ability_score, ability_total, pass_mark, passed)
         values ($1, $2, $3, array_fill(1, array[18]), '2026-12-02', '2026-12-03', '2026-12-02 00:20', 10, 14, 7, $4)",
    )
    .bind(Uuid::new_v4())
    .bind(id)
    .bind(test_wave)
    .bind(passed)
    .execute(pool)
    .await
    .unwrap();
    (account, nik)
}

async fn count(pool: &PgPool, sql: &str, wave: i32) -> i64 {
    sqlx::query_scalar(sql).bind(wave).fetch_one(pool).await.unwrap()
}

/// How many of the wave's entries have an outcome: a rank in the draw, or a failed check.
async fn entries_with_an_outcome(pool: &PgPool, wave: i32) -> i64 {
    count(
        pool,
        "select (select coalesce(sum(cardinality(draw_ids)), 0) from wave_rank_blocks where wave_id = $1)::bigint
                 + (select count(*) from wave_ineligible where wave_id = $1)",
        wave,
    )
    .await
}

/// The cards the wave issued: the initial balance and the balance of each.
async fn cards_issued(pool: &PgPool, wave: i32) -> Vec<(i64, i64)> {
    sqlx::query_as("select initial_balance, balance from cards where wave_id = $1")
        .bind(wave)
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn card_numbers(pool: &PgPool, wave: i32) -> Vec<String> {
    sqlx::query_scalar("select card_number from cards where wave_id = $1 order by 1")
        .bind(wave)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// One notification worker: sends outcomes seven at a time until a pass sends none; how many
/// it sent.
async fn notify_until_none_left(pool: &PgPool) -> u64 {
    let mut sent = 0;
    loop {
        match db::notify_outcomes(pool, 7).await.unwrap() {
            0 => return sent,
            n => sent += n,
        }
    }
}

fn seed() -> SeedValue {
    SeedValue::parse(SEED).unwrap()
}

async fn operator(pool: &PgPool) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into operators (id, username, display_name, role, password_hash, created_at)
         values ($1, 'admin.gelombang', 'Admin Uji', 'admin-program', '$argon2id$uji', now())",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn downloaded(pool: &PgPool, wave: i32, file: PublishedFile) -> Vec<u8> {
    let mut stream = Box::pin(db::published_file(pool, wave, file).await.unwrap().expect("drawn"));
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend(chunk.unwrap());
    }
    bytes
}

async fn close(pool: &PgPool, wave: i32) -> db::Closed {
    db::close(pool, wave, "operator:uji", after_joining(), &mut |_| Ok(()))
        .await
        .unwrap()
        .unwrap()
}

/// The cards closes queued and the job has not issued, by wave.
async fn pending(pool: &PgPool) -> Vec<(i32, i64)> {
    db::pending_cards(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn only_verified_applicants_who_passed_join_and_joining_twice_keeps_one_entry(pool: PgPool) {
    let wave = create_wave(&pool, "Gelombang 1", 10).await;
    let (ready, _) = applicant(&pool, 1, true, true).await;
    let (unverified, _) = applicant(&pool, 2, false, true).await;
    let (failed, _) = applicant(&pool, 3, true, false).await;

    assert_eq!(
        db::join(&pool, ready, wave, wib(3, 9)).await.unwrap(),
        JoinOutcome::NotOpen,
        "before the window"
    );
    assert!(matches!(
        db::join(&pool, ready, wave, during_joining()).await.unwrap(),
        JoinOutcome::Joined { .. }
    ));
    assert!(matches!(
        db::join(&pool, ready, wave, during_joining()).await.unwrap(),
        JoinOutcome::AlreadyJoined { .. }
    ));
    assert_eq!(
        count(&pool, "select count(*) from wave_entries where wave_id = $1", wave).await,
        1
    );
    assert_eq!(
        db::join(&pool, unverified, wave, during_joining()).await.unwrap(),
        JoinOutcome::NotVerified
    );
    assert_eq!(
        db::join(&pool, failed, wave, during_joining()).await.unwrap(),
        JoinOutcome::TestNotPassed
    );
    assert_eq!(
        db::join(&pool, failed, wave, after_joining()).await.unwrap(),
        JoinOutcome::NotOpen
    );

    // The dashboard offers the wave to whoever may join, and shows the draw id once joined.
    let (other, _) = applicant(&pool, 4, true, true).await;
    let panel = db::standing(&pool, other, during_joining()).await.unwrap();
    assert_eq!(panel.joinable.len(), 1);
    let panel = db::standing(&pool, ready, during_joining()).await.unwrap();
    assert!(panel.joinable.is_empty());
    let WaveStanding::Joined { draw_id, .. } = panel.standing else {
        panic!("{panel:?}")
    };
    assert!(draw::DrawId::parse(&draw_id).is_ok());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_seed_comes_after_joining_once_and_freezes_the_priority_lists(pool: PgPool) {
    let wave = create_wave(&pool, "Gelombang 1", 10).await;
    let admin = operator(&pool).await;
    let list = NikList::parse("3201011708950001").unwrap();
    let tier = TierName::parse("Korban PHK").unwrap();
    assert_eq!(
        db::add_tier(&pool, wave, &tier, &list, "operator:uji").await.unwrap(),
        Ok((1, 1))
    );
    assert_eq!(
        db::add_tier(&pool, wave, &tier, &list, "operator:uji").await.unwrap(),
        Err(TierError::NameTaken)
    );
    assert_eq!(
        db::close(&pool, wave, "operator:uji", during_joining(), &mut |_| Ok(()))
            .await
            .unwrap(),
        Err(CloseRefusal::JoiningOpen)
    );
    assert_eq!(
        db::close(&pool, wave, "operator:uji", after_joining(), &mut |_| Ok(()))
            .await
            .unwrap(),
        Err(CloseRefusal::NoSeed)
    );
    assert_eq!(
        db::enter_seed(&pool, wave, &seed(), admin, "operator:uji", during_joining())
            .await
            .unwrap(),
        Err(SeedError::JoiningOpen)
    );
    assert_eq!(
        db::enter_seed(&pool, wave, &seed(), admin, "operator:uji", after_joining())
            .await
            .unwrap(),
        Ok(())
    );
    let other = SeedValue::parse("another value").unwrap();
    assert_eq!(
        db::enter_seed(&pool, wave, &other, admin, "operator:uji", after_joining())
            .await
            .unwrap(),
        Err(SeedError::AlreadyEntered)
    );
    let later = TierName::parse("Terlambat").unwrap();
    assert_eq!(
        db::add_tier(&pool, wave, &later, &list, "operator:uji").await.unwrap(),
        Err(TierError::SeedEntered)
    );
    let audited: Vec<String> =
        sqlx::query_scalar("select action from audit_log where action like 'waves.%' order by id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(audited, ["waves.create", "waves.add_tier", "waves.enter_seed"]);
}

/// 30 joined: #1-#3 on a priority list; by the close #4 is on the exclusion list, #5 no longer
/// verified, and #6 got a card from another wave. Quota 10.
/// A card given to an applicant outside any close, as the cards feature does.
async fn card_by_hand(pool: &PgPool, applicant: Uuid, wave: i32, balance: i64, accepted_at: DateTime<Utc>) {
    let mut conn = pool.acquire().await.unwrap();
    app::cards::db::issue_card(
        &mut conn,
        &app::cards::db::NewCard {
            applicant_id: applicant,
            wave_id: wave,
            balance: app::domain::Rupiah::from_whole(balance).unwrap(),
            accepted_at,
            first_purchase_due_at: wib(30, 9),
        },
    )
    .await
    .unwrap();
}

async fn drawn_wave(pool: &PgPool) -> (i32, Vec<(Uuid, String)>) {
    let wave = create_wave(pool, "Gelombang 1", 10).await;
    let admin = operator(pool).await;
    let mut people = Vec::new();
    for n in 1..=30 {
        let person = applicant(pool, n, true, true).await;
        assert!(matches!(
            db::join(pool, person.0, wave, during_joining()).await.unwrap(),
            JoinOutcome::Joined { .. }
        ));
        people.push(person);
    }
    let list = NikList::parse(&people[..3].iter().map(|p| p.1.clone()).collect::<Vec<_>>().join("\n")).unwrap();
    db::add_tier(
        pool,
        wave,
        &TierName::parse("Korban PHK").unwrap(),
        &list,
        "operator:uji",
    )
    .await
    .unwrap()
    .unwrap();
    sqlx::query("insert into exclusions (nik, category, source, imported_at) values ($1, 'asn', 'uji', now())")
        .bind(&people[3].1)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "update verifications set status = 'periksa-manual', reasons = '{tanggal-lahir-perlu-dicek}'
         where applicant_id = (select id from applicants where nik = $1)",
    )
    .bind(&people[4].1)
    .execute(pool)
    .await
    .unwrap();
    let other_wave: i32 = sqlx::query_scalar("select id from waves where name = 'Gelombang Tes'")
        .fetch_one(pool)
        .await
        .unwrap();
    let sixth: Uuid = sqlx::query_scalar("select id from applicants where nik = $1")
        .bind(&people[5].1)
        .fetch_one(pool)
        .await
        .unwrap();
    card_by_hand(pool, sixth, other_wave, 1_000_000, wib(6, 9)).await;
    db::enter_seed(pool, wave, &seed(), admin, "operator:uji", after_joining())
        .await
        .unwrap()
        .unwrap();
    (wave, people)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_close_rechecks_eligibility_fills_priority_first_and_gives_the_selected_cards(pool: PgPool) {
    let (wave, people) = drawn_wave(&pool).await;
    let closed = close(&pool, wave).await;
    assert!(!closed.earlier);
    assert_eq!((closed.pool_size, closed.selected, closed.ineligible), (27, 10, 3));
    assert_eq!(entries_with_an_outcome(&pool, wave).await, 30);
    // The close committed the decision; the cards wait for the job, and the selected are told so.
    assert!(cards_issued(&pool, wave).await.is_empty());
    assert_eq!(pending(&pool).await, [(wave, 10)]);
    let panel = db::standing(&pool, people[0].0, after_joining()).await.unwrap();
    assert!(
        matches!(panel.standing, WaveStanding::SelectedCardComing { rank, .. } if rank <= 3),
        "{panel:?}"
    );
    assert_eq!(db::issue_pending_cards(&pool).await.unwrap(), 10);
    assert!(pending(&pool).await.is_empty());
    assert_eq!(cards_issued(&pool, wave).await, [(1_000_000, 1_000_000); 10]);

    // The priority list is served first: all three are selected, with ranks 1-3.
    for (account, _) in &people[..3] {
        let panel = db::standing(&pool, *account, after_joining()).await.unwrap();
        let WaveStanding::Selected {
            rank,
            masked_card_number,
            balance,
            ..
        } = panel.standing
        else {
            panic!("{panel:?}")
        };
        assert!(rank <= 3);
        assert!(masked_card_number.starts_with("•••• •••• ••••"));
        assert_eq!(balance.whole(), 1_000_000);
    }
    let outcome = |n: usize| {
        let pool = pool.clone();
        let account = people[n].0;
        async move { db::standing(&pool, account, after_joining()).await.unwrap().standing }
    };
    assert!(matches!(
        outcome(3).await,
        WaveStanding::NotEligible {
            check: FailedCheck::Excluded,
            ..
        }
    ));
    assert!(matches!(
        outcome(4).await,
        WaveStanding::NotEligible {
            check: FailedCheck::NotVerified,
            ..
        }
    ));
    assert!(matches!(
        outcome(5).await,
        WaveStanding::NotEligible {
            check: FailedCheck::AlreadyParticipant,
            ..
        }
    ));
    let mut selected = 0;
    let mut not_selected = 0;
    for n in 6..30 {
        match outcome(n).await {
            WaveStanding::Selected { rank, .. } => {
                assert!((4..=10).contains(&rank));
                selected += 1;
            }
            WaveStanding::NotSelected {
                rank,
                cut_off,
                pool_size,
                ..
            } => {
                assert!(rank > 10 && rank <= 27);
                assert_eq!((cut_off, pool_size), (10, 27));
                not_selected += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((selected, not_selected), (7, 17));
    // Selected applicants are participants now: no wave offers itself to them.
    assert!(db::standing(&pool, people[0].0, after_joining())
        .await
        .unwrap()
        .joinable
        .is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_published_files_are_what_the_verifier_recomputes(pool: PgPool) {
    let (wave, _) = drawn_wave(&pool).await;
    let closed = close(&pool, wave).await;
    let pool_file = String::from_utf8(downloaded(&pool, wave, PublishedFile::Pool).await).unwrap();
    let result_file = downloaded(&pool, wave, PublishedFile::Result).await;
    assert_eq!(pool_file.lines().count(), 1 + 27);
    let found = draw::verify(&pool_file, SEED, 10, Some(&result_file)).unwrap();
    assert_eq!(found.pool_digest.to_string(), closed.pool_digest);
    assert_eq!(found.result_digest.to_string(), closed.result_digest);
    assert_eq!(found.result_matches(), Some(true));
    // Tier 1 has the three on the priority list; the general tier is 2.
    assert_eq!(found.tier_counts.values().copied().collect::<Vec<_>>(), [3, 24]);
    // Every rank stored is the verifier's rank.
    let stored: Vec<(i64, i32)> = sqlx::query_as(
        "select u.d, u.r from wave_rank_blocks b, unnest(b.draw_ids, b.ranks) as u (d, r) where b.wave_id = $1",
    )
    .bind(wave)
    .fetch_all(&pool)
    .await
    .unwrap();
    for (draw_id, rank) in stored {
        let id = draw::DrawId::from_i64(draw_id).unwrap();
        assert_eq!(found.ranking.rank_of(id), Some(rank as u64));
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn closing_twice_changes_nothing(pool: PgPool) {
    let (wave, _) = drawn_wave(&pool).await;
    let first = close(&pool, wave).await;
    assert_eq!(db::issue_pending_cards(&pool).await.unwrap(), 10);
    let cards = card_numbers(&pool, wave).await;
    let again = close(&pool, wave).await;
    assert!(pending(&pool).await.is_empty(), "no cards queued again");
    assert_eq!(db::issue_pending_cards(&pool).await.unwrap(), 0);
    assert!(again.earlier);
    assert_eq!(
        (again.pool_digest.clone(), again.result_digest.clone()),
        (first.pool_digest, first.result_digest)
    );
    assert_eq!(card_numbers(&pool, wave).await, cards);
    assert_eq!(entries_with_an_outcome(&pool, wave).await, 30);
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_log where action = 'waves.draw' and $1 = $1",
            wave
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_close_that_fails_half_way_leaves_no_half_drawn_wave(pool: PgPool) {
    let (wave, _) = drawn_wave(&pool).await;
    // The outcomes are written and the cards queued when the failure comes.
    let mut seen = Vec::new();
    let failed = db::close(&pool, wave, "operator:uji", after_joining(), &mut |phase| {
        seen.push(phase);
        if phase == ClosePhase::Digests {
            Err(AppError::internal("the server died here"))
        } else {
            Ok(())
        }
    })
    .await;
    assert!(failed.is_err());
    assert_eq!(
        seen,
        [
            ClosePhase::Freeze,
            ClosePhase::Rank,
            ClosePhase::WriteOutcomes,
            ClosePhase::QueueCards,
            ClosePhase::Digests
        ]
    );
    assert_eq!(entries_with_an_outcome(&pool, wave).await, 0);
    assert!(cards_issued(&pool, wave).await.is_empty());
    assert!(pending(&pool).await.is_empty());
    assert_eq!(
        count(
            &pool,
            "select count(*) from waves where id = $1 and drawn_at is null",
            wave
        )
        .await,
        1
    );
    // The next close does the whole draw, and its result is the verifier's.
    let closed = close(&pool, wave).await;
    assert!(!closed.earlier);
    let pool_file = String::from_utf8(downloaded(&pool, wave, PublishedFile::Pool).await).unwrap();
    assert_eq!(
        draw::verify(&pool_file, SEED, 10, None)
            .unwrap()
            .result_digest
            .to_string(),
        closed.result_digest
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn everyone_is_told_their_outcome_once_even_with_two_workers(pool: PgPool) {
    let (wave, people) = drawn_wave(&pool).await;
    close(&pool, wave).await;
    // The email says the card is active: none leaves before the cards are issued.
    assert_eq!(notify_until_none_left(&pool).await, 0);
    db::issue_pending_cards(&pool).await.unwrap();
    let (a, b) = tokio::join!(notify_until_none_left(&pool), notify_until_none_left(&pool));
    // `skip locked`: a worker that finds the wave busy stops; whatever is left, the other sends.
    let total = a + b + notify_until_none_left(&pool).await;
    assert_eq!(total, 30);
    let per_person: Vec<(String, i64)> =
        sqlx::query_as("select recipient, count(*) from outbox_messages group by recipient order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(per_person.len(), people.len());
    assert!(per_person.iter().all(|(_, n)| *n == 1));
    let excluded: String =
        sqlx::query_scalar("select body from outbox_messages where recipient = 'pendaftar4@contoh.id'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(excluded.contains("Termasuk daftar pengecualian"), "{excluded}");
    let bodies: Vec<String> = sqlx::query_scalar("select body from outbox_messages")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        bodies.iter().all(|b| !b.contains("3201011708950")),
        "no NIK in a message"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_card_workers_issue_each_selected_one_card_and_pass_over_a_card_given_by_hand(pool: PgPool) {
    let (wave, _) = drawn_wave(&pool).await;
    close(&pool, wave).await;
    // Between the close and the job, one of the selected gets a card by hand.
    let by_hand: Uuid = sqlx::query_scalar("select holders[1] from wave_pending_cards where wave_id = $1")
        .bind(wave)
        .fetch_one(&pool)
        .await
        .unwrap();
    card_by_hand(&pool, by_hand, wave, 500_000, wib(8, 10)).await;
    let (a, b) = tokio::join!(db::issue_pending_cards(&pool), db::issue_pending_cards(&pool));
    assert_eq!(a.unwrap() + b.unwrap(), 9);
    let holders: Vec<(Uuid, i64)> =
        sqlx::query_as("select applicant_id, count(*) from cards where wave_id = $1 group by 1")
            .bind(wave)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(holders.len(), 10);
    assert!(holders.iter().all(|(_, n)| *n == 1));
    let kept: i64 = sqlx::query_scalar("select initial_balance from cards where applicant_id = $1")
        .bind(by_hand)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, 500_000, "the card given by hand is kept");
    // Every selected applicant holds a card; nobody else does.
    let selected_without_card: i64 = sqlx::query_scalar(
        "select count(*) from wave_result_blocks b, unnest(b.draw_ids) as d (draw_id)
         join wave_entries e on e.draw_id = d.draw_id
         where b.wave_id = $1 and e.wave_id = $1
           and not exists (select 1 from cards c where c.applicant_id = e.applicant_id)",
    )
    .bind(wave)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(selected_without_card, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_close_issues_the_cards_an_earlier_close_left_pending_before_it_freezes(pool: PgPool) {
    let (first_wave, people) = drawn_wave(&pool).await;
    // The same people joined a second wave, closing at the same time.
    let second_wave = create_wave(&pool, "Gelombang 2", 30).await;
    for (account, _) in &people[6..] {
        assert!(matches!(
            db::join(&pool, *account, second_wave, during_joining()).await.unwrap(),
            JoinOutcome::Joined { .. }
        ));
    }
    let admin: Uuid = sqlx::query_scalar("select id from operators where username = 'admin.gelombang'")
        .fetch_one(&pool)
        .await
        .unwrap();
    db::enter_seed(&pool, second_wave, &seed(), admin, "operator:uji", after_joining())
        .await
        .unwrap()
        .unwrap();
    close(&pool, first_wave).await;
    let selected_in_first: i64 = count(
        &pool,
        "select count(*) from wave_pending_cards p, unnest(p.holders) as h (id)
         join applicants a on a.id = h.id join accounts c on c.id = a.account_id
         where p.wave_id = $1",
        first_wave,
    )
    .await;
    let second = close(&pool, second_wave).await;
    // The first wave's cards were issued inside the second close, which saw them: the selected
    // of the first wave are participants already, not in the second wave's pool.
    assert_eq!(cards_issued(&pool, first_wave).await.len(), 10);
    assert_eq!(pending(&pool).await, [(second_wave, second.selected)]);
    let already: i64 = count(
        &pool,
        "select count(*) from wave_ineligible where wave_id = $1 and failed_check = 'sudah-peserta'",
        second_wave,
    )
    .await;
    let first_selected_in_second: i64 = count(
        &pool,
        "select count(*) from cards c join wave_entries e on e.applicant_id = c.applicant_id
         where e.wave_id = $1 and c.wave_id <> $1",
        second_wave,
    )
    .await;
    assert!(selected_in_first == 10 && first_selected_in_second > 0);
    assert_eq!(already, first_selected_in_second);
    db::issue_pending_cards(&pool).await.unwrap();
    let twice: i64 =
        sqlx::query_scalar("select count(*) from (select applicant_id from cards group by 1 having count(*) > 1) t")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(twice, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_card_refers_to_a_wave_and_an_applicant_that_exist_and_keeps_them(pool: PgPool) {
    let wave = create_wave(&pool, "Gelombang 1", 10).await;
    let mut holders = Vec::new();
    for n in [1, 2] {
        let (account, _) = applicant(&pool, n, true, true).await;
        let id: Uuid = sqlx::query_scalar("select id from applicants where account_id = $1")
            .bind(account)
            .fetch_one(&pool)
            .await
            .unwrap();
        holders.push(id);
    }
    let insert = |applicant: Uuid, wave_id: i32| {
        sqlx::query(
            "insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                                first_purchase_due_at)
             values ($1, $2, $3, '8000100000000017', 1000000, 1000000, now(), now() + interval '30 days')",
        )
        .bind(Uuid::now_v7())
        .bind(applicant)
        .bind(wave_id)
        .execute(&pool)
    };
    let foreign_key_violation = |result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>| match result {
        Err(sqlx::Error::Database(error)) => error.code().as_deref() == Some("23503"),
        _ => false,
    };
    assert!(
        foreign_key_violation(insert(holders[0], wave + 1000).await),
        "no such wave"
    );
    assert!(
        foreign_key_violation(insert(Uuid::now_v7(), wave).await),
        "no such applicant"
    );
    insert(holders[0], wave).await.unwrap();
    let other: i32 = sqlx::query_scalar("select id from waves where name = 'Gelombang Tes'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(sqlx::query("update cards set wave_id = $1")
        .bind(other)
        .execute(&pool)
        .await
        .is_err());
    assert!(sqlx::query("update cards set applicant_id = $1")
        .bind(holders[1])
        .execute(&pool)
        .await
        .is_err());
    assert!(sqlx::query("delete from waves where id = $1")
        .bind(wave)
        .execute(&pool)
        .await
        .is_err());
    let delete_applicant = |id: Uuid| {
        sqlx::query("delete from applicants where id = $1")
            .bind(id)
            .execute(&pool)
    };
    assert!(
        foreign_key_violation(delete_applicant(holders[0]).await),
        "the holder of a card stays"
    );
    // An applicant without a card may still go (the signup undoes its own rows this way).
    delete_applicant(holders[1]).await.unwrap();
}
