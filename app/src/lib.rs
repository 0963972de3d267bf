//! The Prakerja portal: pages, components, server functions and domain types, compiled for the
//! server (`ssr`) and for the browser (`hydrate`).
// The comparison table's view type nests deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod assessment;
pub mod auth;
pub mod card;
pub mod cards;
pub mod catalogue;
pub mod complaints;
pub mod completion;
pub mod console;
pub mod dashboard;
pub mod domain;
pub mod error;
pub mod forms;
pub mod home;
pub mod incentive;
pub mod my_data;
#[cfg(feature = "hydrate")]
pub mod navigation;
#[cfg(feature = "hydrate")]
pub mod offline;
pub mod operators;
pub mod outbox;
pub mod paths;
pub mod payouts;
pub mod registration;
pub mod reviews;
pub mod signup;
pub mod verification;
pub mod waves;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod pg_copy;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::signup::SignupStep;

/// Migrations, embedded so the server binary can bring any database up to date.
#[cfg(feature = "ssr")]
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// What the features keep for the whole process, for `AppState::services`: the schedule
/// cache, and the signup batcher with `signup_workers` committing batches of up to
/// `signup_batch` signups.
#[cfg(feature = "ssr")]
pub fn feature_services(pool: &sqlx::PgPool, signup_workers: usize, signup_batch: usize) -> state::Services {
    state::Services::default()
        .with(std::sync::Arc::new(registration::ScheduleCache::default()))
        .with(std::sync::Arc::new(catalogue::snapshot::CatalogueSnapshots::new(
            pool.clone(),
        )))
        .with(signup::queue::SignupQueue::start(
            pool.clone(),
            signup_workers,
            signup_batch,
        ))
        .with(std::sync::Arc::new(CarriedForms) as std::sync::Arc<dyn session::CarriedFormAdopter>)
}

/// A form posted after the session expired, taken up at the next sign-in by the feature it
/// belongs to: a complaint is filed, signup answers go into the draft.
#[cfg(feature = "ssr")]
struct CarriedForms;

#[cfg(feature = "ssr")]
impl session::CarriedFormAdopter for CarriedForms {
    fn adopt<'a>(
        &'a self,
        tx: &'a mut sqlx::PgConnection,
        account_id: uuid::Uuid,
        carried: &'a session::CarriedForm,
        now: chrono::DateTime<chrono::Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), error::AppError>> {
        if carried.form == complaints::FORM {
            Box::pin(complaints::adopt_carried(tx, account_id, carried, now))
        } else {
            <signup::CarriedSignupForms as session::CarriedFormAdopter>::adopt(
                &signup::CarriedSignupForms,
                tx,
                account_id,
                carried,
                now,
            )
        }
    }
}

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="id">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b4f8a"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <PortalScripts options=options.clone()/>
                <link rel="stylesheet" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The one script a page carries: `loader.js`, which starts the WASM where there are islands to
