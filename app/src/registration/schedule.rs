//! The registration schedule: weekly hours in WIB (Asia/Jakarta) plus dated exceptions.
//! Windows are half-open: open at 08:00:00, closed at 16:00:00.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};

use crate::domain::wib::{self, local_instant};

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
}
