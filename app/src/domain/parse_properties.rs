//! Every `parse` in `domain` on arbitrary input: it never panics, and whatever it accepts comes
//! back unchanged through serde (what the browser and the server send each other). Ten thousand
//! cases each run, half arbitrary text and half text shaped like what applicants type (digits,
//! spaces, signs), so that accepted values are reached too.

use proptest::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use super::*;

fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 +.,-]{0,24}",
        "[A-Za-z .'@-]{0,40}",
        "(32|31|35)[0-9]{14}",
        "(\\+62|0)8[0-9]{8,12}",
        "/[a-z/?=&#.%\\\\\t]{0,30}",
    ]
}

/// An accepted value survives the round trip through JSON unchanged.
fn round_trips<T: PartialEq + Serialize + DeserializeOwned, E>(parsed: Result<T, E>) -> Result<(), TestCaseError> {
    if let Ok(value) = parsed {
        let json = serde_json::to_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again: T = serde_json::from_value(json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(again == value, "an accepted value changed on its way through JSON");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn every_text_parser_takes_any_input(raw in typed_text()) {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("a date");
        round_trips(Gender::parse(&raw))?;
        round_trips(BirthDate::parse(&raw, today))?;
        let _ = birth::parse_iso_date(&raw);
        round_trips(DisputeStatement::parse(&raw))?;
        round_trips(EmailAddress::parse(&raw))?;
        round_trips(FamilyCardNumber::parse(&raw))?;
        round_trips(LocalPath::parse(&raw))?;
        round_trips(MobileNumber::parse(&raw))?;
        round_trips(Nik::parse(&raw))?;
        round_trips(PersonName::parse(&raw))?;
        round_trips(PlaceName::parse(&raw))?;
        round_trips(Rupiah::parse(&raw))?;
        round_trips(Education::parse(&raw))?;
        round_trips(EmploymentStatus::parse(&raw))?;
        round_trips(ExclusionCategory::parse(&raw))?;
        round_trips(TrainingCategory::parse(&raw))?;
        let _ = Province::parse(&raw);
        let _ = parse_listed_number::<i64>(&raw);
        let _ = parse_listed_number::<i32>(&raw);
    }

    #[test]
    fn interests_take_any_list_of_codes(codes in proptest::collection::vec(
        prop_oneof![any::<String>(), "[a-z-]{0,20}", Just("barista".to_owned())], 0..12)) {
        round_trips(category::Interests::parse(&codes))?;
    }

    #[test]
    fn a_study_rule_takes_any_share(percent in any::<i16>()) {
        let rule = StudyRule::new(percent);
        prop_assert_eq!(rule.is_some(), (0..=100).contains(&percent));
    }
}
