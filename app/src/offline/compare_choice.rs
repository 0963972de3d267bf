//! The trainings ticked for comparison, remembered on this device across reloads and pages of
//! the catalogue (never on a shared device). Without JavaScript the choice lives in the URL only.

use super::{is_shared_device, storage};

const KEY: &str = "prakerja.banding";
/// A choice older than this is forgotten.
const KEEP_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

pub fn remembered() -> Vec<i32> {
    if is_shared_device() {
        return Vec::new();
    }
    storage::load::<Vec<i32>>(KEY, KEEP_MS).unwrap_or_default()
}

pub fn remember(ids: &[i32]) {
    if !is_shared_device() {
        storage::save(KEY, &ids);
    }
}