/// hydrate (in place of Leptos' `HydrationScripts`, whose preload links make even a browser with
/// JavaScript off download the module). It carries this response's nonce.
#[component]
fn PortalScripts(options: LeptosOptions) -> impl IntoView {
    // Islands mode: only islands are hydrated, so the rest of the page is rendered without
    // hydration markers (what `HydrationScripts islands=true` sets).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let nonce = leptos::nonce::use_nonce();
    let script = format!(
        "{}({:?}, {:?});",
        loader_without_comments(),
        format!("/{}", options.site_pkg_dir),
        options.output_name.as_ref()
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// `loader.js` as every page carries it: without its comments and indentation, which are for
/// its readers (they would be a third of each page's bytes with JavaScript off).
fn loader_without_comments() -> &'static str {
    static LOADER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LOADER.get_or_init(|| {
        let mut in_block = false;
        let mut lines = Vec::new();
        for line in include_str!("loader.js").lines().map(str::trim) {
            if in_block || line.starts_with("/*") {
                in_block = !line.ends_with("*/");
            } else if !line.is_empty() && !line.starts_with("//") {
                lines.push(line);
            }
        }
        lines.join("\n")
    })
}

/// Pages may run only our own scripts: the inline hydration script carries this response's
/// nonce, and the WASM bundle is served from this origin.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header, HeaderValue};
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'; object-src 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Kartu Prakerja"/>
        <Router>
            <a class="skip-link" href="#main">"Langsung ke isi halaman"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/masuk") view=auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/masuk/kode") view=auth::CodePage ssr=SsrMode::Async/>
                    <Route path=path!("/daftar") view=|| view! { <leptos_router::components::Redirect path=crate::paths::FIRST_STEP_PATH/> }/>
                    <Route path=path!("/daftar/identitas") view=|| view! { <signup::SignupStepPage step=SignupStep::Identity/> } ssr=SsrMode::Async/>
                    <Route path=path!("/daftar/alamat-kontak") view=|| view! { <signup::SignupStepPage step=SignupStep::Contact/> } ssr=SsrMode::Async/>
                    <Route path=path!("/daftar/latar-belakang") view=|| view! { <signup::SignupStepPage step=SignupStep::Background/> } ssr=SsrMode::Async/>
                    <Route path=path!("/daftar/periksa") view=signup::SignupCheckPage ssr=SsrMode::Async/>
                    <Route path=path!("/daftar/sanggah-nik") view=signup::dispute::DisputePage ssr=SsrMode::Async/>
                    <Route path=path!("/dasbor") view=dashboard::DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/tes") view=assessment::TestPage ssr=SsrMode::Async/>
                    <Route path=path!("/pelatihan") view=catalogue::CataloguePage ssr=SsrMode::Async/>
                    <Route path=path!("/pelatihan/banding") view=catalogue::compare::ComparePage ssr=SsrMode::Async/>
                    <Route path=path!("/pembelian") view=cards::PurchasesPage ssr=SsrMode::Async/>
                    <Route path=path!("/dasbor/insentif") view=payouts::page::IncentivePage ssr=SsrMode::Async/>
                    <Route path=path!("/dasbor/data-saya") view=my_data::MyDataPage ssr=SsrMode::Async/>
                    <Route path=path!("/pengaduan") view=complaints::ComplaintsPage ssr=SsrMode::Async/>
                    <Route path=path!("/pengaduan/baru") view=complaints::NewComplaintPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/pengaduan") view=console::complaints::ComplaintsConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/pembelian/:purchase/ulasan") view=reviews::ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/pelatihan/:id/ulasan") view=reviews::TrainingReviewsPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator") view=|| view! { <leptos_router::components::Redirect path=crate::paths::QUEUE_PATH/> }/>
                    <Route path=path!("/operator/masuk") view=console::OperatorSignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/masuk/kode") view=console::second_factor::CodePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/dua-langkah") view=console::second_factor::EnrolPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/petugas") view=console::operators::OperatorsConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/kata-sandi") view=console::password::PasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/verifikasi") view=console::queue::QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/corong") view=console::funnel::FunnelPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/katalog") view=console::catalogue::CatalogueConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/gelombang") view=console::waves::WavesConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/penyelesaian") view=console::completion::CompletionConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/sanggahan") view=console::disputes::DisputesConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/pencairan") view=console::payouts::PayoutsConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/jadwal") view=console::schedule::ScheduleConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/audit") view=console::audit::AuditConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/operator/pengecualian") view=console::exclusions::ExclusionsConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/gelombang") view=waves::audit::WavesPage ssr=SsrMode::Async/>
                    <Route path=path!("/gelombang/:id") view=waves::audit::WaveAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/sertifikat/:code") view=completion::certificate::CertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/sertifikat/:code/cetak") view=completion::certificate::PrintableCertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/dev/surat") view=outbox::DevMailboxPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Portal terbuka program pelatihan prakerja. " <a href=crate::paths::COMPLAINTS_PATH>"Layanan pengaduan"</a></p>
            </footer>
        </Router>
    }
}

/// The header: who is signed in, and the shared-device mark.
#[component]
fn SiteHeader() -> impl IntoView {
    let summary = Resource::new_blocking(|| (), |_| auth::load_session_summary());
    view! {
        <Suspense fallback=|| ()>
            {move || summary.get().map(|summary| {
                let summary = summary.unwrap_or_default();
                // The browser reads this before keeping anything on the device.
                let shared_device = summary.shared_device.then_some("true");
                let owner = summary.device_owner.clone();
                view! {
                    <header class="site-header" data-shared-device=shared_device data-owner=owner>
                        <a class="brand" href="/">"Prakerja"</a>
                        <nav aria-label="Menu utama">
                            {match (summary.operator_name, summary.masked_email) {
                                (Some(name), _) => view! {
                                    <span class="who">{name}</span>
                                    <a href=crate::paths::QUEUE_PATH>"Konsol"</a>
                                    <form method="post" action=console::OperatorSignOut::url() class="inline-form">
                                        <button type="submit" class="link-button">"Keluar"</button>
                                    </form>
                                }.into_any(),
                                (None, Some(email)) => view! {
                                    <span class="who">{email}</span>
                                    <a href=crate::paths::DASHBOARD_PATH>"Dasbor"</a>
                                    <a href=crate::paths::CATALOGUE_PATH>"Pelatihan"</a>
                                    <auth::SignOutButton/>
                                }.into_any(),
                                (None, None) => view! {
                                    <a href=crate::paths::CATALOGUE_PATH>"Pelatihan"</a>
                                    <a href=crate::paths::SIGN_IN_PATH>"Masuk"</a>
                                }.into_any(),
                            }}
                        </nav>
                    </header>
                }
            })}
        </Suspense>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Halaman tidak ditemukan — Prakerja"/>
        <h1>"Halaman tidak ditemukan"</h1>
        <p>"Alamat yang Anda buka tidak ada. " <a href="/">"Kembali ke beranda"</a></p>
    }
}

#[cfg(test)]
mod tests {
    use super::loader_without_comments;

    #[test]
    fn the_inlined_loader_keeps_its_code_and_drops_its_comments() {
        let inlined = loader_without_comments();
        let source = include_str!("loader.js");
        assert!(
            inlined.len() * 4 < source.len() * 3,
            "comments and indentation were dropped"
        );
        for line in inlined.lines() {
            assert!(
                !line.starts_with("//") && !line.starts_with("/*") && !line.starts_with('*'),
                "{line}"
            );
            assert_eq!(line, line.trim(), "no indentation");
        }
        // Every line of code is still there, in order.
        let code: Vec<&str> = source
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("/*") && !l.starts_with('*'))
            .collect();
        assert_eq!(inlined.lines().collect::<Vec<_>>(), code);
        assert!(inlined.starts_with("((pkg, name) => {") && inlined.ends_with("})"));
    }
}
