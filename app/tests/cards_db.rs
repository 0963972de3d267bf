//! Cards and purchases against a real PostgreSQL: the balance never goes negative, a retried
//! purchase charges once, and cards without a first purchase in time are revoked.
#![cfg(feature = "ssr")]

mod support;

use app::{
    cards::{
        db::{issue_card, purchase, remind_unused_cards, revoke_overdue_cards, NewCard},
        PurchaseOutcome,
    },
    domain::Rupiah,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use support::count;
use uuid::Uuid;

fn accepted_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 3, 0, 0).unwrap()
}

fn rupiah(amount: i64) -> Rupiah {
    Rupiah::from_whole(amount).unwrap()
}

/// An applicant, straight into the tables (the signup path has tests of its own).
async fn applicant(pool: &PgPool, n: u32) -> Uuid {
    support::inserted_applicant(pool, n, "TEST").await.1
}

async fn wave(pool: &PgPool) -> i32 {
    sqlx::query_scalar(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, seed_source)
         values ('Gelombang Uji', now() - interval '30 days', now() - interval '20 days', now(), 10, 1000000,
                 'Sumber seed uji.')
         on conflict (name) do update set name = excluded.name
         returning id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// `count` visible trainings at `price` each; returns their ids.
async fn trainings(pool: &PgPool, count: usize, price: i64) -> Vec<i32> {
    let provider: i32 = sqlx::query_scalar("insert into providers (name) values ('Lembaga Uji') returning id")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..count {
        let id: i32 = sqlx::query_scalar(
            "insert into trainings (platform_code, platform_course_id, provider_id, category_code, title, description,
                                    price, hours, mode, level, outcomes, created_at, updated_at)
             values ('pintaria', $1, $2, 'barista', $3, 'Pelatihan uji.', $4, 10, 'video-mandiri', 'pemula',
                     '{Membuat kopi}', now(), now())
             returning id",
        )
        .bind(format!("UJI-{n}"))
        .bind(provider)
        .bind(format!("Pelatihan Barista {n}"))
        .bind(price)
        .fetch_one(pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

async fn card(pool: &PgPool, n: u32, balance: i64) -> Uuid {
    let applicant_id = applicant(pool, n).await;
    let wave_id = wave(pool).await;
    let mut conn = pool.acquire().await.unwrap();
    issue_card(
        &mut conn,
        &NewCard {
            applicant_id,
            wave_id,
            balance: rupiah(balance),
            accepted_at: accepted_at(),
            first_purchase_due_at: accepted_at() + Duration::days(30),
        },
    )
    .await
    .unwrap()
}

/// A purchase under a new idempotency key: a new request, not a retry.
async fn buy(pool: &PgPool, card: Uuid, training: i32, at: DateTime<Utc>) -> PurchaseOutcome {
    purchase(pool, card, training, Uuid::new_v4(), at).await.unwrap()
}

async fn balance(pool: &PgPool, card: Uuid) -> i64 {
    sqlx::query_scalar("select balance from cards where id = $1")
        .bind(card)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn fifty_purchases_at_once_never_overdraw_the_balance(pool: PgPool) {
    let card = card(&pool, 1, 1_000_000).await;
    // Fifty different trainings at Rp150.000: the balance covers six of them.
    let trainings = trainings(&pool, 50, 150_000).await;
    let now = accepted_at() + Duration::days(1);
    let attempts: Vec<_> = trainings
        .iter()
        .map(|&training| {
            let pool = pool.clone();
            tokio::spawn(async move { buy(&pool, card, training, now).await })
        })
        .collect();
    let mut bought = 0;
    let mut refused = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            PurchaseOutcome::Bought(_) => bought += 1,
            PurchaseOutcome::NotEnoughBalance { price, .. } => {
                assert_eq!(price, rupiah(150_000));
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((bought, refused), (6, 44));
    assert_eq!(balance(&pool, card).await, 100_000);
    assert_eq!(count(&pool, "select count(*) from purchases").await, 6);
    assert_eq!(
        count(&pool, "select coalesce(sum(purchases), 0) from trainings").await,
        6
    );
    assert_eq!(
        count(&pool, "select count(distinct voucher_code) from purchases").await,
        6
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retried_purchase_charges_once(pool: PgPool) {
    let card = card(&pool, 1, 1_000_000).await;
    let training = trainings(&pool, 1, 400_000).await[0];
    let now = accepted_at() + Duration::days(1);
    let key = Uuid::new_v4();
    // A double click and a replay after a dropped connection: the same key, sent at once.
    let replays: Vec<_> = (0..10)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { purchase(&pool, card, training, key, now).await.unwrap() })
        })
        .collect();
    let mut vouchers = std::collections::HashSet::new();
    for replay in replays {
        match replay.await.unwrap() {
            PurchaseOutcome::Bought(purchase) => {
                vouchers.insert(purchase.voucher_code);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(vouchers.len(), 1, "every answer names the same voucher");
    assert_eq!(balance(&pool, card).await, 600_000);
    assert_eq!(count(&pool, "select count(*) from purchases").await, 1);

    // The same training again with a new request is not a second purchase.
    let again = buy(&pool, card, training, now).await;
    assert!(matches!(again, PurchaseOutcome::AlreadyBought(_)), "{again:?}");
    assert_eq!(balance(&pool, card).await, 600_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_itself_refuses_a_negative_balance(pool: PgPool) {
    let card = card(&pool, 1, 100_000).await;
    let error = sqlx::query("update cards set balance = balance - 100001 where id = $1")
        .bind(card)
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("check constraint"), "{error}");
}

#[sqlx::test(migrations = "../migrations")]
async fn hidden_trainings_cannot_be_bought(pool: PgPool) {
    let card = card(&pool, 1, 1_000_000).await;
    let training = trainings(&pool, 1, 100_000).await[0];
    sqlx::query("update trainings set hidden_at = now(), hidden_reason = 'Harga tidak wajar' where id = $1")
        .bind(training)
        .execute(&pool)
        .await
        .unwrap();
    let outcome = buy(&pool, card, training, accepted_at() + Duration::days(1)).await;
    assert_eq!(outcome, PurchaseOutcome::TrainingUnavailable);
    assert_eq!(balance(&pool, card).await, 1_000_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn cards_without_a_first_purchase_in_time_are_revoked_and_their_balance_returned(pool: PgPool) {
    let idle = card(&pool, 1, 1_000_000).await;
    let buyer = card(&pool, 2, 1_000_000).await;
    let training = trainings(&pool, 2, 250_000).await;
    let day = |days: i64| accepted_at() + Duration::days(days);
    assert!(matches!(
        buy(&pool, buyer, training[0], day(29)).await,
        PurchaseOutcome::Bought(_)
    ));

    // Not yet due: nothing happens.
    assert!(revoke_overdue_cards(&pool, day(29)).await.unwrap().is_empty());
    // Past due: the idle card is revoked with its whole balance; the buyer keeps theirs.
    let revoked = revoke_overdue_cards(&pool, day(31)).await.unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].card_id, idle);
    assert_eq!(revoked[0].returned_balance, rupiah(1_000_000));
    assert_eq!(balance(&pool, idle).await, 0);
    assert_eq!(balance(&pool, buyer).await, 750_000);
    // Running the job again changes nothing.
    assert!(revoke_overdue_cards(&pool, day(32)).await.unwrap().is_empty());

    // A revoked card buys nothing; the buyer may go on buying after the deadline.
    let late = buy(&pool, idle, training[1], day(32)).await;
    assert_eq!(late, PurchaseOutcome::CardRevoked);
    assert!(matches!(
        buy(&pool, buyer, training[1], day(40)).await,
        PurchaseOutcome::Bought(_)
    ));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_first_purchase_after_the_deadline_is_refused_even_before_the_job_runs(pool: PgPool) {
    let card = card(&pool, 1, 1_000_000).await;
    let training = trainings(&pool, 1, 100_000).await[0];
    let outcome = buy(&pool, card, training, accepted_at() + Duration::days(31)).await;
    assert_eq!(outcome, PurchaseOutcome::CardRevoked);
    assert_eq!(balance(&pool, card).await, 1_000_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn issuing_a_card_twice_keeps_the_first(pool: PgPool) {
    let applicant_id = applicant(&pool, 1).await;
    let wave_id = wave(&pool).await;
    let new_card = NewCard {
        applicant_id,
        wave_id,
        balance: rupiah(1_000_000),
        accepted_at: accepted_at(),
        first_purchase_due_at: accepted_at() + Duration::days(30),
    };
    let mut conn = pool.acquire().await.unwrap();
    let first = issue_card(&mut conn, &new_card).await.unwrap();
    let second = issue_card(&mut conn, &new_card).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(count(&pool, "select count(*) from cards").await, 1);
    let number: String = sqlx::query_scalar("select card_number from cards")
        .fetch_one(&pool)
        .await
        .unwrap();
    let digits: Vec<u8> = number.bytes().map(|b| b - b'0').collect();
    let first_fifteen: [u8; 15] = digits[..15].try_into().unwrap();
    assert_eq!(app::cards::luhn_check_digit(&first_fifteen), digits[15], "{number}");
}

/// The reminders' subjects sent to `email`, oldest first.
async fn reminders_to(pool: &PgPool, email: &str) -> Vec<String> {
    sqlx::query_scalar("select subject from outbox_messages where recipient = $1 order by id")
        .bind(email)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn holders_of_unused_cards_are_reminded_seven_and_two_days_before_once_each(pool: PgPool) {
    card(&pool, 1, 1_000_000).await;
    let buyer = card(&pool, 2, 1_000_000).await;
    let training = trainings(&pool, 1, 250_000).await;
    buy(&pool, buyer, training[0], accepted_at() + Duration::days(1)).await;
    let at = |days: i64| accepted_at() + Duration::days(days) + Duration::hours(1);
    let url = "https://prakerja.example";

    assert_eq!(
        remind_unused_cards(&pool, at(20), url).await.unwrap(),
        0,
        "ten days left"
    );
    assert_eq!(
        remind_unused_cards(&pool, at(23), url).await.unwrap(),
        1,
        "the idle card, not the buyer's"
    );
    assert_eq!(remind_unused_cards(&pool, at(24), url).await.unwrap(), 0, "once");
    assert_eq!(remind_unused_cards(&pool, at(28), url).await.unwrap(), 1);
    assert_eq!(remind_unused_cards(&pool, at(29), url).await.unwrap(), 0);
    assert_eq!(
        reminders_to(&pool, "pendaftar1@contoh.id").await,
        [
            "Kartu Prakerja Anda dicabut 7 hari lagi bila belum dipakai",
            "Kartu Prakerja Anda dicabut 2 hari lagi bila belum dipakai"
        ]
    );
    assert!(reminders_to(&pool, "pendaftar2@contoh.id").await.is_empty());
    let body: String = sqlx::query_scalar("select body from outbox_messages order by id limit 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(body.contains("Rp1.000.000"), "{body}");
    assert!(body.contains("https://prakerja.example/pelatihan"), "{body}");
    // Past due: revoked, and nothing more is sent.
    revoke_overdue_cards(&pool, at(31)).await.unwrap();
    assert_eq!(remind_unused_cards(&pool, at(31), url).await.unwrap(), 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_card_first_seen_two_days_before_gets_only_the_last_reminder(pool: PgPool) {
    card(&pool, 1, 1_000_000).await;
    let at = accepted_at() + Duration::days(29);
    assert_eq!(
        remind_unused_cards(&pool, at, "https://prakerja.example")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        reminders_to(&pool, "pendaftar1@contoh.id").await,
        ["Kartu Prakerja Anda dicabut 2 hari lagi bila belum dipakai"]
    );
}
