//! The rules a typed name follows, written once for people's names and places' names: each type
//! says only its limits and the error it reports for each broken rule.

use super::collapse_whitespace;

/// What one kind of name allows, and the error it reports for each rule the name breaks.
pub(crate) struct NameRules<E> {
    pub max_chars: usize,
    /// The characters allowed besides letters (the space included).
    pub punctuation: &'static [char],
    /// Fewer letters than this is not a name, however much punctuation surrounds them.
    pub min_letters: usize,
    pub empty: E,
    pub too_long: E,
    pub invalid_characters: E,
    pub too_short: E,
}

impl<E: Copy> NameRules<E> {
    /// The name with its whitespace collapsed, or the error of the first rule it breaks: empty,
    /// too long, a character not allowed, too few letters, in that order.
    pub(crate) fn apply(&self, raw: &str) -> Result<String, E> {
        let name = collapse_whitespace(raw);
        if name.is_empty() {
            return Err(self.empty);
        }
        if name.chars().count() > self.max_chars {
            return Err(self.too_long);
        }
        if !name.chars().all(|c| c.is_alphabetic() || self.punctuation.contains(&c)) {
            return Err(self.invalid_characters);
        }
        if name.chars().filter(|c| c.is_alphabetic()).count() < self.min_letters {
            return Err(self.too_short);
        }
        Ok(name)
    }
}
