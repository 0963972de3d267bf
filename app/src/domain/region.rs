use serde::{de::Error as _, Deserialize, Deserializer, Serialize};

/// The 38 provinces with their Kemendagri codes (Kepmendagri 100.1.1-6117/2022). The first two
/// digits of every NIK and KK number are one of these codes.
pub const PROVINCES: [(&str, &str); 38] = [
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("14", "Riau"),
    ("15", "Jambi"),
    ("16", "Sumatera Selatan"),
    ("17", "Bengkulu"),
    ("18", "Lampung"),
    ("19", "Kepulauan Bangka Belitung"),
    ("21", "Kepulauan Riau"),
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("34", "DI Yogyakarta"),
    ("35", "Jawa Timur"),
    ("36", "Banten"),
    ("51", "Bali"),
    ("52", "Nusa Tenggara Barat"),
    ("53", "Nusa Tenggara Timur"),
    ("61", "Kalimantan Barat"),
    ("62", "Kalimantan Tengah"),
    ("63", "Kalimantan Selatan"),
    ("64", "Kalimantan Timur"),
    ("65", "Kalimantan Utara"),
    ("71", "Sulawesi Utara"),
    ("72", "Sulawesi Tengah"),
    ("73", "Sulawesi Selatan"),
    ("74", "Sulawesi Tenggara"),
    ("75", "Gorontalo"),
    ("76", "Sulawesi Barat"),
    ("81", "Maluku"),
    ("82", "Maluku Utara"),
    ("91", "Papua"),
    ("92", "Papua Barat"),
    ("93", "Papua Selatan"),
    ("94", "Papua Tengah"),
    ("95", "Papua Pegunungan"),
    ("96", "Papua Barat Daya"),
];

/// A province of Indonesia, by its Kemendagri code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Province {
    code: &'static str,
    name: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvinceError {
    #[error("Pilih provinsi tempat tinggal Anda.")]
    Empty,
    #[error("Provinsi tidak dikenal. Pilih dari daftar.")]
    Unknown,
}

impl Province {
    pub fn parse(raw: &str) -> Result<Province, ProvinceError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(ProvinceError::Empty);
        }
        Self::from_code(code).ok_or(ProvinceError::Unknown)
    }

    pub fn from_code(code: &str) -> Option<Province> {
        PROVINCES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(code, name)| Province { code, name })
    }

    pub fn all() -> impl Iterator<Item = Province> {
        PROVINCES.iter().map(|&(code, name)| Province { code, name })
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

// By hand: the derive would demand that the borrowed `&'static str` fields outlive the input.
impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Province::parse(&code).map_err(D::Error::custom)
    }
}

super::parsed_text!(Province, ProvinceError, by code);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_38_distinct_two_digit_codes() {
        let mut codes: Vec<_> = PROVINCES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 38);
        assert!(codes
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit())));
    }

    #[test]
    fn parses_known_codes_and_refuses_others() {
        assert_eq!(Province::parse("32").unwrap().name(), "Jawa Barat");
        assert_eq!(Province::parse(" 96 ").unwrap().name(), "Papua Barat Daya");
        assert_eq!(Province::parse(""), Err(ProvinceError::Empty));
        assert_eq!(Province::parse("20"), Err(ProvinceError::Unknown));
        assert_eq!(Province::parse("Jawa Barat"), Err(ProvinceError::Unknown));
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn only_listed_codes_parse(raw in "[0-9]{0,3}") {
            let listed = PROVINCES.iter().any(|(code, _)| *code == raw);
            proptest::prop_assert_eq!(Province::parse(&raw).is_ok(), listed);
            if let Ok(province) = Province::parse(&raw) {
                let json = serde_json::to_string(&province).unwrap();
                proptest::prop_assert_eq!(serde_json::from_str::<Province>(&json).unwrap(), province);
            }
        }
    }
}
