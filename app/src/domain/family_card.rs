use serde::{Deserialize, Serialize};

use super::{registry_number, registry_number::RegistryNumberRules};

/// At most this many NIKs may register on one family card (KK); the database's two numbered
/// slots per card (`family_card_slots`) hold the same rule.
pub const MAX_PER_FAMILY_CARD: u32 = 2;

/// Nomor Kartu Keluarga: 16 digits (region, issue date DDMMYY, sequence). At most two NIKs of
/// one family card may register.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FamilyCardNumber(String);

super::masked_debug!(FamilyCardNumber);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FamilyCardError {
    #[error("Isi nomor Kartu Keluarga (16 digit).")]
    Empty,
    #[error("Nomor KK harus terdiri dari 16 angka.")]
    NotSixteenDigits,
    #[error("Dua digit pertama nomor KK bukan kode provinsi yang dikenal.")]
    UnknownProvince,
    #[error("Kode wilayah atau tanggal pada nomor KK tidak valid.")]
    Malformed,
    #[error("Nomor urut pada nomor KK (digit 13-16) tidak boleh 0000.")]
    ZeroSequence,
}

/// A family card's region and issue date are not told apart in its errors: both are "malformed".
const RULES: RegistryNumberRules<FamilyCardError> = RegistryNumberRules {
    day_may_add_forty: false,
    empty: FamilyCardError::Empty,
    not_sixteen_digits: FamilyCardError::NotSixteenDigits,
    unknown_province: FamilyCardError::UnknownProvince,
    zero_region: FamilyCardError::Malformed,
    implausible_date: FamilyCardError::Malformed,
    zero_sequence: FamilyCardError::ZeroSequence,
};

impl FamilyCardNumber {
    pub fn parse(raw: &str) -> Result<FamilyCardNumber, FamilyCardError> {
        RULES.apply(raw).map(FamilyCardNumber)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A masked form for logs: 3201********0007.
    pub fn masked(&self) -> String {
        registry_number::masked(&self.0)
    }
}

super::parsed_text!(FamilyCardNumber, FamilyCardError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_valid_number_with_spaces() {
        assert_eq!(
            FamilyCardNumber::parse("3201 0120 0315 0007").unwrap().as_str(),
            "3201012003150007"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(raw in ".{0,40}") {
            let _ = FamilyCardNumber::parse(&raw);
        }

        #[test]
        fn valid_numbers_round_trip(day in 1u32..=28, month in 1u32..=12, yy in 0u32..=99, seq in 1u32..=9999) {
            let raw = format!("3578{:02}{day:02}{month:02}{yy:02}{seq:04}", 1 + seq % 31);
            let kk = FamilyCardNumber::parse(&raw).unwrap();
            prop_assert_eq!(kk.as_str(), raw.as_str());
        }
    }
}
