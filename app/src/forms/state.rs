//! What one form shares between its fields, its summary and its notices.

use leptos::prelude::*;

use crate::domain::FieldErrors;

/// The (name, value) pairs a form posts, as the browser sees them before sending: what the
/// client-side checks read (the same `parse` functions then run on the server's arguments).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormValues(pub Vec<(String, String)>);

impl FormValues {
    /// The first value under `name`, or "" when there is none.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value under `name` (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// "draft[nik]" -> "nik", "draft[interests][]" -> "interests", "email" -> "email".
#[cfg(any(feature = "hydrate", test))]
pub(super) fn field_of(name: &str) -> String {
    name.split('[')
        .map(|part| part.trim_end_matches(']'))
        .rfind(|p| !p.is_empty())
        .unwrap_or(name)
        .to_owned()
}

/// The state one form shares with its error summary and notices.
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<FieldErrors>,
    /// Counts the submits that ended with errors: the summary takes focus then (not while typing).
    pub(super) shown: RwSignal<u32>,
    /// Kept on this device until the connection returns.
    pub queued: RwSignal<bool>,
    pub sending: RwSignal<bool>,
}

impl FormState {
    /// `errors`: those of the last plain post, from the server.
    pub fn new(errors: FieldErrors) -> FormState {
        FormState {
            errors: RwSignal::new(errors),
            shown: RwSignal::new(0),
            queued: RwSignal::new(false),
            sending: RwSignal::new(false),
        }
    }

    /// Shows the errors of a submit and moves focus to their summary.
    pub fn show(&self, errors: FieldErrors) {
        self.errors.set(errors);
        self.shown.update(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_names_map_to_fields() {
        assert_eq!(super::field_of("draft[nik]"), "nik");
        assert_eq!(super::field_of("draft[interests][]"), "interests");
        assert_eq!(super::field_of("email"), "email");
    }

    #[test]
    fn form_values_read_like_a_post() {
        let values = super::FormValues(vec![
            ("email".into(), "a@b.id".into()),
            ("draft[interests][]".into(), "barista".into()),
            ("draft[interests][]".into(), "menjahit".into()),
        ]);
        assert_eq!(values.get("email"), "a@b.id");
        assert_eq!(values.get("missing"), "");
        assert_eq!(values.all("draft[interests][]"), ["barista", "menjahit"]);
        assert!(!values.has("declaration"));
    }
}
