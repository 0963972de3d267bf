//! The HTTP/1.1 server loop, with limits on what one connection may hold: a client that sends
//! its request headers slowly (or not at all) is dropped, so is an idle kept-alive connection,
//! and past a cap on open connections new ones wait in the kernel's backlog instead of taking
//! file descriptors and memory from the clients being served.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, Request};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// From a connection's first byte of a request (or the end of its last answer, when kept
    /// alive) until its request headers are in. Hyper runs it while the connection waits for
    /// its next request, so it is the idle keep-alive timeout too.
    pub header_read_timeout: Duration,
    /// Open connections at most; further ones wait in the backlog.
    pub max_connections: usize,
    /// How long a shutdown waits for requests under way.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes. Each request carries the peer's
/// address as `ConnectInfo<SocketAddr>` (rate limits read it).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the listener itself is fine. Wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and may leave in pieces (headers, then compressed chunks): each
        // goes out at once rather than waiting on Nagle's algorithm for the client's ACK.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A dropped client or a timed-out header is the client's doing: nothing to log.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: requests still under way were cut off");
    }
    Ok(())
}

/// Where the server listens, with a backlog for a rush: it opens thousands of connections
/// within a second. With the usual backlog of 1,024 the kernel drops the connections it cannot
/// queue, and each of those clients retries only after a second (measured: 1.16 s answers at
/// 15,000 requests/s). The kernel caps the backlog at `net.core.somaxconn`.
pub fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    const ACCEPT_BACKLOG: u32 = 8192;
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(ACCEPT_BACKLOG)
}
