//! A small typed wrapper around `localStorage`: values are JSON with the time they were saved
//! and the account that saved them; they expire, and one account never reads another's.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored<T> {
    /// Whole milliseconds: an integer keeps the float writer out of the WASM.
    saved_at_ms: u64,
    /// The device tag of the account signed in when it was saved ("" when nobody was).
    #[serde(default)]
    owner: String,
    value: T,
}

/// The device tag of the account this page was rendered for (`data-owner` in the header), or ""
/// when nobody is signed in. Not personal data: an HMAC of the account id.
pub fn current_owner() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-owner]").ok().flatten())
        .and_then(|e| e.get_attribute("data-owner"))
        .unwrap_or_default()
}

/// Whether an entry saved by `owner` belongs to another account than the one signed in now.
/// A signed-out page keeps the signed-in account's entries (an expired session comes back to them).
fn belongs_to_another_account(owner: &str, now_signed_in: &str) -> bool {
    !owner.is_empty() && !now_signed_in.is_empty() && owner != now_signed_in
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The keys under `prefix`, collected first: removing while iterating shifts the indices.
fn keys_with_prefix(storage: &web_sys::Storage, prefix: &str) -> Vec<String> {
    (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect()
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    let Some(storage) = local_storage() else {
        return;
    };
    let stored = Stored {
        saved_at_ms: js_sys::Date::now() as u64,
        owner: current_owner(),
        value,
    };
    if let Ok(json) = serde_json::to_string(&stored) {
        // A full storage quota only costs the draft, never the form.
        let _ = storage.set_item(key, &json);
    }
}

/// The value saved under `key` by the account of this page, unless it is older than
/// `max_age_ms` or saved by another account (then it is removed).
pub fn load<T: DeserializeOwned>(key: &str, max_age_ms: f64) -> Option<T> {
    let storage = local_storage()?;
    let json = storage.get_item(key).ok().flatten()?;
    let owner = current_owner();
    match serde_json::from_str::<Stored<T>>(&json) {
        Ok(stored) if belongs_to_another_account(&stored.owner, &owner) => {
            let _ = storage.remove_item(key);
            None
        }
        Ok(stored) if js_sys::Date::now() - stored.saved_at_ms as f64 <= max_age_ms => {
            (stored.owner == owner).then_some(stored.value)
        }
        _ => {
            let _ = storage.remove_item(key);
            None
        }
    }
}

pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

pub fn remove_all_with_prefix(prefix: &str) {
    let Some(storage) = local_storage() else {
        return;
    };
    for key in keys_with_prefix(&storage, prefix) {
        let _ = storage.remove_item(&key);
    }
}

/// Removes expired entries under `prefix`, and those of another account than the one signed
/// in (run once per page load).
pub fn sweep(prefix: &str, max_age_ms: f64) {
    let Some(storage) = local_storage() else {
        return;
    };
    for key in keys_with_prefix(&storage, prefix) {
        // Only the envelope is read: whatever the value, it is skipped, not built.
        let _ = load::<serde::de::IgnoredAny>(&key, max_age_ms);
    }
}
