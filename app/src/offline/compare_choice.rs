//! The trainings ticked for comparison, remembered on this device across reloads and pages of
//! the catalogue (never on a shared device). Without JavaScript the choice lives in the URL only.

use wasm_bindgen::JsCast;
use web_sys::{HtmlFormElement, HtmlInputElement};

use super::{is_shared_device, storage};
use crate::catalogue::compare::MAX_COMPARED;

const KEY: &str = "prakerja.banding";
/// A choice older than this is forgotten.
const KEEP_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

fn remembered() -> Vec<String> {
    storage::load::<Vec<String>>(KEY, KEEP_MS).unwrap_or_default()
}

/// The "Bandingkan" boxes on this page.
fn boxes() -> Vec<HtmlInputElement> {
    let Some(list) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("input[name='pilih'][form='banding']").ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<HtmlInputElement>().ok())
        .collect()
}

/// Ticks the remembered boxes, then keeps the choice up to date as boxes change, and sends the
/// trainings chosen on other pages along with the comparison form. False on a shared device,
/// where nothing is kept.
pub fn start() -> bool {
    if is_shared_device() {
        return false;
    }
    let chosen = remembered();
    for input in boxes() {
        if chosen.contains(&input.value()) {
            input.set_checked(true);
        }
    }
    let on_change = leptos::prelude::window_event_listener(leptos::ev::change, |event| {
        let Some(input) = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else {
            return;
        };
        if input.name() != "pilih" {
            return;
        }
        let mut chosen = remembered();
        chosen.retain(|id| *id != input.value());
        if input.checked() {
            chosen.push(input.value());
        }
        // The oldest choice gives way beyond four.
        while chosen.len() > MAX_COMPARED {
            let dropped = chosen.remove(0);
            for other in boxes().into_iter().filter(|b| b.value() == dropped) {
                other.set_checked(false);
            }
        }
        storage::save(KEY, &chosen);
    });
    let on_submit = leptos::prelude::window_event_listener(leptos::ev::submit, |event| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        if form.id() != "banding" {
            return;
        }
        let on_this_page: Vec<String> = boxes().iter().map(HtmlInputElement::value).collect();
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        for id in remembered().into_iter().filter(|id| !on_this_page.contains(id)) {
            if let Ok(hidden) = document.create_element("input") {
                let _ = hidden.set_attribute("type", "hidden");
                let _ = hidden.set_attribute("name", "pilih");
                let _ = hidden.set_attribute("value", &id);
                let _ = form.append_child(&hidden);
            }
        }
    });
    // For as long as the page lives.
    std::mem::forget((on_change, on_submit));
    true
}
