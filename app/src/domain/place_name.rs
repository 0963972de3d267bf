use serde::{Deserialize, Serialize};

use super::name_rules::NameRules;

/// A place name: the place of birth, or the city/regency of the address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceName(String);

const MAX_PLACE_CHARS: usize = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlaceNameError {
    #[error("Kolom ini wajib diisi.")]
    Empty,
    #[error("Nama tempat terlalu pendek (minimal 3 huruf).")]
    TooShort,
    #[error("Nama tempat terlalu panjang (maksimal 60 karakter).")]
    TooLong,
    #[error("Nama tempat hanya boleh berisi huruf, spasi, titik, tanda hubung, tanda petik dan tanda kurung.")]
    InvalidCharacters,
}

/// Place names may carry a bracketed region, as in "Pangkalpinang (Bangka)".
const RULES: NameRules<PlaceNameError> = NameRules {
    max_chars: MAX_PLACE_CHARS,
    punctuation: &[' ', '.', '-', '\'', '(', ')'],
    min_letters: 3,
    empty: PlaceNameError::Empty,
    too_long: PlaceNameError::TooLong,
    invalid_characters: PlaceNameError::InvalidCharacters,
    too_short: PlaceNameError::TooShort,
};

impl PlaceName {
    pub fn parse(raw: &str) -> Result<PlaceName, PlaceNameError> {
        RULES.apply(raw).map(PlaceName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::parsed_text!(PlaceName, PlaceNameError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_places_and_refuses_bad_ones() {
        assert_eq!(PlaceName::parse(" Kota  Bandung ").unwrap().as_str(), "Kota Bandung");
        assert!(PlaceName::parse("Kab. Toba Samosir").is_ok());
        assert!(PlaceName::parse("Pangkalpinang (Bangka)").is_ok());
        assert_eq!(PlaceName::parse(""), Err(PlaceNameError::Empty));
        assert_eq!(PlaceName::parse("Ab"), Err(PlaceNameError::TooShort));
        assert_eq!(PlaceName::parse("Jakarta 12"), Err(PlaceNameError::InvalidCharacters));
        assert_eq!(PlaceName::parse(&"x".repeat(61)), Err(PlaceNameError::TooLong));
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn parsed_places_are_stable_and_never_panic(raw in ".{0,80}") {
            if let Ok(place) = PlaceName::parse(&raw) {
                proptest::prop_assert_eq!(PlaceName::parse(place.as_str()), Ok(place.clone()));
                proptest::prop_assert!(place.as_str().chars().count() <= 60);
            }
        }
    }
}
