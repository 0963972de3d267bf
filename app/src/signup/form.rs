//! The signup form: what the applicant typed (`SignupDraft`, raw strings, always kept so nothing
//! is lost) and what it means once parsed (`SignupApplication`). Browser and server run these
//! same functions.

use crate::paths::CHECK_PATH;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    category::Interests, BirthDate, Education, EmploymentStatus, FamilyCardNumber, FieldErrors, Gender, MobileNumber,
    Nik, PersonName, PlaceName, Province,
};

/// Field names, shared by the HTML `name`/`id` attributes, the error list and the tests.
pub mod field {
    pub const NIK: &str = "nik";
    pub const KK: &str = "kk";
    pub const FULL_NAME: &str = "full_name";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const GENDER: &str = "gender";
    pub const BIRTH_PLACE: &str = "birth_place";
    pub const PROVINCE: &str = "province";
    pub const CITY: &str = "city";
    pub const MOBILE: &str = "mobile";
    pub const EDUCATION: &str = "education";
    pub const EMPLOYMENT: &str = "employment";
    pub const INTERESTS: &str = "interests";
    pub const DECLARATION: &str = "declaration";
}

/// Everything the applicant has typed so far, exactly as typed. Fields a step does not post are
/// absent and default to empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignupDraft {
    pub nik: String,
    pub kk: String,
    pub full_name: String,
    pub birth_date: String,
    pub gender: String,
    pub birth_place: String,
    pub province: String,
    pub city: String,
    pub mobile: String,
    pub education: String,
    pub employment: String,
    pub interests: Vec<String>,
}

impl SignupDraft {
    /// The answers as the browser is about to post them (`draft[nik]`, `draft[interests][]`…).
    pub fn from_form(values: &crate::forms::FormValues) -> SignupDraft {
        let get = |name: &str| values.get(&format!("draft[{name}]")).to_owned();
        SignupDraft {
            nik: get(field::NIK),
            kk: get(field::KK),
            full_name: get(field::FULL_NAME),
            birth_date: get(field::BIRTH_DATE),
            gender: get(field::GENDER),
            birth_place: get(field::BIRTH_PLACE),
            province: get(field::PROVINCE),
            city: get(field::CITY),
            mobile: get(field::MOBILE),
            education: get(field::EDUCATION),
            employment: get(field::EMPLOYMENT),
            interests: values.all("draft[interests][]"),
        }
    }
}

/// The steps of the form, a few fields each, then a page to check the answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignupStep {
    Identity,
    Contact,
    Background,
}

impl SignupStep {
    pub const ALL: [SignupStep; 3] = [SignupStep::Identity, SignupStep::Contact, SignupStep::Background];

    pub fn slug(self) -> &'static str {
        match self {
            SignupStep::Identity => "identitas",
            SignupStep::Contact => "alamat-kontak",
            SignupStep::Background => "latar-belakang",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SignupStep> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            SignupStep::Identity => "Data diri sesuai KTP",
            SignupStep::Contact => "Alamat dan nomor HP",
            SignupStep::Background => "Pendidikan, pekerjaan dan minat",
        }
    }

    pub fn number(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).expect("listed") + 1
    }

    pub fn path(self) -> String {
        crate::paths::signup_step_path(self.slug())
    }

    /// Where "Lanjut" leads.
    pub fn next_path(self) -> String {
        match self {
            SignupStep::Identity => SignupStep::Contact.path(),
            SignupStep::Contact => SignupStep::Background.path(),
            SignupStep::Background => CHECK_PATH.to_owned(),
        }
    }

    pub fn fields(self) -> &'static [&'static str] {
        match self {
            SignupStep::Identity => &[
                field::NIK,
                field::KK,
                field::FULL_NAME,
                field::BIRTH_DATE,
                field::GENDER,
                field::BIRTH_PLACE,
            ],
            SignupStep::Contact => &[field::PROVINCE, field::CITY, field::MOBILE],
            SignupStep::Background => &[field::EDUCATION, field::EMPLOYMENT, field::INTERESTS],
        }
    }

    /// The step on which a field is asked, for "Ubah" links and error summaries.
    pub fn of_field(name: &str) -> SignupStep {
        Self::ALL
            .into_iter()
            .find(|s| s.fields().contains(&name))
            .unwrap_or(SignupStep::Identity)
    }

    /// Copies this step's fields from `posted` into `draft`, leaving the other steps' answers.
    pub fn merge_into(self, draft: &mut SignupDraft, posted: SignupDraft) {
        match self {
            SignupStep::Identity => {
                draft.nik = posted.nik;
                draft.kk = posted.kk;
                draft.full_name = posted.full_name;
                draft.birth_date = posted.birth_date;
                draft.gender = posted.gender;
                draft.birth_place = posted.birth_place;
            }
            SignupStep::Contact => {
                draft.province = posted.province;
                draft.city = posted.city;
                draft.mobile = posted.mobile;
            }
            SignupStep::Background => {
                draft.education = posted.education;
                draft.employment = posted.employment;
                draft.interests = posted.interests;
            }
        }
    }

    /// The errors of this step's fields only. (An island checks its own step with
    /// `identity_errors`, `contact_errors` or `background_errors`, so that its WASM holds only
    /// that step's rules.)
    pub fn validate(self, draft: &SignupDraft, today: NaiveDate) -> FieldErrors {
        match self {
            SignupStep::Identity => identity_errors(draft, today),
            SignupStep::Contact => contact_errors(draft),
            SignupStep::Background => background_errors(draft),
        }
    }
}

