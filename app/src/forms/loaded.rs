//! A page's data once it has loaded, or the error that kept it from loading.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

/// Why a page's data did not load: in words on the page, and in its status to machines (a
/// verifier opening an admin's page gets 403, and a database out of reach 503 with Retry-After,
/// not 200). A missing sign-in has already redirected: its 303 stands.
pub fn load_error(error: &AppError) -> AnyView {
    #[cfg(feature = "ssr")]
    if !matches!(error, AppError::Unauthenticated) {
        crate::request::set_status(error.status());
        if let Some(seconds) = error.retry_after_secs() {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.insert_header(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
            }
        }
    }
    view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any()
}

/// Shows a page's data once it has loaded, or the error that kept it from loading.
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || {
                let render = render.clone();
                resource.get().map(move |result| match result {
                    Ok(data) => render(data).into_any(),
                    Err(error) => load_error(&error),
                })
            }}
        </Suspense>
    }
}

/// A page of one load (blocking, so the server sends it whole): its title, its heading, then its
/// data as `render` shows it, or the error that kept it from loading.
pub fn loaded_page<T, V, Fut>(
    title: &'static str,
    heading: &'static str,
    load: impl Fn() -> Fut + Send + Sync + 'static,
    render: impl Fn(T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let page = Resource::new_blocking(|| (), move |_| load());
    view! {
        <Title text=title/>
        <h1>{heading}</h1>
        {loaded(page, render)}
    }
}
