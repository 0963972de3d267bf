//! Time in the program's zone, WIB (Asia/Jakarta). WIB is UTC+7 all year: Indonesia has kept no
//! daylight saving since 1964, so a fixed offset is exact, the browser needs no time-zone
//! database, and the server computes the registration window without a zone lookup per request.
//! (A test checks the offset against the tz database.)

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// The program's zone.
pub fn zone() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// A WIB wall-clock time on a date, as an instant.
pub fn local_instant(day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    zone()
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A whole WIB day: its first instant and the next day's.
pub fn day_span(day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let next = day.succ_opt()?;
    Some((
        local_instant(day, NaiveTime::MIN)?,
        local_instant(next, NaiveTime::MIN)?,
    ))
}

/// The calendar date in WIB: the registration date for the age rule.
pub fn date_in_program_tz(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone()).date_naive()
}

/// Days of the week by ISO number less one (Monday first).
pub const DAYS: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// "Senin, 30 November 2026 pukul 08.00 WIB"
pub fn format_wib(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone());
    format!(
        "{}, {} {} {} pukul {}",
        DAYS[local.weekday().num_days_from_monday() as usize],
        local.day(),
        MONTHS[local.month0() as usize],
        local.year(),
        local.format("%H.%M WIB"),
    )
}

/// A window of time, "<from> sampai <until>", both in WIB.
pub fn format_window(from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!("{} sampai {}", format_wib(from), format_wib(until))
}

/// "30 November 2026"
pub fn format_date(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), MONTHS[date.month0() as usize], date.year())
}

/// The day of a moment in WIB: "30 November 2026".
pub fn format_wib_date(at: DateTime<Utc>) -> String {
    format_date(date_in_program_tz(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wib_is_utc_plus_seven_with_the_dates_and_words_of_indonesia() {
        let eight_monday = local_instant(
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(eight_monday.to_rfc3339(), "2026-12-07T01:00:00+00:00");
        assert_eq!(format_wib(eight_monday), "Senin, 7 Desember 2026 pukul 08.00 WIB");
        assert_eq!(format_wib_date(eight_monday), "7 Desember 2026");
        let half_past_midnight = eight_monday - chrono::Duration::minutes(7 * 60 + 30);
        assert_eq!(date_in_program_tz(half_past_midnight).to_string(), "2026-12-07");
    }

    /// The fixed offset agrees with the tz database's Asia/Jakarta across the years the program
    /// can see.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_fixed_offset_is_asia_jakarta() {
        use chrono::Offset;
        let jakarta = chrono_tz::Asia::Jakarta;
        for year in 2000..2040 {
            for month in 1..=12 {
                let at = Utc.with_ymd_and_hms(year, month, 15, 12, 0, 0).unwrap();
                assert_eq!(jakarta.offset_from_utc_datetime(&at.naive_utc()).fix(), zone());
            }
        }
    }
}
