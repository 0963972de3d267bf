//! Domain types shared by the browser (WASM) and the server.
//!
//! Every input an applicant types becomes one of these types through a single `parse`, so the
//! browser and the server apply exactly the same rules. Fields are private: holding a value of
//! one of these types is proof it was parsed.

pub mod birth;
pub mod card_number;
pub mod category;
pub mod complaint;
pub mod dispute_statement;
pub mod education;
pub mod email;
pub mod employment;
pub mod exclusion;
pub mod family_card;
pub mod field_errors;
pub mod incentive_plan;
pub mod local_path;
pub mod mobile;
/// Server only: the similarity measure is a server dependency.
#[cfg(feature = "ssr")]
pub mod name_match;
mod name_rules;
pub mod nik;
pub mod one_time_code;
pub mod operator_reason;
pub mod payout_account;
pub mod person_name;
pub mod place_name;
pub mod purchase_key;
pub mod rating_spread;
pub mod region;
mod registry_number;
pub mod rupiah;
pub mod study_rule;
pub mod submission;
pub mod verification_outcome;
pub mod wib;

pub use birth::{BirthDate, Gender};
pub use category::TrainingCategory;
pub use dispute_statement::DisputeStatement;
pub use education::Education;
pub use email::EmailAddress;
pub use employment::EmploymentStatus;
pub use exclusion::{ExclusionCategory, ExclusionSource};
pub use family_card::FamilyCardNumber;
pub use field_errors::{FieldError, FieldErrors};
pub use incentive_plan::IncentivePlan;
pub use local_path::LocalPath;
pub use mobile::MobileNumber;
pub use nik::Nik;
pub use one_time_code::{OneTimeCode, OneTimeCodeError};
pub use operator_reason::OperatorReason;
pub use person_name::PersonName;
pub use place_name::PlaceName;
pub use region::Province;
pub use registry_number::masked as masked_registry_number;
pub use rupiah::Rupiah;
pub use study_rule::StudyRule;
pub use verification_outcome::{Reason, VerificationStatus};

/// The test's pass mark when none is configured: 9 of the 14 ability questions.
pub const DEFAULT_PASS_MARK: i16 = 9;

#[cfg(test)]
mod parse_properties;

/// A whole number as Indonesians write it, dots between thousands: "1.000.000".
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// Removes every whitespace character: applicants often type ID numbers in groups of four.
pub(crate) fn without_whitespace(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A positive number as operators copy it from a list ("12" or "No. 12"); `None` otherwise.
pub fn parse_listed_number<T: std::str::FromStr + PartialOrd + Default>(raw: &str) -> Option<T> {
    raw.trim()
        .trim_start_matches("No.")
        .trim()
        .parse::<T>()
        .ok()
        .filter(|n| *n > T::default())
}

#[cfg(test)]
#[test]
fn listed_numbers_may_carry_their_label() {
    assert_eq!(parse_listed_number::<i64>(" No. 12 "), Some(12));
    assert_eq!(parse_listed_number::<i32>("7"), Some(7));
    assert_eq!(parse_listed_number::<i32>("0"), None);
    assert_eq!(parse_listed_number::<i64>("No. dua"), None);
}

/// A date written YYYY-MM-DD: how tests name their days.
#[cfg(test)]
pub(crate) fn ymd(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a YYYY-MM-DD date")
}

/// Trims and collapses runs of whitespace to one space.
pub(crate) fn collapse_whitespace(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `dd`/`mm`/`yy` can be a calendar date in some year ending in `yy` (1900s or 2000s).
pub(crate) fn is_plausible_ddmmyy(day: u32, month: u32, yy: u32) -> bool {
    let max_day = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // 2000 was a leap year and 1900 was not; accept the 29th whenever one of them allows it.
        2 if yy.is_multiple_of(4) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=max_day).contains(&day)
}

/// The serde bridge of a text type: read back through its `parse` (a value from the browser or
/// the database is checked again) and written as its text: the newtype's own string, or with
/// `by code` the stable code of a choice.
macro_rules! parsed_text {
    ($name:ident, $error:ident) => {
        $crate::domain::parsed_text!($name, $error, |value: $name| value.0);
    };
    ($name:ident, $error:ident, by code) => {
        $crate::domain::parsed_text!($name, $error, |value: $name| value.code().to_owned());
    };
    ($name:ident, $error:ident, $text:expr) => {
        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                ($text)(value)
            }
        }
    };
}
pub(crate) use parsed_text;

/// The `Debug` of personal data (a NIK, a KK number, an email address, a mobile number): its
/// `masked()` form, so that a log line never prints it whole by accident.
macro_rules! masked_debug {
    ($name:ident) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.masked())
            }
        }
    };
}
pub(crate) use masked_debug;

/// Declares a closed list of choices with a stable form/database code and an Indonesian label,
/// and its `parse` from the submitted code.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $error:ident, $empty_message:literal,
        { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name { $($variant),+ }

        #[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
        pub enum $error {
            #[error($empty_message)]
            Missing,
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<$name, $error> {
                let raw = raw.trim();
                Self::ALL.iter().copied().find(|choice| choice.code() == raw).ok_or($error::Missing)
            }

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        $crate::domain::parsed_text!($name, $error, by code);
    };
}
pub(crate) use choice_enum;
