use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{birth::Gender, region::Province, registry_number, registry_number::RegistryNumberRules};

/// Nomor Induk Kependudukan: 16 digits.
///
/// Digits 1-6 are the region (province, regency, district), 7-12 the date of birth as DDMMYY
/// (women add 40 to the day), 13-16 a non-zero sequence number.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nik(String);

super::masked_debug!(Nik);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("Isi NIK (16 digit) sesuai KTP.")]
    Empty,
    #[error("NIK harus terdiri dari 16 angka.")]
    NotSixteenDigits,
    #[error("Dua digit pertama NIK bukan kode provinsi yang dikenal.")]
    UnknownProvince,
    #[error("Kode kabupaten/kota atau kecamatan pada NIK (digit 3-6) tidak valid.")]
    InvalidRegion,
    #[error("Tanggal lahir pada NIK (digit 7-12) tidak valid.")]
    InvalidBirthDate,
    #[error("Nomor urut pada NIK (digit 13-16) tidak boleh 0000.")]
    ZeroSequence,
}

/// How the NIK disagrees with the date of birth or gender the applicant entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NikMismatch {
    #[error("Tanggal lahir tidak sesuai dengan NIK (digit 7-12). Periksa kembali KTP Anda.")]
    BirthDate,
    #[error("Jenis kelamin tidak sesuai dengan NIK (pada NIK perempuan, tanggal lahir ditambah 40).")]
    Gender,
}

const RULES: RegistryNumberRules<NikError> = RegistryNumberRules {
    day_may_add_forty: true,
    empty: NikError::Empty,
    not_sixteen_digits: NikError::NotSixteenDigits,
    unknown_province: NikError::UnknownProvince,
    zero_region: NikError::InvalidRegion,
    implausible_date: NikError::InvalidBirthDate,
    zero_sequence: NikError::ZeroSequence,
};

impl Nik {
    pub fn parse(raw: &str) -> Result<Nik, NikError> {
        RULES.apply(raw).map(Nik)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province(&self) -> Province {
        Province::from_code(&self.0[0..2]).expect("checked by parse")
    }

    /// The gender the NIK encodes.
    pub fn gender(&self) -> Gender {
        if self.date_digits().0 > 40 {
            Gender::Female
        } else {
            Gender::Male
        }
    }

    /// Checks that the NIK encodes this date of birth and gender.
    pub fn agrees_with(&self, birth: NaiveDate, gender: Gender) -> Result<(), NikMismatch> {
        let (day, month, yy) = self.date_digits();
        let encoded_gender = self.gender();
        let day = if encoded_gender == Gender::Female {
            day - 40
        } else {
            day
        };
        if day != birth.day() || month != birth.month() || yy != (birth.year() % 100) as u32 {
            return Err(NikMismatch::BirthDate);
        }
        if encoded_gender != gender {
            return Err(NikMismatch::Gender);
        }
        Ok(())
    }

    /// A masked form for screens that only need to recognise the number: 3201********0001.
    pub fn masked(&self) -> String {
        registry_number::masked(&self.0)
    }

    fn date_digits(&self) -> (u32, u32, u32) {
        registry_number::date_digits(&self.0)
    }
}

super::parsed_text!(Nik, NikError);

/// Builds a NIK from its parts; used by tests, the demo seed and the load generator.
pub fn compose_nik(region: &str, birth: NaiveDate, gender: Gender, sequence: u16) -> String {
    let day = birth.day() + if gender == Gender::Female { 40 } else { 0 };
    format!(
        "{region}{day:02}{:02}{:02}{sequence:04}",
        birth.month(),
        birth.year() % 100
    )
}

#[cfg(test)]
mod tests {
    use super::super::ymd;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_mans_and_a_womans_nik() {
        let man = Nik::parse("3201011708950001").unwrap();
        assert_eq!(man.gender(), Gender::Male);
        assert_eq!(man.province().name(), "Jawa Barat");
        assert_eq!(man.agrees_with(ymd("1995-08-17"), Gender::Male), Ok(()));

        let woman = Nik::parse("3174 0557 0301 0042").unwrap();
        assert_eq!(woman.as_str(), "3174055703010042");
        assert_eq!(woman.gender(), Gender::Female);
        assert_eq!(woman.agrees_with(ymd("2001-03-17"), Gender::Female), Ok(()));
    }

    #[test]
    fn a_refusal_says_what_is_wrong_in_words() {
        assert_eq!(
            NikError::NotSixteenDigits.to_string(),
            "NIK harus terdiri dari 16 angka."
        );
    }

    #[test]
    fn reports_disagreement_with_date_of_birth_and_gender() {
        let man = Nik::parse("3201011708950001").unwrap();
        for (birth, gender, expected) in [
            ("1995-08-18", Gender::Male, NikMismatch::BirthDate),
            ("1995-09-17", Gender::Male, NikMismatch::BirthDate),
            ("1985-08-17", Gender::Male, NikMismatch::BirthDate),
            ("1995-08-17", Gender::Female, NikMismatch::Gender),
        ] {
            assert_eq!(man.agrees_with(ymd(birth), gender), Err(expected), "{birth} {gender:?}");
        }
    }

    #[test]
    fn debug_output_masks_the_number() {
        let nik = Nik::parse("3201011708950001").unwrap();
        assert_eq!(format!("{nik:?}"), "Nik(3201********0001)");
    }

    fn any_region() -> impl Strategy<Value = String> {
        (0usize..38, 1u32..=99, 1u32..=99).prop_map(|(p, regency, district)| {
            format!("{}{regency:02}{district:02}", super::super::region::PROVINCES[p].0)
        })
    }

    fn any_birth() -> impl Strategy<Value = NaiveDate> {
        (0i64..(80 * 366)).prop_map(|days| ymd("1940-01-01") + chrono::Duration::days(days))
    }

    fn any_gender() -> impl Strategy<Value = Gender> {
        prop_oneof![Just(Gender::Male), Just(Gender::Female)]
    }

    proptest! {
        #[test]
        fn every_composed_nik_round_trips_and_agrees(
            region in any_region(), birth in any_birth(), gender in any_gender(), seq in 1u16..=9999,
        ) {
            let raw = compose_nik(&region, birth, gender, seq);
            let nik = Nik::parse(&raw).unwrap();
            prop_assert_eq!(nik.as_str(), raw.as_str());
            prop_assert_eq!(nik.gender(), gender);
            prop_assert_eq!(nik.agrees_with(birth, gender), Ok(()));
            let json = serde_json::to_string(&nik).unwrap();
            prop_assert_eq!(serde_json::from_str::<Nik>(&json).unwrap(), nik);
        }

        #[test]
        fn a_nik_never_agrees_with_another_birth_date(
            region in any_region(), birth in any_birth(), other in any_birth(), gender in any_gender(),
        ) {
            prop_assume!(birth != other);
            let nik = Nik::parse(&compose_nik(&region, birth, gender, 1)).unwrap();
            // Births exactly 100 years apart share DDMMYY; the range above never spans a century.
            prop_assert_eq!(nik.agrees_with(other, gender), Err(NikMismatch::BirthDate));
        }

        #[test]
        fn changing_any_digit_count_is_refused(digits in "[0-9]{0,15}|[0-9]{17,20}") {
            prop_assert!(Nik::parse(&digits).is_err());
        }

        #[test]
        fn parse_never_panics(raw in ".{0,40}") {
            let _ = Nik::parse(&raw);
        }
    }
}
