use serde::{Deserialize, Serialize};

use super::{is_plausible_ddmmyy, region::Province, without_whitespace};

/// At most this many NIKs may register on one family card (KK); the database's two numbered
/// slots per card (`family_card_slots`) hold the same rule.
pub const MAX_PER_FAMILY_CARD: u32 = 2;

/// Nomor Kartu Keluarga: 16 digits (region, issue date DDMMYY, sequence). At most two NIKs of
/// one family card may register.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FamilyCardNumber(String);

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

impl FamilyCardNumber {
    pub fn parse(raw: &str) -> Result<FamilyCardNumber, FamilyCardError> {
        let digits = without_whitespace(raw);
        if digits.is_empty() {
            return Err(FamilyCardError::Empty);
        }
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FamilyCardError::NotSixteenDigits);
        }
        if Province::from_code(&digits[0..2]).is_none() {
            return Err(FamilyCardError::UnknownProvince);
        }
        let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().expect("digits");
        if number(2..4) == 0 || number(4..6) == 0 || !is_plausible_ddmmyy(number(6..8), number(8..10), number(10..12)) {
            return Err(FamilyCardError::Malformed);
        }
        if number(12..16) == 0 {
            return Err(FamilyCardError::ZeroSequence);
        }
        Ok(FamilyCardNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FamilyCardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FamilyCardNumber({}********{})", &self.0[0..4], &self.0[12..16])
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

    #[test]
    fn refuses_each_kind_of_malformed_number() {
        let cases = [
            ("", FamilyCardError::Empty),
            ("320101200315000", FamilyCardError::NotSixteenDigits),
            ("32010120031500x7", FamilyCardError::NotSixteenDigits),
            ("1001012003150007", FamilyCardError::UnknownProvince),
            ("3200012003150007", FamilyCardError::Malformed),
            ("3201014503150007", FamilyCardError::Malformed),
            ("3201012013150007", FamilyCardError::Malformed),
            ("3201012003150000", FamilyCardError::ZeroSequence),
        ];
        for (raw, expected) in cases {
            assert_eq!(FamilyCardNumber::parse(raw), Err(expected), "input {raw:?}");
        }
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
