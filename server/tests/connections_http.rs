//! The server on a real socket: clients that send their request slowly, or keep a connection
//! idle, are dropped while others are served, and open connections are capped.

mod support;

use std::time::{Duration, Instant};

use server::serve::{listen, serve, ConnectionLimits};
use sqlx::PgPool;
use support::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
};

/// Serves the test router on a free port, with a one-second header timeout and at most
/// `max_connections` open connections; the server stops when the sender is dropped.
fn start(pool: PgPool, max_connections: usize) -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        max_connections,
        ..Default::default()
    };
    let router = Browser::new(pool, wednesday_morning()).router();
    let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, router, limits, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// A connection that has sent these bytes.
async fn connection_that_sent(address: std::net::SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

async fn half_sent_request(address: std::net::SocketAddr) -> TcpStream {
    connection_that_sent(address, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Langsam: ").await
}

/// Reads until the server closes the connection; how long that took.
async fn closed_within(stream: &mut TcpStream, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(patience, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

async fn health(address: std::net::SocketAddr) -> String {
    let mut stream = connection_that_sent(
        address,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[sqlx::test(migrations = "../migrations")]
async fn slow_and_idle_connections_are_dropped_while_others_are_served(pool: PgPool) {
    let (address, _stop) = start(pool, 100);
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(half_sent_request(address).await);
    }
    let started = Instant::now();
    assert!(health(address).await.starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "served at once beside the slow ones"
    );
    for stream in &mut slow {
        let closed = closed_within(stream, Duration::from_secs(5)).await;
        assert!(
            closed.is_some(),
            "a half-sent request is dropped after the header timeout"
        );
    }

    // A kept-alive connection that asks nothing more is closed too.
    let mut idle = connection_that_sent(address, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
    let mut buffer = [0u8; 512];
    let read = idle.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200"));
    let closed = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|after| after >= Duration::from_millis(500)),
        "closed after being idle: {closed:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn past_the_cap_new_connections_wait_until_a_slow_one_is_dropped(pool: PgPool) {
    let (address, _stop) = start(pool, 2);
    let _slow = [half_sent_request(address).await, half_sent_request(address).await];
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), health(address))
        .await
        .expect("served once a slot frees");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(500),
        "both slots were taken by the slow clients: served after {waited:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_statement_past_the_serving_pools_timeout_is_cancelled(pool: PgPool) {
    let url = support::database_url(&pool);
    let serving = server::db::pool(&url, 2, Some(Duration::from_millis(200))).unwrap();
    let slow = sqlx::query("select pg_sleep(2)").execute(&serving).await;
    let error = slow.expect_err("cancelled").to_string();
    assert!(error.contains("statement timeout"), "{error}");
    // The connection is fine afterwards, and quick statements run.
    sqlx::query("select 1").execute(&serving).await.unwrap();
    let unlimited = server::db::pool(&url, 1, None).unwrap();
    sqlx::query("select pg_sleep(0.3)").execute(&unlimited).await.unwrap();
}
