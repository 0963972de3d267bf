//! Verification of applicants: the automatic checks that run after signup, their reasons in
//! plain Indonesian (the real program never told people why they were refused; we do), and the
//! operators' exclusion list.
//!
//! The rules are pure functions of [`Facts`], so they are tested exhaustively without a
//! database; the job that gathers the facts and stores the [`Decision`] lives on the server.

#[cfg(feature = "ssr")]
pub mod exclusions;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod names;

use chrono::{Datelike, NaiveDate};

use crate::domain::{
    birth::{age_on, Gender},
    nik::NikMismatch,
    ExclusionCategory, Nik,
};

// The program's rules and the outcomes' words, each written once in `domain`.
pub use crate::domain::{
    birth::{MAX_AGE, MIN_AGE},
    family_card::MAX_PER_FAMILY_CARD,
    verification_outcome::{Reason, VerificationStatus},
};

/// What the checks know about one applicant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub nik: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    /// The registration date in the program's time zone (WIB).
    pub registered_on: NaiveDate,
    /// Applicants registered on the same family card, this one included.
    pub applicants_on_family_card: u32,
    /// The NIK registered before this applicant (an earlier account, an earlier program year).
    pub nik_registered_before: bool,
    /// The NIK's entry on the exclusion list, if any.
    pub exclusion: Option<ExclusionCategory>,
}

/// The outcome of the automatic checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Verified,
    /// Every rule the applicant fails, so they learn all of it at once.
    Rejected(Vec<Reason>),
    /// The rules cannot decide; an operator will.
    Manual(Vec<Reason>),
}

impl Decision {
    /// The status and reason codes stored for this decision.
    pub fn status_and_reasons(&self) -> (VerificationStatus, Vec<String>) {
        let codes = |reasons: &[Reason]| reasons.iter().map(|r| r.code()).collect();
        match self {
            Decision::Verified => (VerificationStatus::Verified, Vec::new()),
            Decision::Rejected(reasons) => (VerificationStatus::Rejected, codes(reasons)),
            Decision::Manual(reasons) => (VerificationStatus::Manual, codes(reasons)),
        }
    }
}

/// Runs every rule over the facts.
pub fn decide(facts: &Facts) -> Decision {
    let mut rejected = Vec::new();
    let mut manual = Vec::new();
    match Nik::parse(&facts.nik) {
        Err(_) => rejected.push(Reason::NikMalformed),
        Ok(nik) => match nik.agrees_with(facts.birth_date, facts.gender) {
            Ok(()) => {}
            Err(NikMismatch::BirthDate) if is_placeholder_date(facts.birth_date) => {
                manual.push(Reason::PlaceholderBirthDate)
            }
            Err(NikMismatch::BirthDate) => rejected.push(Reason::NikBirthDateMismatch),
            Err(NikMismatch::Gender) => rejected.push(Reason::NikGenderMismatch),
        },
    }
    let age = age_on(facts.birth_date, facts.registered_on);
    if facts.birth_date > facts.registered_on || age < MIN_AGE {
        rejected.push(Reason::TooYoung);
    } else if age > MAX_AGE {
        rejected.push(Reason::TooOld);
    }
    if facts.applicants_on_family_card > MAX_PER_FAMILY_CARD {
        rejected.push(Reason::FamilyCardFull);
    }
    if facts.nik_registered_before {
        rejected.push(Reason::NikRegisteredBefore);
    }
    if let Some(category) = facts.exclusion {
        rejected.push(Reason::Excluded(category));
    }
    if !rejected.is_empty() {
        Decision::Rejected(rejected)
    } else if !manual.is_empty() {
        Decision::Manual(manual)
    } else {
        Decision::Verified
    }
}

