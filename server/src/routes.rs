//! The HTTP router: pages, server functions, static files, middleware.

use std::{sync::Arc, time::Duration};

use app::{shell, state::AppState, waves::db::PublishedFile, App};
use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, get, post},
    Router,
};
use leptos::{prelude::provide_context, server_fn::ServerFn};
use leptos_axum::{generate_route_list_with_exclusions, handle_server_fns_with_context, LeptosRoutes};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        predicate::{DefaultPredicate, NotForContentType, Predicate},
        CompressionLayer,
    },
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

/// Largest request body accepted (forms are small; this bounds abuse).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Requests allowed to run longer than the usual limit: a program admin's upload of a million
/// lines, over whatever link the office has.
const LONG_REQUESTS: &[&str] = &[<app::console::exclusions::ImportExclusions as ServerFn>::PATH];
const LONG_REQUEST_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Answers 503 when a request outlasts its limit (`limit`, or the long one).
async fn time_limit(limit: Duration, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let limit = if LONG_REQUESTS.contains(&request.uri().path()) {
        LONG_REQUEST_TIMEOUT
    } else {
        limit
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// How the router protects itself.
#[derive(Clone, Debug)]
pub struct RouterOptions {
    pub hsts: bool,
    pub request_timeout: Duration,
    pub admission: crate::admission::AdmissionSettings,
    /// Where the waves' public files are kept (shared with the job that writes them).
    pub published: Arc<crate::published::PublishedFiles>,
}

impl Default for RouterOptions {
    fn default() -> Self {
        RouterOptions {
            hsts: false,
            request_timeout: Duration::from_secs(30),
            admission: Default::default(),
            published: Arc::new(crate::published::PublishedFiles::in_temp_dir()),
        }
    }
}

pub fn router(state: AppState, options: RouterOptions) -> Router {
    let hsts = options.hsts;
    let request_timeout = options.request_timeout;
    let admission = crate::admission::Admission::new(&options.admission);
    let published = options.published.clone();
    let public_origin = crate::security::PublicOrigin::of(&state.settings.public_url);
    let routes = route_list();
    let pkg_dir = format!(
        "{}/{}",
        state.leptos_options.site_root, state.leptos_options.site_pkg_dir
    );
    let pkg_route = format!("/{}", state.leptos_options.site_pkg_dir);
    // Content-hashed names: a file never changes, so browsers keep it for a year.
    let static_files = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip());
    let site_root = state.leptos_options.site_root.to_string();
    // The service worker is revalidated on every visit (a new deployment brings a new worker),
    // and may fetch from this origin.
    let service_worker = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'"),
        ))
        .service(ServeFile::new(format!("{site_root}/sw.js")));
    let favicon = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ))
        .service(ServeFile::new(format!("{site_root}/favicon.svg")));

    Router::new()
        .route("/api/{*fn_name}", any(server_fn_handler))
        .route("/healthz", get(health))
        .route("/livez", get(alive))
        .route(app::paths::CATALOGUE_DOCUMENT_PATH, get(catalogue_document))
        .route(app::paths::CATALOGUE_PATH, get(catalogue_page))
        .route(
            "/gelombang/{id}/pool.csv",
            get({
                let published = published.clone();
                move |state, path, request| wave_file(state, published, path, request, PublishedFile::Pool)
            }),
        )
        .route(
            "/gelombang/{id}/hasil.csv",
            get({
                let published = published.clone();
                move |state, path, request| wave_file(state, published, path, request, PublishedFile::Result)
            }),
        )
        .route(app::paths::EVENTS_PATH, post(app::completion::api::receive_event))
        .route(
            "/sertifikat/{code}/pdf",
            get(app::completion::certificate::certificate_pdf),
        )
        .route(app::paths::OPENAPI_PATH, get(app::completion::api::openapi_document))
        .route(app::paths::AUDIT_CSV_PATH, get(app::console::audit::audit_csv))
        .route(app::paths::MY_DATA_JSON_PATH, get(app::my_data::export::json_download))
        .route(app::paths::MY_DATA_PDF_PATH, get(app::my_data::export::pdf_download))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .nest_service(&pkg_route, static_files)
        .route_service("/sw.js", service_worker)
        .route_service("/favicon.svg", favicon)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(
            ServiceBuilder::new()
                // Outermost: past capacity a request costs almost nothing (not even a log line).
                .layer(axum::middleware::from_fn(move |req, next| {
                    crate::admission::admit(admission.clone(), req, next)
                }))
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(|_| {
                    (StatusCode::INTERNAL_SERVER_ERROR, "Terjadi kesalahan pada server.").into_response()
                }))
                .layer(axum::middleware::from_fn(move |req, next| {
                    time_limit(request_timeout, req, next)
                }))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
                .layer(axum::middleware::from_fn(move |req, next| {
                    crate::security::headers(hsts, req, next)
                }))
                .layer(axum::middleware::from_fn(move |req, next| {
                    crate::security::reject_cross_site(public_origin.clone(), req, next)
                }))
                .layer(axum::middleware::from_fn(
                    crate::security::refuse_unexpected_content_type,
                ))
                // The waves' files come compressed from disk; compressing them again on the fly
                // would break byte ranges.
                .layer(
                    CompressionLayer::new()
                        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("text/csv"))),
                )
                .layer(axum::middleware::from_fn(honest_error_status)),
        )
        .with_state(state)
}

