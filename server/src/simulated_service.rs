//! What the simulators of outside services (the civil registry, the payout rail) share: a
//! bearer key on their routes, their JSON error body, and serving on a local socket.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{header::AUTHORIZATION, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Json, Router,
};

/// The services' error body: `{"error": "<code>"}`.
pub fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(serde_json::json!({ "error": code }))).into_response()
}

/// Refuses (401, `kunci-tidak-sah`) a request without `Authorization: Bearer <key>` on the
/// routes added before it (`Router::route_layer`).
pub fn require_key<S: Clone + Send + Sync + 'static>(router: Router<S>, key: &str) -> Router<S> {
    router.route_layer(middleware::from_fn_with_state(Arc::<str>::from(key), bearer_key))
}

async fn bearer_key(State(key): State<Arc<str>>, request: Request, next: Next) -> Response {
    let authorised = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|given| given == &*key);
    if authorised {
        next.run(request).await
    } else {
        error(StatusCode::UNAUTHORIZED, "kunci-tidak-sah")
    }
}

/// Serves `router` on `addr` (port 0: any free one) until the process ends; returns the address.
pub async fn serve(addr: SocketAddr, router: Router, name: &'static str) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, service = name, "the simulator stopped");
        }
    });
    Ok(bound)
}
