//! Email leaves through SMTP (lettre) when configured: delivered once, body dropped after
//! sending, retried with back-off when the server refuses.

use std::sync::{Arc, Mutex};

use server::jobs::{deliver_outbox_batch, Mailer};
use sqlx::PgPool;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// A minimal SMTP server on loopback that records the DATA of every message, refusing
/// recipients when `refuse` is set.
async fn smtp_peer(refuse: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-localhost\r\n250 8BITMIME\r\n",
                        "RCPT" if refuse => b"550 no such mailbox\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

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