/// The app's routes, worked out once per process. Working them out renders the app with
/// resources suspended process-wide (leptos' `SuppressResourceLoad`): a page rendering at that
/// moment on another router of the same process (the tests build many) would wait forever.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| generate_route_list_with_exclusions(App, Some(vec![app::paths::CATALOGUE_PATH.to_owned()])))
        .clone()
}

/// The catalogue page, the one page the launch crowd opens at once: its data is loaded before it
/// renders (see `app::catalogue::LoadedCatalogue`), so it is left out of the generated routes.
async fn catalogue_page(State(state): State<AppState>, request: Request<Body>) -> Response {
    let raw = app::catalogue::RawCatalogueQuery::from_form(request.uri().query().unwrap_or_default());
    let loaded = app::catalogue::load_page(&state, raw, request.headers()).await;
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(loaded.clone());
        },
        move || shell(options.clone()),
    );
    render(request).await.into_response()
}

async fn server_fn_handler(State(state): State<AppState>, request: Request<Body>) -> Response {
    // leptos_axum answers a function that does not exist with 400; it is a 404.
    if !is_server_fn(request.uri().path()) {
        return app::error::AppError::NotFound.into_response();
    }
    handle_server_fns_with_context(move || provide_context(state.clone()), request)
        .await
        .into_response()
}

fn is_server_fn(path: &str) -> bool {
    static PATHS: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    PATHS
        .get_or_init(|| {
            leptos::server_fn::axum::server_fn_paths()
                .map(|(path, _)| path)
                .collect()
        })
        .contains(path)
}

/// Honest statuses (see `honest_status`), and a log line for every refused access.
async fn honest_error_status(request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = honest_status(request, next).await;
    // Refused access is logged (ASVS 7.2.2): paths carry no personal data.
    if matches!(response.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        tracing::info!(%path, status = response.status().as_u16(), "access refused");
    }
    response
}

/// server_fn answers every error with 500 (or, for a plain form post, a redirect back to the
/// referring page that hides the refusal). The error itself decides the status instead
/// (`AppError::status`), so a refusal is an honest 4xx.
async fn honest_status(request: Request, next: axum::middleware::Next) -> Response {
    const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let response = next.run(request).await;
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Errors are a short JSON object; anything longer is not one of ours.
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Terjadi kesalahan pada server.").into_response();
    };
    let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if error == app::error::AppError::Unauthenticated && parts.status != StatusCode::INTERNAL_SERVER_ERROR {
        // Sent to the sign-in page (a plain post) or told 401 (the WASM client) already.
        return Response::from_parts(parts, Body::from(bytes));
    }
    parts.status = error.status();
    parts.headers.remove(header::LOCATION);
    if let Some(seconds) = error.retry_after_secs() {
        parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if accepts_html {
        // A browser without JavaScript shows the body as it is: the sentence, not JSON.
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return Response::from_parts(parts, Body::from(error.to_string()));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The catalogue document for the in-page filter: revalidated with its ETag, so a browser that
/// has it downloads nothing until the catalogue changes.
async fn catalogue_document(State(state): State<AppState>, request_headers: axum::http::HeaderMap) -> Response {
    let catalogue = match app::catalogue::snapshot::current(&state).await {
        Ok(catalogue) => catalogue,
        Err(error) => return error.into_response(),
    };
    let (json, etag) = catalogue.document();
    let (json, etag) = (json.to_owned(), etag.to_owned());
    let unchanged = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == etag);
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], json).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    // Anyone may cache it (it holds nothing personal), but must ask again after five minutes.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300, must-revalidate"),
    );
    response
}

/// A drawn wave's pool or result, from the file on disk (`published`): no database connection
/// is held while a client reads, ranges and gzip are served, and the digest is the ETag. Both
/// files are public and never change once the wave is drawn.
async fn wave_file(
    State(state): State<AppState>,
    published: Arc<crate::published::PublishedFiles>,
    Path(wave_id): Path<i32>,
    request: Request,
    file: PublishedFile,
) -> Response {
    let ready = match published.ready(state.stale_ok_pool(), wave_id, file).await {
        Ok(Some(ready)) => ready,
        Ok(None) => return (StatusCode::NOT_FOUND, "Gelombang ini belum diundi.").into_response(),
        Err(error) => {
            tracing::error!(%error, wave_id, "a wave's public file could not be written");
            return error.into_response();
        }
    };
    let etag = format!("\"{}\"", ready.digest);
    let unchanged = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match ServeFile::new(&ready.path).precompressed_gzip().oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        }
    };
    let name = match file {
        PublishedFile::Pool => format!("gelombang-{wave_id}-pool.csv"),
        PublishedFile::Result => format!("gelombang-{wave_id}-hasil.csv"),
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if !unchanged {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    response
}

/// For a load balancer's health check: 200 while this process serves HTTP, whatever the
/// database does. A leader change makes every portal's database unreachable at once; taking
/// them all out would also stop the pages that read the standby (docs/cluster.md).
async fn alive() -> &'static str {
    "ok"
}

/// For readiness and monitoring: 200 when the database answers, 503 otherwise.
async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query("select 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
