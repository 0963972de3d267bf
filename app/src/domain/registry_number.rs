//! The layout the civil registry gives a NIK and a family card (KK) number alike: 16 digits, a
//! known province (digits 1-2), non-zero regency and district codes (3-4, 5-6), a DDMMYY date
//! (7-12) and a non-zero sequence (13-16). Written once; each number names its own errors.

use super::{is_plausible_ddmmyy, region::Province, without_whitespace};

/// How one kind of number reads its date, and the error it reports for each broken rule.
pub(crate) struct RegistryNumberRules<E> {
    /// A woman's NIK adds 40 to her day of birth; a family card's issue date is plain.
    pub day_may_add_forty: bool,
    pub empty: E,
    pub not_sixteen_digits: E,
    pub unknown_province: E,
    pub zero_region: E,
    pub implausible_date: E,
    pub zero_sequence: E,
}

impl<E: Copy> RegistryNumberRules<E> {
    /// The 16 digits without the spaces applicants type between groups, or the error of the
    /// first rule they break, in the order of the digits.
    pub(crate) fn apply(&self, raw: &str) -> Result<String, E> {
        let digits = without_whitespace(raw);
        match digits.len() {
            0 => return Err(self.empty),
            16 if digits.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err(self.not_sixteen_digits),
        }
        if Province::from_code(&digits[0..2]).is_none() {
            return Err(self.unknown_province);
        }
        if number_at(&digits, 2..4) == 0 || number_at(&digits, 4..6) == 0 {
            return Err(self.zero_region);
        }
        let (day, month, yy) = date_digits(&digits);
        let day = if self.day_may_add_forty && day > 40 {
            day - 40
        } else {
            day
        };
        if !is_plausible_ddmmyy(day, month, yy) {
            return Err(self.implausible_date);
        }
        if number_at(&digits, 12..16) == 0 {
            return Err(self.zero_sequence);
        }
        Ok(digits)
    }
}

/// Digits 7-12 as day, month and two-digit year, as written (a woman's NIK day still plus 40).
pub(crate) fn date_digits(digits: &str) -> (u32, u32, u32) {
    (
        number_at(digits, 6..8),
        number_at(digits, 8..10),
        number_at(digits, 10..12),
    )
}

/// The digits in `range` as a number; called only once all 16 are known to be digits.
fn number_at(digits: &str, range: std::ops::Range<usize>) -> u32 {
    digits[range].parse().expect("digits")
}

/// The number for screens and logs that only need to recognise it: 3201********0001.
pub fn masked(digits: &str) -> String {
    format!("{}********{}", &digits[0..4], &digits[12..16])
}

#[cfg(test)]
mod tests {
    use super::super::{
        family_card::{FamilyCardError, FamilyCardNumber},
        nik::{Nik, NikError},
    };

    #[test]
    fn both_numbers_refuse_malformed_digits_each_in_its_own_words() {
        // Each input as a NIK and as a family card number.
        let cases = [
            ("", Err(NikError::Empty), Err(FamilyCardError::Empty)),
            ("   ", Err(NikError::Empty), Err(FamilyCardError::Empty)),
            (
                "320101170895000",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "32010117089500011",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "320101170895000A",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "3201-01-17-08-95-0001",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "320101200315000",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "32010120031500x7",
                Err(NikError::NotSixteenDigits),
                Err(FamilyCardError::NotSixteenDigits),
            ),
            (
                "2001011708950001",
                Err(NikError::UnknownProvince),
                Err(FamilyCardError::UnknownProvince),
            ),
            (
                "9901011708950001",
                Err(NikError::UnknownProvince),
                Err(FamilyCardError::UnknownProvince),
            ),
            (
                "1001012003150007",
                Err(NikError::UnknownProvince),
                Err(FamilyCardError::UnknownProvince),
            ),
            (
                "3200011708950001",
                Err(NikError::InvalidRegion),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201001708950001",
                Err(NikError::InvalidRegion),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3200012003150007",
                Err(NikError::InvalidRegion),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201013208950001",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201013302950001",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201017202950001",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201011713950001",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201010000950001",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            (
                "3201012013150007",
                Err(NikError::InvalidBirthDate),
                Err(FamilyCardError::Malformed),
            ),
            // A woman's NIK adds 40 to her day of birth; a family card's date never does.
            ("3201014503150007", Ok(()), Err(FamilyCardError::Malformed)),
            (
                "3201011708950000",
                Err(NikError::ZeroSequence),
                Err(FamilyCardError::ZeroSequence),
            ),
            (
                "3201012003150000",
                Err(NikError::ZeroSequence),
                Err(FamilyCardError::ZeroSequence),
            ),
        ];
        for (raw, as_nik, as_family_card) in cases {
            assert_eq!(Nik::parse(raw).map(|_| ()), as_nik, "NIK {raw:?}");
            assert_eq!(FamilyCardNumber::parse(raw).map(|_| ()), as_family_card, "KK {raw:?}");
        }
    }
}
