use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Sex as recorded on the ID card; the NIK encodes it (women add 40 to the day of birth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "L")]
    Male,
    #[serde(rename = "P")]
    Female,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GenderError {
    #[error("Pilih jenis kelamin sesuai KTP.")]
    Missing,
}

impl Gender {
    /// Form values are the KTP's own letters: L (laki-laki) and P (perempuan).
    pub fn parse(raw: &str) -> Result<Gender, GenderError> {
        match raw.trim() {
            "L" => Ok(Gender::Male),
            "P" => Ok(Gender::Female),
            _ => Err(GenderError::Missing),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "L",
            Gender::Female => "P",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "Laki-laki",
            Gender::Female => "Perempuan",
        }
    }

    pub const ALL: [Gender; 2] = [Gender::Male, Gender::Female];
}

/// The program accepts applicants aged 18 to 64 on the registration date.
pub const MIN_AGE: u32 = 18;
pub const MAX_AGE: u32 = 64;

/// A date of birth of an applicant who is 18-64 years old on the registration date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirthDate(NaiveDate);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    #[error("Isi tanggal lahir sesuai KTP.")]
    Empty,
    #[error("Tanggal lahir tidak valid. Gunakan format tahun-bulan-tanggal, misalnya 1995-08-17.")]
    Invalid,
    #[error("Tanggal lahir tidak boleh setelah hari ini.")]
    InFuture,
    #[error("Usia minimal 18 tahun pada tanggal pendaftaran.")]
    TooYoung,
    #[error("Usia maksimal 64 tahun pada tanggal pendaftaran.")]
    TooOld,
}

impl BirthDate {
    /// Parses the value of an `<input type="date">` (YYYY-MM-DD) and checks the age on `today`,
    /// the registration date in WIB.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<BirthDate, BirthDateError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(BirthDateError::Empty);
        }
        let date = parse_iso_date(raw).ok_or(BirthDateError::Invalid)?;
        if date.year() < 1900 {
            return Err(BirthDateError::Invalid);
        }
        if date > today {
            return Err(BirthDateError::InFuture);
        }
        let age = age_on(date, today);
        if age < MIN_AGE {
            Err(BirthDateError::TooYoung)
        } else if age > MAX_AGE {
            Err(BirthDateError::TooOld)
        } else {
            Ok(BirthDate(date))
        }
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// Restores a value that was parsed before it was stored.
    pub fn from_stored(date: NaiveDate) -> BirthDate {
        BirthDate(date)
    }
}

/// Parses YYYY-MM-DD (what `<input type="date">` sends) by hand: chrono's general format
/// parser would add tens of kilobytes to the WASM applicants download.
pub fn parse_iso_date(raw: &str) -> Option<NaiveDate> {
    let mut parts = raw.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Completed years between `birth` and `on` (a birthday on 29 February counts from 1 March).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::super::ymd;
    use super::*;

    #[test]
    fn age_counts_completed_years() {
        assert_eq!(age_on(ymd("2008-11-29"), ymd("2026-11-29")), 18);
        assert_eq!(age_on(ymd("2008-11-30"), ymd("2026-11-29")), 17);
        assert_eq!(age_on(ymd("2008-02-29"), ymd("2026-02-28")), 17);
        assert_eq!(age_on(ymd("2008-02-29"), ymd("2026-03-01")), 18);
    }

    #[test]
    fn the_age_limits_are_inclusive() {
        let today = ymd("2026-11-29");
        assert!(BirthDate::parse("2008-11-29", today).is_ok());
        assert_eq!(BirthDate::parse("2008-11-30", today), Err(BirthDateError::TooYoung));
        assert!(BirthDate::parse("1961-11-30", today).is_ok());
        assert_eq!(BirthDate::parse("1961-11-29", today), Err(BirthDateError::TooOld));
    }

    #[test]
    fn iso_dates_parse_strictly() {
        assert_eq!(parse_iso_date("1995-08-17"), Some(ymd("1995-08-17")));
        for bad in [
            "1995-8-17",
            "95-08-17",
            "1995-08-17-",
            "1995/08/17",
            "1995-02-30",
            "",
            "1995-08-1x",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_malformed_and_future_dates() {
        let today = ymd("2026-11-29");
        assert_eq!(BirthDate::parse("  ", today), Err(BirthDateError::Empty));
        assert_eq!(BirthDate::parse("17-08-1995", today), Err(BirthDateError::Invalid));
        assert_eq!(BirthDate::parse("1995-02-30", today), Err(BirthDateError::Invalid));
        assert_eq!(BirthDate::parse("2027-01-01", today), Err(BirthDateError::InFuture));
    }

    #[test]
    fn gender_uses_the_id_card_letters() {
        assert_eq!(Gender::parse(Gender::Female.code()), Ok(Gender::Female));
    }

    proptest::proptest! {
        #[test]
        fn every_age_from_18_to_64_is_accepted_and_others_refused(days_old in 0i64..(90 * 366)) {
            let today = ymd("2026-12-02");
            let birth = today - chrono::Duration::days(days_old);
            let age = age_on(birth, today);
            let parsed = BirthDate::parse(&birth.format("%Y-%m-%d").to_string(), today);
            match age {
                0..=17 => proptest::prop_assert_eq!(parsed, Err(BirthDateError::TooYoung)),
                18..=64 => proptest::prop_assert_eq!(parsed.map(|b| b.date()), Ok(birth)),
                _ => proptest::prop_assert_eq!(parsed, Err(BirthDateError::TooOld)),
            }
        }

        #[test]
        fn parse_never_panics(raw in ".{0,20}") {
            let _ = BirthDate::parse(&raw, ymd("2026-12-02"));
            let _ = Gender::parse(&raw);
        }
    }

    #[test]
    fn gender_round_trips_through_its_code() {
        assert_eq!(Gender::parse("L"), Ok(Gender::Male));
        assert_eq!(Gender::parse("P"), Ok(Gender::Female));
        assert_eq!(Gender::parse(""), Err(GenderError::Missing));
        assert_eq!(Gender::parse("X"), Err(GenderError::Missing));
    }
}
