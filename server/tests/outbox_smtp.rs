//! Email leaves through SMTP (lettre) when configured: delivered once, body dropped after
//! sending, retried with back-off when the server refuses.

mod support;

use std::sync::{Arc, Mutex};

use server::jobs::{deliver_outbox_batch, Mailer};
use sqlx::PgPool;
use support::smtp::smtp_peer;

/// A mailer sending through a new `smtp_peer`, and what the peer received.
async fn mailer_to_peer(refuse: bool) -> (Mailer, Arc<Mutex<Vec<String>>>) {
    let (port, received) = smtp_peer(refuse).await;
    let mailer = Mailer::from_config(
        Some(&format!("smtp://127.0.0.1:{port}")),
        "Prakerja <noreply@prakerja.example>",
    )
    .unwrap();
    (mailer, received)
}

#[sqlx::test(migrations = "../migrations")]
async fn messages_are_sent_once_and_their_body_is_not_kept(pool: PgPool) {
    let (mailer, received) = mailer_to_peer(false).await;
    app::outbox::db::enqueue_email(
        &pool,
        "penerima@contoh.id",
        "Kode masuk Prakerja: 123456",
        "Kode masuk Anda: 123456",
    )
    .await
    .unwrap();

    assert_eq!(deliver_outbox_batch(&pool, &mailer).await.unwrap(), 1);
    assert_eq!(
        deliver_outbox_batch(&pool, &mailer).await.unwrap(),
        0,
        "nothing is sent twice"
    );
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: penerima@contoh.id"));
    assert!(messages[0].contains("Kode masuk Anda: 123456"));
    let (sent, body): (bool, Option<String>) = sqlx::query_as("select sent_at is not null, body from outbox_messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(sent);
    assert_eq!(body, None, "the code is not kept after delivery");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_message_is_retried_later(pool: PgPool) {
    let (mailer, _received) = mailer_to_peer(true).await;
    app::outbox::db::enqueue_email(&pool, "tidak-ada@contoh.id", "Subjek", "Isi")
        .await
        .unwrap();

    deliver_outbox_batch(&pool, &mailer).await.unwrap();
    let (attempts, sent, later, error): (i32, bool, bool, Option<String>) =
        sqlx::query_as("select attempts, sent_at is not null, available_at > now(), last_error from outbox_messages")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((attempts, sent, later), (1, false, true));
    assert!(error.unwrap().contains("550"));
    assert_eq!(
        deliver_outbox_batch(&pool, &mailer).await.unwrap(),
        0,
        "not before its back-off"
    );
}
