//! A page's data once it has loaded, or the error that kept it from loading.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

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
                    Err(error) => {
                        // The page says why in words, and its status says so to machines (a
                        // verifier opening an admin's page gets 403, not 200). A missing sign-in
                        // has already redirected: its 303 stands.
                        #[cfg(feature = "ssr")]
                        if !matches!(error, AppError::Unauthenticated) {
                            crate::request::set_status(error.status());
                        }
                        view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}
