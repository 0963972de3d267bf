//! The rules: pure functions of [`Facts`], tested exhaustively without a database or a registry.

use chrono::{Datelike, NaiveDate};

use super::{
    registry::{LifeStatus, RegistryFinding},
    Reason, VerificationStatus, MAX_AGE, MAX_PER_FAMILY_CARD, MIN_AGE,
};
use crate::domain::{
    birth::{age_on, Gender},
    name_match::{self, NameMatch},
    nik::NikMismatch,
    ExclusionCategory, Nik,
};

/// What the checks know about one applicant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub nik: String,
    /// The name, birth date, gender and family card as the applicant gave them.
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    pub family_card: String,
    /// The registration date in the program's time zone (WIB).
    pub registered_on: NaiveDate,
    /// Applicants registered on the same family card, this one included.
    pub applicants_on_family_card: u32,
    /// The NIK registered before this applicant (an earlier account, an earlier program year).
    pub nik_registered_before: bool,
    /// The NIK's entry on the exclusion list, if any.
    pub exclusion: Option<ExclusionCategory>,
    /// What the civil registry holds for the NIK; `None` when the NIK is malformed (not asked).
    pub registry: Option<RegistryFinding>,
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
    match &facts.registry {
        None => {}
        Some(RegistryFinding::NotFound) => rejected.push(Reason::RegistryNikNotFound),
        Some(RegistryFinding::Found(resident)) => {
            if resident.life == LifeStatus::Deceased {
                rejected.push(Reason::RegistryDeceased);
            }
            match name_match::compare(&facts.full_name, &resident.full_name) {
                NameMatch::Same => {}
                NameMatch::Near => manual.push(Reason::RegistryNameNear),
                NameMatch::Different => rejected.push(Reason::RegistryNameMismatch),
            }
            if resident.birth_date != facts.birth_date {
                rejected.push(Reason::RegistryBirthDateMismatch);
            }
            if resident.gender != facts.gender.code() {
                rejected.push(Reason::RegistryGenderMismatch);
            }
            if resident.family_card != facts.family_card {
                rejected.push(Reason::RegistryFamilyCardMismatch);
            }
        }
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
    use crate::verification::registry::Resident;

    /// The registry's record that agrees with everything the applicant gave.
    pub(super) fn agreeing(facts: &Facts) -> Option<RegistryFinding> {
        Some(RegistryFinding::Found(Resident {
            nik: facts.nik.clone(),
            family_card: facts.family_card.clone(),
            full_name: facts.full_name.clone(),
            birth_date: facts.birth_date,
            gender: facts.gender.code().to_owned(),
            life: LifeStatus::Alive,
        }))
    }

    fn eligible() -> Facts {
        let birth = ymd("1995-08-17");
        let mut facts = Facts {
            nik: compose_nik("320101", birth, Gender::Male, 1),
            full_name: "Agus Prasetyo".into(),
            birth_date: birth,
            gender: Gender::Male,
            family_card: "3201010101150001".into(),
            registered_on: ymd("2026-12-02"),
            applicants_on_family_card: 1,
            nik_registered_before: false,
            exclusion: None,
            registry: None,
        };
        facts.registry = agreeing(&facts);
        facts
    }

    /// The decision on an eligible applicant's facts after one change. Unless the change is to
    /// the registry's record, the registry holds what the applicant gave.
    fn decide_changed(change: impl FnOnce(&mut Facts)) -> Decision {
        let mut facts = eligible();
        change(&mut facts);
        if facts.registry == eligible().registry {
            facts.registry = agreeing(&facts);
        }
        decide(&facts)
    }

    /// The decision when the registry's record differs from the applicant's answers by `change`.
    fn decide_with_registry(change: impl FnOnce(&mut Resident)) -> Decision {
        let mut facts = eligible();
        if let Some(RegistryFinding::Found(resident)) = &mut facts.registry {
            change(resident);
        }
        decide(&facts)
    }

    #[test]
    fn a_nik_the_registry_does_not_know_is_refused() {
        assert_eq!(
            decide_changed(|f| f.registry = Some(RegistryFinding::NotFound)),
            Decision::Rejected(vec![Reason::RegistryNikNotFound])
        );
    }

    #[test]
    fn a_deceased_residents_nik_is_refused() {
        assert_eq!(
            decide_with_registry(|r| r.life = LifeStatus::Deceased),
            Decision::Rejected(vec![Reason::RegistryDeceased])
        );
    }

    #[test]
    fn the_name_is_matched_after_normalisation_and_a_near_name_goes_to_a_person() {
        assert_eq!(
            decide_with_registry(|r| r.full_name = "AGUS  PRASETYO, S.Kom.".into()),
            Decision::Verified
        );
        assert_eq!(
            decide_with_registry(|r| r.full_name = "Agus Prasetya".into()),
            Decision::Manual(vec![Reason::RegistryNameNear])
        );
        assert_eq!(
            decide_with_registry(|r| r.full_name = "Budi Santoso".into()),
            Decision::Rejected(vec![Reason::RegistryNameMismatch])
        );
        // A refusal wins over the doubt.
        assert_eq!(
            decide_with_registry(|r| {
                r.full_name = "Agus Prasetya".into();
                r.family_card = "3201010101150002".into();
            }),
            Decision::Rejected(vec![Reason::RegistryFamilyCardMismatch])
        );
    }

    #[test]
    fn birth_date_gender_and_family_card_must_be_the_registrys() {
        assert_eq!(
            decide_with_registry(|r| r.birth_date = ymd("1995-08-18")),
            Decision::Rejected(vec![Reason::RegistryBirthDateMismatch])
        );
        assert_eq!(
            decide_with_registry(|r| r.gender = "P".into()),
            Decision::Rejected(vec![Reason::RegistryGenderMismatch])
        );
        assert_eq!(
            decide_with_registry(|r| r.family_card = "3201010101150002".into()),
            Decision::Rejected(vec![Reason::RegistryFamilyCardMismatch])
        );
    }

    #[test]
    fn a_malformed_nik_is_not_looked_up() {
        assert_eq!(
            decide_changed(|f| {
                f.nik = "3201011708950000".into();
                f.registry = None;
            }),
            Decision::Rejected(vec![Reason::NikMalformed])
        );
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
        // The registry itself may record 1 January (the real date unknown) while the NIK's
        // digits say another day: the applicant typed what their KTP shows.
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
        let mut facts = Facts {
            nik: compose_nik("320101", birth, Gender::Male, 1),
            birth_date: birth,
            registered_on: ymd(registered_on),
            ..eligible()
        };
        facts.registry = agreeing(&facts);
        facts
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
            let mut facts = Facts {
                nik: compose_nik("317401", birth, gender, sequence),
                full_name: "Dewi Lestari".into(),
                birth_date: birth,
                gender,
                family_card: "3174010101150001".into(),
                registered_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                applicants_on_family_card: 1,
                nik_registered_before: false,
                exclusion: None,
                registry: None,
            };
            facts.registry = tests::agreeing(&facts);
            prop_assert_eq!(decide(&facts), Decision::Verified);
            let mut swapped = Facts { gender: if female { Gender::Male } else { Gender::Female }, ..facts.clone() };
            swapped.registry = tests::agreeing(&swapped);
            prop_assert_eq!(decide(&swapped), Decision::Rejected(vec![Reason::NikGenderMismatch]));
            let same_digits = other.day() == birth.day() && other.month() == birth.month()
                && other.year() % 100 == birth.year() % 100;
            if !same_digits {
                let mut moved = Facts { birth_date: other, ..facts };
                moved.registry = tests::agreeing(&moved);
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