/// The first step's problems.
pub fn identity_errors(draft: &SignupDraft, today: NaiveDate) -> FieldErrors {
    let mut errors = FieldErrors::new();
    Identity::parse(draft, today, &mut errors);
    errors
}

/// The second step's problems.
pub fn contact_errors(draft: &SignupDraft) -> FieldErrors {
    let mut errors = FieldErrors::new();
    Contact::parse(draft, &mut errors);
    errors
}

/// The third step's problems.
pub fn background_errors(draft: &SignupDraft) -> FieldErrors {
    let mut errors = FieldErrors::new();
    Background::parse(draft, &mut errors);
    errors
}

/// The first step's answers, parsed; `None` when a problem was recorded.
struct Identity {
    nik: Nik,
    kk: FamilyCardNumber,
    full_name: PersonName,
    birth_date: BirthDate,
    gender: Gender,
    birth_place: PlaceName,
}

impl Identity {
    fn parse(draft: &SignupDraft, today: NaiveDate, errors: &mut FieldErrors) -> Option<Identity> {
        let before = errors.len();
        let nik = errors.check(field::NIK, Nik::parse(&draft.nik));
        let kk = errors.check(field::KK, FamilyCardNumber::parse(&draft.kk));
        if let (Some(nik), Some(kk)) = (&nik, &kk) {
            if nik.as_str() == kk.as_str() {
                errors.push(
                    field::KK,
                    "Nomor KK berbeda dengan NIK. Lihat nomor di bagian atas Kartu Keluarga.",
                );
            }
        }
        let full_name = errors.check(field::FULL_NAME, PersonName::parse(&draft.full_name));
        let birth_date = errors.check(field::BIRTH_DATE, BirthDate::parse(&draft.birth_date, today));
        let gender = errors.check(field::GENDER, Gender::parse(&draft.gender));
        if let (Some(nik), Some(birth_date), Some(gender)) = (&nik, &birth_date, &gender) {
            match nik.agrees_with(birth_date.date(), *gender) {
                Ok(()) => {}
                Err(mismatch @ crate::domain::nik::NikMismatch::BirthDate) => {
                    errors.push(field::BIRTH_DATE, mismatch.to_string())
                }
                Err(mismatch) => errors.push(field::GENDER, mismatch.to_string()),
            }
        }
        let birth_place = errors.check(field::BIRTH_PLACE, PlaceName::parse(&draft.birth_place));
        if errors.len() > before {
            return None;
        }
        Some(Identity {
            nik: nik?,
            kk: kk?,
            full_name: full_name?,
            birth_date: birth_date?,
            gender: gender?,
            birth_place: birth_place?,
        })
    }
}

/// The second step's answers, parsed.
struct Contact {
    province: Province,
    city: PlaceName,
    mobile: MobileNumber,
}

impl Contact {
    fn parse(draft: &SignupDraft, errors: &mut FieldErrors) -> Option<Contact> {
        let province = errors.check(field::PROVINCE, Province::parse(&draft.province));
        let city = errors.check(field::CITY, PlaceName::parse(&draft.city));
        let mobile = errors.check(field::MOBILE, MobileNumber::parse(&draft.mobile));
        Some(Contact {
            province: province?,
            city: city?,
            mobile: mobile?,
        })
    }
}

/// The third step's answers, parsed.
struct Background {
    education: Education,
    employment: EmploymentStatus,
    interests: Interests,
}

impl Background {
    fn parse(draft: &SignupDraft, errors: &mut FieldErrors) -> Option<Background> {
        let education = errors.check(field::EDUCATION, Education::parse(&draft.education));
        let employment = errors.check(field::EMPLOYMENT, EmploymentStatus::parse(&draft.employment));
        let interests = errors.check(field::INTERESTS, Interests::parse(&draft.interests));
        Some(Background {
            education: education?,
            employment: employment?,
            interests: interests?,
        })
    }
}

/// A complete, valid application.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignupApplication {
    pub nik: Nik,
    pub kk: FamilyCardNumber,
    pub full_name: PersonName,
    pub birth_date: BirthDate,
    pub gender: Gender,
    pub birth_place: PlaceName,
    pub province: Province,
    pub city: PlaceName,
    pub mobile: MobileNumber,
    pub education: Education,
    pub employment: EmploymentStatus,
    pub interests: Interests,
}

pub const DECLARATION_MISSING: &str =
    "Centang pernyataan ini untuk melanjutkan. Pendaftaran hanya dapat dikirim jika pernyataannya benar.";