fn is_placeholder_date(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (1, 1) | (12, 31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::nik::compose_nik;
    use crate::domain::ymd;

    fn eligible() -> Facts {
        let birth = ymd("1995-08-17");
        Facts {
            nik: compose_nik("320101", birth, Gender::Male, 1),
            birth_date: birth,
            gender: Gender::Male,
            registered_on: ymd("2026-12-02"),
            applicants_on_family_card: 1,
            nik_registered_before: false,
            exclusion: None,
        }
    }

    /// The decision on an eligible applicant's facts after one change.
    fn decide_changed(change: impl FnOnce(&mut Facts)) -> Decision {
        let mut facts = eligible();
        change(&mut facts);
        decide(&facts)
    }

    #[test]
    fn an_eligible_applicant_is_verified() {
        assert_eq!(decide(&eligible()), Decision::Verified);
        assert_eq!(decide_changed(|f| f.applicants_on_family_card = 2), Decision::Verified);
    }

    #[test]
    fn a_malformed_nik_is_refused() {
        assert_eq!(
            decide_changed(|f| f.nik = "3201011708950000".into()),
            Decision::Rejected(vec![Reason::NikMalformed])
        );
    }

    #[test]
    fn the_nik_must_agree_with_birth_date_and_gender() {
        assert_eq!(
            decide_changed(|f| f.birth_date = ymd("1995-08-18")),
            Decision::Rejected(vec![Reason::NikBirthDateMismatch])
        );
        assert_eq!(
            decide_changed(|f| f.gender = Gender::Female),
            Decision::Rejected(vec![Reason::NikGenderMismatch])
        );
    }

    #[test]
    fn a_placeholder_birth_date_goes_to_a_person() {
        let placeholder = |f: &mut Facts| f.birth_date = ymd("1995-01-01");
        assert_eq!(
            decide_changed(placeholder),
            Decision::Manual(vec![Reason::PlaceholderBirthDate])
        );
        // A rule that does decide wins over the doubt.
        assert_eq!(
            decide_changed(|f| {
                placeholder(f);
                f.exclusion = Some(ExclusionCategory::CivilServant);
            }),
            Decision::Rejected(vec![Reason::Excluded(ExclusionCategory::CivilServant)])
        );
    }

    fn born(birth: &str, registered_on: &str) -> Facts {
        let birth = ymd(birth);
        Facts {
            nik: compose_nik("320101", birth, Gender::Male, 1),
            birth_date: birth,
            registered_on: ymd(registered_on),
            ..eligible()
        }
    }

    #[test]
    fn the_age_is_18_to_64_on_the_registration_date() {
        assert_eq!(decide(&born("2008-12-02", "2026-12-02")), Decision::Verified);
        assert_eq!(
            decide(&born("2008-12-03", "2026-12-02")),
            Decision::Rejected(vec![Reason::TooYoung])
        );
        assert_eq!(decide(&born("1961-12-03", "2026-12-02")), Decision::Verified);
        assert_eq!(
            decide(&born("1961-12-02", "2026-12-02")),
            Decision::Rejected(vec![Reason::TooOld])
        );
    }

    #[test]
    fn at_most_two_niks_per_family_card() {
        assert_eq!(
            decide_changed(|f| f.applicants_on_family_card = 3),
            Decision::Rejected(vec![Reason::FamilyCardFull])
        );
    }

    #[test]
    fn a_nik_registers_once() {
        assert_eq!(
            decide_changed(|f| f.nik_registered_before = true),
            Decision::Rejected(vec![Reason::NikRegisteredBefore])
        );
    }

    #[test]
    fn every_excluded_group_is_refused_with_its_name() {
        for category in ExclusionCategory::ALL {
            assert_eq!(
                decide_changed(|f| f.exclusion = Some(*category)),
                Decision::Rejected(vec![Reason::Excluded(*category)])
            );
            assert!(Reason::Excluded(*category).explanation().contains(category.label()));
        }
    }

    #[test]
    fn every_failed_rule_is_reported() {
        let facts = Facts {
            applicants_on_family_card: 3,
            nik_registered_before: true,
            exclusion: Some(ExclusionCategory::Student),
            ..born("2010-05-05", "2026-12-02")
        };
        assert_eq!(
            decide(&facts),
            Decision::Rejected(vec![
                Reason::TooYoung,
                Reason::FamilyCardFull,
                Reason::NikRegisteredBefore,
                Reason::Excluded(ExclusionCategory::Student),
            ])
        );
    }

    #[test]
    fn reason_codes_round_trip() {
        let mut reasons = Reason::WITHOUT_CATEGORY.to_vec();
        reasons.extend(ExclusionCategory::ALL.iter().map(|c| Reason::Excluded(*c)));
        for reason in reasons {
            assert_eq!(Reason::parse(&reason.code()), Some(reason));
            assert!(!reason.explanation().is_empty());
        }
        assert_eq!(Reason::parse("dikecualikan:pns"), None);
        assert_eq!(Reason::parse("lain"), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::nik::compose_nik;

    fn adult_birth() -> impl Strategy<Value = NaiveDate> {
        // Born 1963-01-02 .. 2008-12-01: 18-63 on 2026-12-02.
        (0i64..16_770).prop_map(|days| NaiveDate::from_ymd_opt(1963, 1, 2).unwrap() + chrono::Duration::days(days))
    }

    proptest! {
        /// A NIK composed from a date of birth and gender is verified with exactly those, and
        /// refused (or sent to a person, for placeholder dates) with any other date.
        #[test]
        fn the_nik_agrees_only_with_its_own_birth_date_and_gender(
            birth in adult_birth(),
            other in adult_birth(),
            female in any::<bool>(),
            sequence in 1u16..=9999,
        ) {
            let gender = if female { Gender::Female } else { Gender::Male };
            let facts = Facts {
                nik: compose_nik("317401", birth, gender, sequence),
                birth_date: birth,
                gender,
                registered_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                applicants_on_family_card: 1,
                nik_registered_before: false,
                exclusion: None,
            };
            prop_assert_eq!(decide(&facts), Decision::Verified);
            let swapped = Facts { gender: if female { Gender::Male } else { Gender::Female }, ..facts.clone() };
            prop_assert_eq!(decide(&swapped), Decision::Rejected(vec![Reason::NikGenderMismatch]));
            let same_digits = other.day() == birth.day() && other.month() == birth.month()
                && other.year() % 100 == birth.year() % 100;
            if !same_digits {
                let moved = Facts { birth_date: other, ..facts };
                let expected = if is_placeholder_date(other) {
                    Decision::Manual(vec![Reason::PlaceholderBirthDate])
                } else {
                    Decision::Rejected(vec![Reason::NikBirthDateMismatch])
                };
                prop_assert_eq!(decide(&moved), expected);
            }
        }
    }
}
