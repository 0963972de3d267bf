//! What the browser keeps so that nothing typed is lost: drafts of forms and submissions made
//! without a connection. Browser only (`hydrate`).
//!
//! What is stored on the device, and why (see also docs/offline.md, "Data on the device"):
//! - `prakerja.draft.<form>`: the values typed into a form (personal data such as the NIK), so a
//!   reload, a crash or a closed tab loses nothing. Expires after 24 hours; removed when the form
//!   is submitted, at sign-out, and never written on a shared device.
//! - `prakerja.queue`: form submissions made offline (the same data, plus the form's
//!   idempotency key), sent as soon as the connection returns. Same expiry and removal.
//! - The service worker's caches: the application shell (scripts, styles) and the pages visited,
//!   for opening the portal offline; pages are not cached on a shared device, and are deleted at
//!   sign-out.

pub mod compare_choice;
pub mod storage;

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use crate::{domain::submission::Submitted, error::AppError, navigation::go_to};

/// How long drafts and queued submissions stay on the device.
pub const KEEP_FOR_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
const QUEUE_KEY: &str = "prakerja.queue";

fn draft_key(form: &str) -> String {
    format!("prakerja.draft.{form}")
}

/// The typed values of a form's visible controls: (name, value) pairs, as a form posts them.
pub type Snapshot = Vec<(String, String)>;

pub fn save_draft(form: &str, snapshot: &Snapshot) {
    if !is_shared_device() {
        storage::save(&draft_key(form), snapshot);
    }
}

pub fn load_draft(form: &str) -> Option<Snapshot> {
    storage::load(&draft_key(form), KEEP_FOR_MS)
}

pub fn clear_draft(form: &str) {
    storage::remove(&draft_key(form));
}

/// A submission waiting for the connection: the exact body the form would have posted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub form: String,
    pub url: String,
    pub body: String,
    /// The page of the form, to show the outcome there.
    pub page: String,
}

fn queue() -> Vec<Queued> {
    storage::load(QUEUE_KEY, KEEP_FOR_MS).unwrap_or_default()
}

/// Queues a submission, replacing an older one of the same form.
pub fn enqueue(item: Queued) {
    let mut items = queue();
    items.retain(|q| q.form != item.form);
    items.push(item);
    // A shared device keeps nothing: without a connection the submission cannot be kept either.
    if !is_shared_device() {
        storage::save(QUEUE_KEY, &items);
    }
}

pub fn queued(form: &str) -> Option<Queued> {
    queue().into_iter().find(|q| q.form == form)
}

pub fn all_queued() -> Vec<Queued> {
    queue()
}

pub fn dequeue(form: &str) {
    let mut items = queue();
    items.retain(|q| q.form != form);
    if items.is_empty() {
        storage::remove(QUEUE_KEY);
    } else {
        storage::save(QUEUE_KEY, &items);
    }
}

/// What became of a post.
pub enum Delivery {
    /// The server answered.
    Answered(Result<Submitted, AppError>),
    /// The server wants the browser elsewhere (signed out: to the sign-in page).
    Redirected(String),
    /// No connection, or the server could not take it now: keep it and try again later.
    NotSent,
}

/// Posts a form body to a server function, as the WASM client.
pub async fn post(url: &str, body: &str) -> Delivery {
    let request = gloo_net::http::Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body.to_owned());
    let response = match request {
        Ok(request) => request.send().await,
        Err(_) => return Delivery::NotSent,
    };
    let Ok(response) = response else {
        return Delivery::NotSent;
    };
    // Gateways and our own admission control answer these when busy: try again later.
    if matches!(response.status(), 502..=504 | 429) {
        return Delivery::NotSent;
    }
    let redirect = response
        .headers()
        .get("serverfnredirect")
        .and(response.headers().get("location"));
    let Ok(text) = response.text().await else {
        return Delivery::NotSent;
    };
    let answer = if response.ok() {
        serde_json::from_str::<Submitted>(&text).map(Ok)
    } else {
        serde_json::from_str::<AppError>(&text).map(Err)
    };
    match (answer, redirect) {
        (Ok(Err(AppError::Unauthenticated)), Some(location)) => Delivery::Redirected(location),
        (Ok(answer), _) => Delivery::Answered(answer),
        (Err(_), _) => Delivery::Answered(Err(AppError::BadRequest)),
    }
}

