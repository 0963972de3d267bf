use serde::{Deserialize, Serialize};

use super::name_rules::NameRules;

/// A full name as printed on the ID card. Mononyms are common in Indonesia, so one word is fine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("Isi nama lengkap sesuai KTP.")]
    Empty,
    #[error("Nama terlalu pendek (minimal 2 huruf).")]
    TooShort,
    #[error("Nama terlalu panjang (maksimal 100 karakter).")]
    TooLong,
    #[error("Nama hanya boleh berisi huruf, spasi, titik, koma, tanda petik (') dan tanda hubung (-).")]
    InvalidCharacters,
}

/// Mononyms and initials are common, so two letters make a name; commas separate titles.
const RULES: NameRules<PersonNameError> = NameRules {
    max_chars: MAX_NAME_CHARS,
    punctuation: &[' ', '.', ',', '\'', '-'],
    min_letters: 2,
    empty: PersonNameError::Empty,
    too_long: PersonNameError::TooLong,
    invalid_characters: PersonNameError::InvalidCharacters,
    too_short: PersonNameError::TooShort,
};

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, PersonNameError> {
        RULES.apply(raw).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::parsed_text!(PersonName, PersonNameError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_names_and_normalises_spaces() {
        assert_eq!(
            PersonName::parse("  Siti   Nurhaliza ").unwrap().as_str(),
            "Siti Nurhaliza"
        );
        assert!(PersonName::parse("Sukarno").is_ok());
        assert!(PersonName::parse("Ni Luh Putu Ayu").is_ok());
        assert!(PersonName::parse("Muh. Ma'ruf, S.E.").is_ok());
        assert!(PersonName::parse("Anak Agung Gde-Rai").is_ok());
    }

    #[test]
    fn refuses_each_kind_of_bad_name() {
        assert_eq!(PersonName::parse(""), Err(PersonNameError::Empty));
        assert_eq!(PersonName::parse("A"), Err(PersonNameError::TooShort));
        assert_eq!(PersonName::parse(". -"), Err(PersonNameError::TooShort));
        assert_eq!(PersonName::parse("Budi123"), Err(PersonNameError::InvalidCharacters));
        assert_eq!(PersonName::parse("<script>"), Err(PersonNameError::InvalidCharacters));
        assert_eq!(PersonName::parse(&"a".repeat(101)), Err(PersonNameError::TooLong));
    }

    proptest! {
        #[test]
        fn parsed_names_are_stable(raw in "[A-Za-z .,'-]{0,120}") {
            if let Ok(name) = PersonName::parse(&raw) {
                prop_assert_eq!(PersonName::parse(name.as_str()).unwrap(), name);
            }
        }
    }
}
