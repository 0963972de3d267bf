//! The WASM's side of in-page navigation (browser only). `loader.js` fetches the next page and
//! swaps it in; here each island it hydrates gets a reactive scope of its own, dropped when the
//! loader takes the island out of the page (so its timers and listeners stop), and the portal's
//! own moves (after a submit, at the test's deadline) go through the loader as links do.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};

thread_local! {
    /// The scope of every island on the page, by the number the loader keeps on its element.
    static SCOPES: RefCell<Vec<(u32, Owner)>> = const { RefCell::new(Vec::new()) };
    /// The owner current before each open scope (islands inside islands nest).
    static OUTER: RefCell<Vec<Option<Owner>>> = const { RefCell::new(Vec::new()) };
    static NEXT_SCOPE: Cell<u32> = const { Cell::new(0) };
}

/// Opens the scope of the island about to hydrate: a child of the current owner (the page's
/// root, or the island around it), current until `island_scope_close`.
#[wasm_bindgen]
pub fn island_scope_open() -> u32 {
    let outer = Owner::current();
    let scope = outer.as_ref().map(Owner::child).unwrap_or_default();
    scope.set();
    OUTER.with_borrow_mut(|stack| stack.push(outer));
    let number = NEXT_SCOPE.get();
    NEXT_SCOPE.set(number.wrapping_add(1));
    SCOPES.with_borrow_mut(|scopes| scopes.push((number, scope)));
    number
}

#[wasm_bindgen]
pub fn island_scope_close() {
    if let Some(Some(outer)) = OUTER.with_borrow_mut(Vec::pop) {
        outer.set();
    }
}

/// Disposes an island taken out of the page: its effects, timers and listeners end.
#[wasm_bindgen]
pub fn island_scope_drop(number: u32) {
    let scope = SCOPES.with_borrow_mut(|scopes| {
        let at = scopes.iter().position(|(n, _)| *n == number)?;
        Some(scopes.swap_remove(at).1)
    });
    if let Some(scope) = scope {
        scope.cleanup();
    }
}

/// Moves to `path` as a link would: in the page when the loader can, else a full load.
pub fn go_to(path: &str) {
    if !through_loader(path, false) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(path);
        }
    }
}

/// Moves to `path` unless the browser is on that page already (no reload loops).
pub fn go_to_unless_there(path: &str) {
    let here = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    if here != path {
        go_to(path);
    }
}

/// Shows this page again, fresh from the server (in place of the current history entry).
pub fn reload() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if !through_loader(&here, true) {
        let _ = location.reload();
    }
}

/// `loader.js` puts its navigation on the window as `prakerjaNavigate(url, replace)`.
fn through_loader(url: &str, replace: bool) -> bool {
    let Some(window) = web_sys::window() else { return false };
    js_sys::Reflect::get(&window, &JsValue::from_str("prakerjaNavigate"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|navigate| {
            navigate
                .call2(&JsValue::NULL, &JsValue::from_str(url), &JsValue::from_bool(replace))
                .is_ok()
        })
}