pub fn is_online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

/// "This is a shared device": nothing personal is kept in this browser. The choice is made on
/// the sign-in page and remembered by the server for the session; pages carry it in a
/// `data-shared-device` attribute (itself nothing kept on the device).
pub fn is_shared_device() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-shared-device='true']").ok().flatten())
        .is_some()
}

/// Marks this page as on a shared device and removes everything the portal kept here.
pub fn become_shared_device() {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-shared-device", "true");
    }
    forget_everything();
}

/// Removes drafts, queued submissions and cached pages (sign-out, shared device).
pub fn forget_everything() {
    storage::remove_all_with_prefix("prakerja.");
    if let Some(window) = web_sys::window() {
        if let Ok(caches) = window.caches() {
            let _ = caches.delete(PAGES_CACHE);
        }
    }
}

/// The service worker's cache of visited pages (see public/sw.js).
const PAGES_CACHE: &str = "prakerja-pages";

/// Sends queued submissions whose form is not on this page ("and on the next visit"), then
/// shows their outcome where it belongs. Forms on this page send their own.
pub fn deliver_queued_elsewhere() {
    let here: Vec<String> = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("form[data-form]").ok())
        .map(|nodes| {
            (0..nodes.length())
                .filter_map(|i| nodes.item(i))
                .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
                .filter_map(|e| e.get_attribute("data-form"))
                .collect()
        })
        .unwrap_or_default();
    // One at a time: each outcome takes the applicant to a page, whose load sends the next.
    let Some(item) = all_queued().into_iter().find(|q| !here.contains(&q.form)) else {
        return;
    };
    if !is_online() {
        return;
    }
    leptos::task::spawn_local(async move {
        match post(&item.url, &item.body).await {
            // Signed out: the item waits. Signing in returns to its form, which sends it;
            // following the redirect from here would pull the applicant off the sign-in pages.
            Delivery::NotSent | Delivery::Redirected(_) => {}
            Delivery::Answered(answer) => {
                settle_elsewhere(&item.form, &answer);
                match answer {
                    Ok(Submitted::Accepted { next }) => go_to(&next),
                    // Errors only the server could find: shown on the form's own page.
                    _ => go_to(&item.page),
                }
            }
        }
    });
}

/// Records the server's answer to a submission whose form is not on the page: accepted, its
/// draft goes; refused, the errors wait for the form's page.
pub fn settle_elsewhere(form: &str, answer: &Result<Submitted, AppError>) {
    dequeue(form);
    match answer {
        Ok(Submitted::Accepted { .. }) => clear_draft(form),
        _ => stash_outcome(form, answer),
    }
}

fn outcome_key(form: &str) -> String {
    format!("prakerja.outcome.{form}")
}

fn stash_outcome(form: &str, answer: &Result<Submitted, AppError>) {
    storage::save(&outcome_key(form), answer);
}

/// The outcome of a queued submission delivered from another page, shown once.
pub fn take_outcome(form: &str) -> Option<Result<Submitted, AppError>> {
    let outcome = storage::load(&outcome_key(form), KEEP_FOR_MS);
    storage::remove(&outcome_key(form));
    outcome
}

/// Runs for each page once the WASM runs (the first at start-up, the next ones as `loader.js`
/// shows them in place): expires old drafts and sends submissions queued on other pages.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn on_page_load() {
    storage::sweep("prakerja.", KEEP_FOR_MS);
    deliver_queued_elsewhere();
}
