//! The idempotency keys of a page's buy buttons.

use uuid::Uuid;

/// Each buy button of a page gets its own idempotency key, derived from one drawn for the page:
/// a double click or a resent form carries the same key, another training another key.
pub fn purchase_key(page_key: Uuid, training_id: i32) -> Uuid {
    let mut bytes = *page_key.as_bytes();
    for (byte, id_byte) in bytes[12..].iter_mut().zip(training_id.to_be_bytes()) {
        *byte ^= id_byte;
    }
    Uuid::from_bytes(bytes)
}
