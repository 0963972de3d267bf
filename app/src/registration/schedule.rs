//! The registration schedule: weekly hours in WIB (Asia/Jakarta) plus dated exceptions.
//! Windows are half-open: open at 08:00:00, closed at 16:00:00.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    submission::FORM_ERROR,
    wib::{self, local_instant},
    FieldErrors,
};

/// How far ahead the next opening is searched for.
const HORIZON_DAYS: i64 = 62;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklyHours {
    /// ISO weekday, 1 = Monday.
    pub iso_weekday: u32,
    pub opens_at: NaiveTime,
    pub closes_at: NaiveTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    /// Registration is closed (a holiday), whatever the weekly hours say.
    Closed,
    /// Registration is open outside the weekly hours (an extra day).
    Open,
}

impl ExceptionKind {
    pub fn code(self) -> &'static str {
        match self {
            ExceptionKind::Closed => "closed",
            ExceptionKind::Open => "open",
        }
    }

    pub fn from_code(code: &str) -> Option<ExceptionKind> {
        match code {
            "closed" => Some(ExceptionKind::Closed),
            "open" => Some(ExceptionKind::Open),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleException {
    pub kind: ExceptionKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl ScheduleException {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    pub weekly: Vec<WeeklyHours>,
    pub exceptions: Vec<ScheduleException>,
}

impl Schedule {
    /// The article's schedule: Monday to Thursday, 08:00-16:00 WIB.
    pub fn article_default() -> Schedule {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("valid time");
        Schedule {
            weekly: (1..=4)
                .map(|d| WeeklyHours {
                    iso_weekday: d,
                    opens_at: at(8),
                    closes_at: at(16),
                })
                .collect(),
            exceptions: Vec::new(),
        }
    }

    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let in_exception = |kind| self.exceptions.iter().any(|e| e.kind == kind && e.covers(at));
        if in_exception(ExceptionKind::Closed) {
            return false;
        }
        if in_exception(ExceptionKind::Open) {
            return true;
        }
        let local = at.with_timezone(&wib::zone());
        let weekday = local.weekday().number_from_monday();
        let time = local.time();
        self.weekly
            .iter()
            .any(|w| w.iso_weekday == weekday && w.opens_at <= time && time < w.closes_at)
    }

    /// The next instant after `at` at which registration opens (when closed) or closes (when open).
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let open_now = self.is_open(at);
        self.boundaries_after(at)
            .into_iter()
            .find(|b| self.is_open(*b) != open_now)
    }

    /// The weekly hours in words: runs of days with the same hours together ("Senin sampai
    /// Kamis, pukul 08.00–16.00 WIB; Jumat, pukul 08.00–12.00 WIB").
    pub fn weekly_in_words(&self) -> String {
        let mut hours: Vec<&WeeklyHours> = self.weekly.iter().collect();
        hours.sort_by_key(|w| (w.iso_weekday, w.opens_at));
        let mut runs: Vec<(u32, u32, NaiveTime, NaiveTime)> = Vec::new();
        for w in hours {
            match runs.last_mut() {
                Some(run) if run.1 + 1 == w.iso_weekday && (run.2, run.3) == (w.opens_at, w.closes_at) => {
                    run.1 = w.iso_weekday
                }
                _ => runs.push((w.iso_weekday, w.iso_weekday, w.opens_at, w.closes_at)),
            }
        }
        let name = |day: u32| WEEKDAYS[(day as usize).saturating_sub(1).min(6)];
        runs.into_iter()
            .map(|(first, last, opens, closes)| {
                let days = if first == last {
                    name(first).to_owned()
                } else {
                    format!("{} sampai {}", name(first), name(last))
                };
                format!("{days}, pukul {}–{} WIB", opens.format("%H.%M"), closes.format("%H.%M"))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The next `count` windows of registration from `at` (the current one first, from `at`, when
    /// open now): when each opens and closes (`None`: not within the horizon).
    pub fn windows(&self, at: DateTime<Utc>, count: usize) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let mut windows = Vec::new();
        let mut from = at;
        if self.is_open(at) {
            let closes = self.next_change(at);
            windows.push((at, closes));
            match closes {
                Some(closes) => from = closes,
                None => return windows,
            }
        }
        while windows.len() < count {
            let Some(opens) = self.next_change(from) else { break };
            let closes = self.next_change(opens);
            windows.push((opens, closes));
            match closes {
                Some(closes) => from = closes,
                None => break,
            }
        }
        windows
    }

    /// Every instant after `at` where the answer of `is_open` may change, in order.
    fn boundaries_after(&self, at: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let first_day = at.with_timezone(&wib::zone()).date_naive() - Duration::days(1);
        let mut instants: Vec<DateTime<Utc>> = (0..=HORIZON_DAYS)
            .map(|n| first_day + Duration::days(n))
            .flat_map(|day| {
                self.weekly
                    .iter()
                    .filter(move |w| day.weekday().number_from_monday() == w.iso_weekday)
                    .flat_map(move |w| [local_instant(day, w.opens_at), local_instant(day, w.closes_at)])
            })
            .flatten()
            .chain(self.exceptions.iter().flat_map(|e| [e.starts_at, e.ends_at]))
            .filter(|instant| *instant > at)
            .collect();
        instants.sort_unstable();
        instants.dedup();
        instants
    }
}

/// Days of the week by ISO number less one (1 = Monday is `WEEKDAYS[0]`).
pub use crate::domain::wib::DAYS as WEEKDAYS;

/// One day of the weekly hours as the console's form posts it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawDayHours {
    /// Non-empty when the day is open.
    pub open: String,
    pub opens: String,
    pub closes: String,
}

/// A time of day as people type it: 08:00, 8:00 or 08.00.
fn parse_clock(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim().replace('.', ":");
    NaiveTime::parse_from_str(&raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(&raw, "%H:%M:%S"))
        .ok()
}

/// The weekly hours from the console's form (by ISO weekday, "1" to "7"). Each open day needs an
/// opening and a later closing time; at least one day is open.
pub fn parse_weekly(raw: &BTreeMap<String, RawDayHours>) -> Result<Vec<WeeklyHours>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut weekly = Vec::new();
    for (index, name) in WEEKDAYS.iter().enumerate() {
        let iso_weekday = index as u32 + 1;
        let day = raw.get(&iso_weekday.to_string()).cloned().unwrap_or_default();
        if day.open.trim().is_empty() {
            continue;
        }
        let field = format!("hours-{iso_weekday}");
        match (parse_clock(&day.opens), parse_clock(&day.closes)) {
            (Some(opens_at), Some(closes_at)) if closes_at > opens_at => weekly.push(WeeklyHours {
                iso_weekday,
                opens_at,
                closes_at,
            }),
            (Some(_), Some(_)) => errors.push(&field, format!("Jam tutup {name} harus setelah jam bukanya.")),
            _ => errors.push(
                &field,
                format!("Isi jam buka dan jam tutup {name} (JJ:MM, misalnya 08:00)."),
            ),
        }
    }
    if weekly.is_empty() && errors.is_empty() {
        errors.push(FORM_ERROR, "Buka pendaftaran paling sedikit satu hari dalam seminggu.");
    }
    errors.into_result(|| weekly)
}

/// An exception as the console's form posts it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawException {
    /// "tutup" (a holiday) or "buka" (an extra day).
    pub kind: String,
    /// YYYY-MM-DD (WIB).
    pub date: String,
    /// Optional: a holiday closes the whole day, an extra day opens 08:00-16:00.
    pub from: String,
    pub until: String,
    pub note: String,
}

/// A dated exception and its note, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewException {
    pub exception: ScheduleException,
    pub note: String,
}

