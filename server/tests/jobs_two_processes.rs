//! Background jobs run in every portal process (docs/cluster.md): two real `prakerja serve`
//! processes on one database, each sending email through its own SMTP relay, share the outbox
//! without sending any message twice. Both lease with `FOR UPDATE SKIP LOCKED`.

mod support;

use std::{collections::HashSet, time::Duration};

use sqlx::PgPool;
use support::smtp::slow_smtp_peer;
use tokio::process::{Child, Command};

const MESSAGES: usize = 600;

/// A portal process on the test's database, mailing through `smtp_port`.
fn portal(pool: &PgPool, smtp_port: u16) -> Child {
    let url = support::database_url(pool);
    Command::new(env!("CARGO_BIN_EXE_prakerja"))
        .arg("serve")
        .env("PRAKERJA_ENV", "development")
        .env("DATABASE_URL", url)
        .env("PRAKERJA_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
        .env("PRAKERJA_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts")
}

#[sqlx::test(migrations = "../migrations")]
async fn two_portal_processes_send_each_message_once(pool: PgPool) {
    // Each relay takes 5 ms a message, so a batch of 50 keeps one process busy for a while and
    // the other finds the next batch.
    let (port_a, received_a) = slow_smtp_peer(false, Duration::from_millis(5)).await;
    let (port_b, received_b) = slow_smtp_peer(false, Duration::from_millis(5)).await;
    let _processes = [portal(&pool, port_a), portal(&pool, port_b)];
    for n in 0..MESSAGES {
        app::outbox::db::enqueue_email(&pool, &format!("penerima{n}@contoh.id"), &format!("Pesan {n}"), "Isi")
            .await
            .unwrap();
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let pending: i64 = sqlx::query_scalar("select count(*) from outbox_messages where sent_at is null")
            .fetch_one(&pool)
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{pending} messages still unsent"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let subjects = |received: &std::sync::Mutex<Vec<String>>| -> Vec<String> {
        received
            .lock()
            .unwrap()
            .iter()
            .filter_map(|m| m.lines().find(|l| l.starts_with("Subject: ")).map(str::to_owned))
            .collect()
    };
    let (a, b) = (subjects(&received_a), subjects(&received_b));
    let all: HashSet<&String> = a.iter().chain(&b).collect();
    assert_eq!(
        a.len() + b.len(),
        MESSAGES,
        "every message sent once: {} + {}",
        a.len(),
        b.len()
    );
    assert_eq!(all.len(), MESSAGES, "and no message twice");
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both processes sent some: {} and {}",
        a.len(),
        b.len()
    );
}
