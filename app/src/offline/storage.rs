//! A small typed wrapper around `localStorage`: values are JSON with the time they were saved,
//! and expire.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored<T> {
    saved_at_ms: f64,
    value: T,
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
        saved_at_ms: js_sys::Date::now(),
        value,
    };
    if let Ok(json) = serde_json::to_string(&stored) {
        // A full storage quota only costs the draft, never the form.
        let _ = storage.set_item(key, &json);
    }
}

/// The value saved under `key`, unless it is older than `max_age_ms` (then it is removed).
pub fn load<T: DeserializeOwned>(key: &str, max_age_ms: f64) -> Option<T> {
    let storage = local_storage()?;
    let json = storage.get_item(key).ok().flatten()?;
    match serde_json::from_str::<Stored<T>>(&json) {
        Ok(stored) if js_sys::Date::now() - stored.saved_at_ms <= max_age_ms => Some(stored.value),
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

/// Removes expired entries under `prefix` (run once per page load).
pub fn sweep(prefix: &str, max_age_ms: f64) {
    let Some(storage) = local_storage() else {
        return;
    };
    for key in keys_with_prefix(&storage, prefix) {
        let _ = load::<serde_json::Value>(&key, max_age_ms);
    }
}
