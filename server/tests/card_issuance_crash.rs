//! The cards of a close are issued by a job after it, a block per transaction. Here the portal
//! process is killed (SIGKILL) in the middle of a block's transaction, with a block issued
//! before it and blocks still pending after it; a new process finishes the work, and every
//! selected applicant has exactly one card.

mod support;

use std::time::Duration;

use sqlx::PgPool;
use tokio::process::{Child, Command};

const WAVE: &str = "Gelombang Uji Mogok";
const APPLICANTS: &str = "15000";
/// Four blocks of 4,096 (the last one short).
const QUOTA: &str = "13000";

fn prakerja(pool: &PgPool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prakerja"));
    command
        .env("PRAKERJA_ENV", "development")
        .env("DATABASE_URL", support::database_url(pool))
        .env("PRAKERJA_OPERATOR_PASSWORD", "kata sandi uji mogok")
        .env("RUST_LOG", "error")
        .kill_on_drop(true);
    command
}

async fn run(pool: &PgPool, args: &[&str]) {
    let output = prakerja(pool).args(args).output().await.expect("the command runs");
    assert!(
        output.status.success(),
        "prakerja {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A portal process on the test's database: its background jobs issue the queued cards.
fn portal(pool: &PgPool) -> Child {
    prakerja(pool)
        .arg("serve")
        .env("PRAKERJA_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
        .spawn()
        .expect("the server binary starts")
}

async fn scalar(pool: &PgPool, sql: &str, wave: i32) -> i64 {
    sqlx::query_scalar(sql).bind(wave).fetch_one(pool).await.unwrap()
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "waited a minute for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_portal_killed_while_issuing_cards_leaves_each_selected_applicant_one_card(pool: PgPool) {
    run(
        &pool,
        &[
            "operator",
            "create",
            "--username",
            "admin.mogok",
            "--name",
            "Admin Mogok",
            "--role",
            "admin-program",
        ],
    )
    .await;
    run(
        &pool,
        &[
            "wave",
            "create",
            "--name",
            WAVE,
            "--opens",
            "2020-01-06T08:00",
            "--closes",
            "2020-01-09T16:00",
            "--quota",
            QUOTA,
            "--seed-source",
            "Uji: nilai tetap.",
        ],
    )
    .await;
    run(
        &pool,
        &["wave", "synthetic-pool", "--wave", WAVE, "--applicants", APPLICANTS],
    )
    .await;
    run(&pool, &["wave", "seed", "--wave", WAVE, "--seed", "uji mogok"]).await;
    run(&pool, &["wave", "close", "--wave", WAVE]).await;
    let wave: i32 = sqlx::query_scalar("select id from waves where name = $1")
        .bind(WAVE)
        .fetch_one(&pool)
        .await
        .unwrap();
    let selected = scalar(&pool, "select selected_count::bigint from waves where id = $1", wave).await;
    assert_eq!(selected, 13_000);
    let blocks = scalar(
        &pool,
        "select count(*) from wave_pending_cards where wave_id = $1",
        wave,
    )
    .await;
    assert_eq!(blocks, 4);
    assert_eq!(
        scalar(&pool, "select count(*) from cards where wave_id = $1", wave).await,
        0
    );

    // An uncommitted card for a holder of the second block: the job's insert of that block
    // waits on the unique index, in the middle of its transaction, until this one ends.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query(
        "insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
                            first_purchase_due_at)
         select gen_random_uuid(), holders[2], wave_id, '9999999999999995', 0, 0, now(), now() + interval '1 day'
         from wave_pending_cards where wave_id = $1 and first_sequence = 4097",
    )
    .bind(wave)
    .execute(&mut *blocker)
    .await
    .unwrap();

    let mut first = portal(&pool);
    wait_for("the first block to be issued and the second to wait", async || {
        let issued = scalar(&pool, "select count(*) from cards where wave_id = $1", wave).await;
        let waiting = scalar(
            &pool,
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and $1 = $1",
            wave,
        )
        .await;
        issued == 4096 && waiting == 1
    })
    .await;
    first.kill().await.unwrap();
    blocker.rollback().await.unwrap();

    // The killed process's block rolled back: one block issued, three pending.
    wait_for("the killed process's transaction to end", async || {
        scalar(
            &pool,
            "select count(*) from pg_stat_activity where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid() and $1 = $1",
            wave,
        )
        .await
            == 0
    })
    .await;
    assert_eq!(
        scalar(&pool, "select count(*) from cards where wave_id = $1", wave).await,
        4096
    );
    assert_eq!(
        scalar(
            &pool,
            "select count(*) from wave_pending_cards where wave_id = $1",
            wave
        )
        .await,
        3
    );

    let _second = portal(&pool);
    wait_for("the rest of the cards", async || {
        scalar(
            &pool,
            "select count(*) from wave_pending_cards where wave_id = $1",
            wave,
        )
        .await
            == 0
    })
    .await;
    assert_eq!(
        scalar(&pool, "select count(*) from cards where wave_id = $1", wave).await,
        selected
    );
    assert_eq!(
        scalar(
            &pool,
            "select count(distinct applicant_id) from cards where wave_id = $1",
            wave
        )
        .await,
        selected
    );
    // Exactly the selected: every applicant of the result holds one.
    let selected_with_a_card = scalar(
        &pool,
        "select count(*) from wave_result_blocks b, unnest(b.draw_ids) as d (draw_id)
         join wave_entries e on e.draw_id = d.draw_id
         join cards c on c.applicant_id = e.applicant_id
         where b.wave_id = $1 and e.wave_id = $1 and c.wave_id = $1",
        wave,
    )
    .await;
    assert_eq!(selected_with_a_card, selected);
    // Numbered in applicant order, without gaps.
    let out_of_order = scalar(
        &pool,
        "select count(*) from (select card_number, lag(card_number) over (order by applicant_id) as previous
                               from cards where wave_id = $1) t where previous >= card_number",
        wave,
    )
    .await;
    assert_eq!(out_of_order, 0);
}