impl SignupApplication {
    /// Parses the whole form, including the declaration that must be ticked. `today` is the
    /// registration date in WIB, for the age rule.
    pub fn parse(draft: &SignupDraft, declaration: bool, today: NaiveDate) -> Result<SignupApplication, FieldErrors> {
        let parsed = Self::parse_fields(draft, today);
        if declaration {
            return parsed;
        }
        let mut errors = parsed.err().unwrap_or_default();
        errors.push(field::DECLARATION, DECLARATION_MISSING);
        Err(errors)
    }

    fn parse_fields(draft: &SignupDraft, today: NaiveDate) -> Result<SignupApplication, FieldErrors> {
        // Each step's rules, in page order (the errors are listed in that order).
        let mut errors = FieldErrors::new();
        let identity = Identity::parse(draft, today, &mut errors);
        let contact = Contact::parse(draft, &mut errors);
        let background = Background::parse(draft, &mut errors);
        match (identity, contact, background) {
            (Some(identity), Some(contact), Some(background)) if errors.is_empty() => Ok(SignupApplication {
                nik: identity.nik,
                kk: identity.kk,
                full_name: identity.full_name,
                birth_date: identity.birth_date,
                gender: identity.gender,
                birth_place: identity.birth_place,
                province: contact.province,
                city: contact.city,
                mobile: contact.mobile,
                education: background.education,
                employment: background.employment,
                interests: background.interests,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    pub fn valid_draft() -> SignupDraft {
        SignupDraft {
            nik: "3201015708950003".into(),
            kk: "3201012003150007".into(),
            full_name: "Siti Rahmawati".into(),
            birth_date: "1995-08-17".into(),
            gender: "P".into(),
            birth_place: "Bogor".into(),
            province: "32".into(),
            city: "Kabupaten Bogor".into(),
            mobile: "0812-3456-7890".into(),
            education: "sma".into(),
            employment: "korban-phk".into(),
            interests: vec!["barista".into(), "jualan-online".into()],
        }
    }

    /// Why a valid draft, declaration ticked, is refused after one change.
    fn errors_after(change: impl FnOnce(&mut SignupDraft)) -> FieldErrors {
        let mut draft = valid_draft();
        change(&mut draft);
        SignupApplication::parse(&draft, true, today()).unwrap_err()
    }

    #[test]
    fn a_complete_draft_with_the_declaration_parses() {
        let application = SignupApplication::parse(&valid_draft(), true, today()).unwrap();
        assert_eq!(application.mobile.as_str(), "+6281234567890");
        assert_eq!(application.gender, Gender::Female);
    }

    #[test]
    fn the_declaration_is_required() {
        let errors = SignupApplication::parse(&valid_draft(), false, today()).unwrap_err();
        assert_eq!(errors.get(field::DECLARATION), Some(DECLARATION_MISSING));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn errors_name_their_fields_in_page_order() {
        let errors = errors_after(|d| {
            d.nik = "123".into();
            d.mobile = "021555".into();
        });
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, [field::NIK, field::MOBILE]);
    }

    #[test]
    fn nik_must_agree_with_birth_date_and_gender() {
        let errors = errors_after(|d| d.birth_date = "1995-08-18".into());
        assert!(errors
            .get(field::BIRTH_DATE)
            .unwrap()
            .contains("tidak sesuai dengan NIK"));

        let errors = errors_after(|d| d.gender = "L".into());
        assert!(errors
            .get(field::GENDER)
            .unwrap()
            .contains("Jenis kelamin tidak sesuai"));
    }

    #[test]
    fn kk_must_differ_from_nik() {
        // A man's NIK also has the shape of a KK number (a woman's day of birth + 40 does not).
        let errors = errors_after(|d| {
            d.nik = "3201011708950001".into();
            d.kk = "3201011708950001".into();
            d.gender = "L".into();
        });
        assert_eq!(errors.len(), 1);
        assert!(errors.get(field::KK).unwrap().contains("berbeda dengan NIK"));
    }

    #[test]
    fn a_step_reports_only_its_own_fields() {
        let draft = SignupDraft {
            nik: "1".into(),
            city: "".into(),
            ..valid_draft()
        };
        let identity = SignupStep::Identity.validate(&draft, today());
        assert_eq!(
            identity.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            [field::NIK]
        );
        let contact = SignupStep::Contact.validate(&draft, today());
        assert_eq!(
            contact.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            [field::CITY]
        );
        assert!(SignupStep::Background.validate(&draft, today()).is_empty());
    }

    #[test]
    fn merging_a_step_keeps_the_other_answers() {
        let mut draft = valid_draft();
        SignupStep::Contact.merge_into(
            &mut draft,
            SignupDraft {
                city: "Kota Depok".into(),
                ..Default::default()
            },
        );
        assert_eq!(draft.city, "Kota Depok");
        assert_eq!(draft.province, "");
        assert_eq!(draft.nik, valid_draft().nik);
    }

    #[test]
    fn steps_round_trip_through_their_slugs() {
        for step in SignupStep::ALL {
            assert_eq!(SignupStep::from_slug(step.slug()), Some(step));
            for f in step.fields() {
                assert_eq!(SignupStep::of_field(f), step);
            }
        }
    }
}