/// An exception from the console's form: a day from `today` on, its hours (or the whole day),
/// and a note of 5 to 200 characters saying why.
pub fn parse_exception(raw: &RawException, today: NaiveDate) -> Result<NewException, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = match raw.kind.as_str() {
        "tutup" => Some(ExceptionKind::Closed),
        "buka" => Some(ExceptionKind::Open),
        _ => {
            errors.push("kind", "Pilih: tutup (hari libur) atau buka (hari tambahan).");
            None
        }
    };
    let date = match NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d") {
        Ok(date) if date < today => {
            errors.push("date", "Tanggal itu sudah lewat.");
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.push("date", "Isi tanggalnya (TTTT-BB-HH, misalnya 2026-12-25).");
            None
        }
    };
    let hours = match (raw.from.trim().is_empty(), raw.until.trim().is_empty()) {
        (true, true) => Some(None),
        _ => match (parse_clock(&raw.from), parse_clock(&raw.until)) {
            (Some(from), Some(until)) if until > from => Some(Some((from, until))),
            (Some(_), Some(_)) => {
                errors.push("until", "Jam selesai harus setelah jam mulai.");
                None
            }
            _ => {
                errors.push(
                    "from",
                    "Isi jam mulai dan jam selesai (JJ:MM), atau kosongkan keduanya.",
                );
                None
            }
        },
    };
    let note = raw.note.split_whitespace().collect::<Vec<_>>().join(" ");
    if !(5..=200).contains(&note.chars().count()) {
        errors.push(
            "note",
            "Tulis keterangannya (5-200 karakter), misalnya nama hari liburnya.",
        );
    }
    let (Some(kind), Some(date), Some(hours)) = (kind, date, hours) else {
        return Err(errors);
    };
    let at = |day: NaiveDate, time: NaiveTime| local_instant(day, time);
    let (starts_at, ends_at) = match (hours, kind) {
        (Some((from, until)), _) => (at(date, from), at(date, until)),
        (None, ExceptionKind::Closed) => wib::day_span(date).unzip(),
        (None, ExceptionKind::Open) => {
            let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
            (at(date, hour(8)), at(date, hour(16)))
        }
    };
    let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) else {
        errors.push("date", "Tanggal itu tidak dapat dipakai.");
        return Err(errors);
    };
    errors.into_result(|| NewException {
        exception: ScheduleException {
            kind,
            starts_at,
            ends_at,
        },
        note,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::wib::{date_in_program_tz, format_wib};

    fn wib(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        wib::zone().from_local_datetime(&naive).unwrap().with_timezone(&Utc)
    }

    /// The article's schedule with one exception, from `starts` to `ends` (WIB).
    fn with_exception(kind: ExceptionKind, starts: &str, ends: &str) -> Schedule {
        let mut schedule = Schedule::article_default();
        schedule.exceptions.push(ScheduleException {
            kind,
            starts_at: wib(starts),
            ends_at: wib(ends),
        });
        schedule
    }

    /// The schedule's next change after `at` is at `expected` (both WIB).
    fn assert_next_change(schedule: &Schedule, at: &str, expected: &str) {
        assert_eq!(schedule.next_change(wib(at)), Some(wib(expected)), "after {at}");
    }

    #[test]
    fn thursday_afternoon_edges() {
        // 2026-12-03 is a Thursday.
        let schedule = Schedule::article_default();
        assert!(schedule.is_open(wib("2026-12-03 15:59:59")));
        assert!(!schedule.is_open(wib("2026-12-03 16:00:00")));
        assert!(!schedule.is_open(wib("2026-11-30 07:59:59")));
        assert!(schedule.is_open(wib("2026-11-30 08:00:00")));
    }

    #[test]
    fn friday_to_sunday_are_closed_and_the_next_opening_is_monday_eight() {
        let schedule = Schedule::article_default();
        for at in [
            "2026-12-04 10:00:00",
            "2026-12-05 10:00:00",
            "2026-12-06 23:59:59",
            "2026-12-03 16:00:00",
        ] {
            assert!(!schedule.is_open(wib(at)), "{at}");
            assert_next_change(&schedule, at, "2026-12-07 08:00:00");
        }
        assert_eq!(
            format_wib(wib("2026-12-07 08:00:00")),
            "Senin, 7 Desember 2026 pukul 08.00 WIB"
        );
    }

    #[test]
    fn while_open_the_next_change_is_the_closing_time() {
        let schedule = Schedule::article_default();
        assert_next_change(&schedule, "2026-12-02 09:30:00", "2026-12-02 16:00:00");
    }

    #[test]
    fn wib_is_utc_plus_seven() {
        assert_eq!(wib("2026-12-03 16:00:00").to_rfc3339(), "2026-12-03T09:00:00+00:00");
        assert_eq!(date_in_program_tz(wib("2026-12-03 00:30:00")).to_string(), "2026-12-03");
    }

    #[test]
    fn a_holiday_closes_a_weekday_and_moves_the_next_opening() {
        // Christmas 2026 is a Friday; take Thursday 24 December as a collective leave day.
        let schedule = with_exception(ExceptionKind::Closed, "2026-12-24 00:00:00", "2026-12-25 00:00:00");
        assert!(!schedule.is_open(wib("2026-12-24 10:00:00")));
        assert_next_change(&schedule, "2026-12-23 20:00:00", "2026-12-28 08:00:00");
        assert_next_change(&schedule, "2026-12-23 10:00:00", "2026-12-23 16:00:00");
    }

    #[test]
    fn an_extra_opening_opens_a_saturday() {
        let schedule = with_exception(ExceptionKind::Open, "2026-12-05 09:00:00", "2026-12-05 12:00:00");
        assert!(schedule.is_open(wib("2026-12-05 09:00:00")));
        assert!(!schedule.is_open(wib("2026-12-05 12:00:00")));
        assert_next_change(&schedule, "2026-12-04 18:00:00", "2026-12-05 09:00:00");
        assert_next_change(&schedule, "2026-12-05 10:00:00", "2026-12-05 12:00:00");
    }

    #[test]
    fn a_closure_ending_mid_window_reopens_at_its_end() {
        let schedule = with_exception(ExceptionKind::Closed, "2026-12-02 07:00:00", "2026-12-02 10:30:00");
        assert_next_change(&schedule, "2026-12-02 09:00:00", "2026-12-02 10:30:00");
    }

    #[test]
    fn an_empty_schedule_never_opens() {
        assert_eq!(Schedule::default().next_change(wib("2026-12-02 09:00:00")), None);
    }

    #[test]
    fn the_weekly_form_needs_hours_that_close_after_they_open() {
        let day = |open: &str, opens: &str, closes: &str| RawDayHours {
            open: open.into(),
            opens: opens.into(),
            closes: closes.into(),
        };
        let form = BTreeMap::from([
            ("1".to_owned(), day("1", "08:00", "16:00")),
            ("4".to_owned(), day("1", "8.00", "15.00")),
            ("6".to_owned(), day("", "garbage", "")),
        ]);
        let weekly = parse_weekly(&form).unwrap();
        assert_eq!(weekly.len(), 2);
        assert_eq!(weekly[1].closes_at, NaiveTime::from_hms_opt(15, 0, 0).unwrap());
        let wrong = BTreeMap::from([
            ("2".to_owned(), day("1", "16:00", "08:00")),
            ("3".to_owned(), day("1", "", "12:00")),
        ]);
        let errors = parse_weekly(&wrong).unwrap_err();
        assert_eq!(
            errors.get("hours-2"),
            Some("Jam tutup Selasa harus setelah jam bukanya.")
        );
        assert!(errors.get("hours-3").unwrap().contains("Rabu"));
        assert!(parse_weekly(&BTreeMap::new()).unwrap_err().get(FORM_ERROR).is_some());
    }

    #[test]
    fn an_exception_is_a_day_from_today_with_its_hours_or_the_whole_day() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let raw = |kind: &str, date: &str, from: &str, until: &str, note: &str| RawException {
            kind: kind.into(),
            date: date.into(),
            from: from.into(),
            until: until.into(),
            note: note.into(),
        };
        let holiday = parse_exception(&raw("tutup", "2026-12-07", "", "", "Cuti bersama"), today).unwrap();
        assert_eq!(
            format_wib(holiday.exception.starts_at),
            "Senin, 7 Desember 2026 pukul 00.00 WIB"
        );
        assert_eq!(
            format_wib(holiday.exception.ends_at),
            "Selasa, 8 Desember 2026 pukul 00.00 WIB"
        );
        let extra = parse_exception(&raw("buka", "2026-12-05", "", "", "Sabtu  tambahan"), today).unwrap();
        assert_eq!(extra.exception.kind, ExceptionKind::Open);
        assert_eq!(
            format_wib(extra.exception.starts_at),
            "Sabtu, 5 Desember 2026 pukul 08.00 WIB"
        );
        assert_eq!(extra.note, "Sabtu tambahan");
        let errors = parse_exception(&raw("", "2026-12-04", "10:00", "09:00", "x"), today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "date", "until", "note"]);
    }

    #[test]
    fn the_weekly_hours_read_as_runs_of_days() {
        let mut schedule = Schedule::article_default();
        assert_eq!(schedule.weekly_in_words(), "Senin sampai Kamis, pukul 08.00–16.00 WIB");
        schedule.weekly[3].closes_at = NaiveTime::from_hms_opt(15, 0, 0).unwrap();
        schedule.weekly.push(WeeklyHours {
            iso_weekday: 6,
            opens_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            closes_at: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        });
        assert_eq!(
            schedule.weekly_in_words(),
            "Senin sampai Rabu, pukul 08.00–16.00 WIB; Kamis, pukul 08.00–15.00 WIB; Sabtu, pukul 09.00–12.00 WIB"
        );
    }

    #[test]
    fn the_next_windows_follow_the_weekly_hours_and_the_exceptions() {
        let mut schedule = Schedule::article_default();
        let saturday = Utc.with_ymd_and_hms(2026, 12, 5, 3, 0, 0).unwrap();
        let monday = parse_exception(
            &RawException {
                kind: "tutup".into(),
                date: "2026-12-07".into(),
                note: "Cuti bersama".into(),
                ..RawException::default()
            },
            date_in_program_tz(saturday),
        )
        .unwrap();
        schedule.exceptions.push(monday.exception);
        let windows: Vec<String> = schedule
            .windows(saturday, 2)
            .into_iter()
            .map(|(opens, _)| format_wib(opens))
            .collect();
        assert_eq!(
            windows,
            [
                "Selasa, 8 Desember 2026 pukul 08.00 WIB",
                "Rabu, 9 Desember 2026 pukul 08.00 WIB"
            ]
        );
    }
}
