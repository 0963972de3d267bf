//! Complaints (pengaduan): what they are about, what the applicant writes, and the service-level
//! clock that runs in working days in WIB (Monday to Friday, less the program's holidays).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::choice_enum;

choice_enum! {
    /// What a complaint is about (the real program's were mostly the draw and the incentive).
    ComplaintCategory, ComplaintCategoryError, "Pilih tentang apa pengaduan Anda.",
    {
        Verification => ("verifikasi", "Verifikasi data"),
        Test => ("tes", "Tes kemampuan dasar"),
        DrawOutcome => ("hasil-undian", "Hasil undian gelombang"),
        Purchase => ("pembelian", "Pembelian pelatihan"),
        TrainingCompletion => ("penyelesaian-pelatihan", "Penyelesaian pelatihan"),
        Certificate => ("sertifikat", "Sertifikat"),
        Incentive => ("insentif", "Insentif"),
        Other => ("lainnya", "Lainnya"),
    }
}

choice_enum! {
    /// How an operator closes a complaint.
    ComplaintOutcome, ComplaintOutcomeError, "Pilih hasil penanganan pengaduan.",
    {
        Resolved => ("diselesaikan", "Diselesaikan"),
        Explained => ("dijelaskan", "Dijelaskan: tidak ada yang perlu diubah"),
        Refused => ("ditolak", "Ditolak"),
    }
}

/// The record a complaint is about, as the page it was filed from names it (`gelombang:3`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum About {
    Wave(i32),
    Purchase(String),
    Installment(i16),
    Certificate(String),
    Verification,
    Test,
}

impl About {
    pub fn parse(raw: &str) -> Option<About> {
        let (kind, id) = raw.split_once(':').unwrap_or((raw, ""));
        let code = |id: &str| {
            (!id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .then(|| id.to_owned())
        };
        match kind {
            "gelombang" => id.parse().ok().map(About::Wave),
            "pembelian" => code(id).map(About::Purchase),
            "insentif" => id.parse().ok().map(About::Installment),
            "sertifikat" => code(id).map(About::Certificate),
            "verifikasi" => Some(About::Verification),
            "tes" => Some(About::Test),
            _ => None,
        }
    }

    pub fn code(&self) -> String {
        match self {
            About::Wave(id) => format!("gelombang:{id}"),
            About::Purchase(voucher) => format!("pembelian:{voucher}"),
            About::Installment(n) => format!("insentif:{n}"),
            About::Certificate(code) => format!("sertifikat:{code}"),
            About::Verification => "verifikasi".to_owned(),
            About::Test => "tes".to_owned(),
        }
    }

    /// The category a complaint about this record starts with.
    pub fn category(&self) -> ComplaintCategory {
        match self {
            About::Wave(_) => ComplaintCategory::DrawOutcome,
            About::Purchase(_) => ComplaintCategory::Purchase,
            About::Installment(_) => ComplaintCategory::Incentive,
            About::Certificate(_) => ComplaintCategory::Certificate,
            About::Verification => ComplaintCategory::Verification,
            About::Test => ComplaintCategory::Test,
        }
    }
}

/// What an applicant or an operator writes in a complaint: said in at least a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintText(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintTextError {
    #[error("Tuliskan pengaduan atau jawaban Anda, paling sedikit 20 karakter.")]
    TooShort,
    #[error("Paling banyak 2.000 karakter.")]
    TooLong,
}

impl ComplaintText {
    pub fn parse(raw: &str) -> Result<ComplaintText, ComplaintTextError> {
        // Line breaks are kept (a complaint may have paragraphs); other runs of spaces are not.
        let text: String = raw
            .trim()
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n");
        match text.chars().count() {
            0..20 => Err(ComplaintTextError::TooShort),
            20..=2000 => Ok(ComplaintText(text)),
            _ => Err(ComplaintTextError::TooLong),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Working days a complaint is answered within.
pub const ANSWER_WITHIN_WORKING_DAYS: u32 = 5;

/// The end (23:59:59 WIB) of the `days`-th working day after the WIB day of `filed_at`: Monday to
/// Friday, except `holidays`.
pub fn answer_due(filed_at: DateTime<Utc>, days: u32, holidays: &[NaiveDate]) -> DateTime<Utc> {
    let mut day = super::wib::date_in_program_tz(filed_at);
    let mut counted = 0;
    while counted < days {
        day = day.succ_opt().unwrap_or(day);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        if !weekend && !holidays.contains(&day) {
            counted += 1;
        }
    }
    let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
    super::wib::local_instant(day, end_of_day).unwrap_or(filed_at + Duration::days(i64::from(days) + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wib(s: &str) -> DateTime<Utc> {
        chrono::DateTime::parse_from_str(&format!("{s} +0700"), "%Y-%m-%d %H:%M %z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_record_is_named_by_its_kind_and_id_and_nothing_else() {
        assert_eq!(About::parse("gelombang:3"), Some(About::Wave(3)));
        assert_eq!(
            About::parse("pembelian:AB12-CD34"),
            Some(About::Purchase("AB12-CD34".into()))
        );
        assert_eq!(About::parse("insentif:2"), Some(About::Installment(2)));
        assert_eq!(About::parse("verifikasi"), Some(About::Verification));
        assert_eq!(About::parse("gelombang:tiga"), None);
        assert_eq!(About::parse("pembelian:<script>"), None);
        assert_eq!(About::parse("rumah:1"), None);
        assert_eq!(About::Wave(3).code(), "gelombang:3");
    }

    #[test]
    fn five_working_days_skip_the_weekend_and_holidays() {
        // Filed on Wednesday 2 December 2026: Thu, Fri, Mon, Tue, Wed → Wednesday 9 December.
        let due = answer_due(wib("2026-12-02 10:00"), 5, &[]);
        assert_eq!(due, wib("2026-12-09 23:59") + Duration::seconds(59));
        // Friday the 4th a holiday: one more day, Thursday the 10th.
        let holiday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let due = answer_due(wib("2026-12-02 10:00"), 5, &[holiday]);
        assert_eq!(
            super::super::wib::date_in_program_tz(due),
            NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
        );
        // Filed late on Saturday, WIB: the clock starts Monday.
        let due = answer_due(wib("2026-12-05 23:30"), 1, &[]);
        assert_eq!(
            super::super::wib::date_in_program_tz(due),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
    }

    #[test]
    fn a_complaint_says_something_and_keeps_its_paragraphs() {
        let text = ComplaintText::parse("  Saya   tidak terpilih\n\n padahal   sudah lulus tes.  ").unwrap();
        assert_eq!(text.as_str(), "Saya tidak terpilih\n\npadahal sudah lulus tes.");
        assert_eq!(ComplaintText::parse("Kenapa?"), Err(ComplaintTextError::TooShort));
        assert_eq!(
            ComplaintText::parse(&"a".repeat(2001)),
            Err(ComplaintTextError::TooLong)
        );
    }
}
