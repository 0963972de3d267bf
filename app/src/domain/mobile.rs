use serde::{Deserialize, Serialize};

/// An Indonesian mobile number, normalised to +62 8xx... (9 to 12 digits after the country code).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

super::masked_debug!(MobileNumber);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MobileNumberError {
    #[error("Isi nomor HP yang aktif.")]
    Empty,
    #[error("Nomor HP hanya boleh berisi angka (boleh diawali +).")]
    InvalidCharacters,
    #[error("Nomor HP harus diawali 08 atau +628.")]
    NotIndonesianMobile,
    #[error("Panjang nomor HP tidak sesuai (10 sampai 13 angka jika diawali 08).")]
    WrongLength,
}

impl MobileNumber {
    pub fn parse(raw: &str) -> Result<MobileNumber, MobileNumberError> {
        // People write numbers with spaces, dashes, dots and brackets: 0812-3456-789, (0812) 345 678.
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
            .collect();
        if compact.is_empty() {
            return Err(MobileNumberError::Empty);
        }
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MobileNumberError::InvalidCharacters);
        }
        let national = if let Some(rest) = digits.strip_prefix("62") {
            rest
        } else if let Some(rest) = digits.strip_prefix('0') {
            if compact.starts_with('+') {
                return Err(MobileNumberError::NotIndonesianMobile);
            }
            rest
        } else {
            return Err(MobileNumberError::NotIndonesianMobile);
        };
        if !national.starts_with('8') {
            return Err(MobileNumberError::NotIndonesianMobile);
        }
        if !(9..=12).contains(&national.len()) {
            return Err(MobileNumberError::WrongLength);
        }
        Ok(MobileNumber(format!("+62{national}")))
    }

    /// The E.164 form, +628...
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form people read: 0812-3456-7890
    pub fn display_local(&self) -> String {
        let national = &self.0[3..];
        let local = format!("0{national}");
        let (a, rest) = local.split_at(4);
        let (b, c) = rest.split_at(4.min(rest.len()));
        if c.is_empty() {
            format!("{a}-{b}")
        } else {
            format!("{a}-{b}-{c}")
        }
    }

    pub fn masked(&self) -> String {
        let national = &self.0[3..];
        format!("08{}***{}", &national[1..3], &national[national.len() - 3..])
    }
}

super::parsed_text!(MobileNumber, MobileNumberError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_every_common_way_of_writing_a_number() {
        for raw in [
            "081234567890",
            "0812-3456-7890",
            "+6281234567890",
            "6281234567890",
            "(0812) 3456 7890",
            "+62 812.3456.7890",
        ] {
            assert_eq!(
                MobileNumber::parse(raw).unwrap().as_str(),
                "+6281234567890",
                "input {raw:?}"
            );
        }
        assert_eq!(
            MobileNumber::parse("081234567890").unwrap().display_local(),
            "0812-3456-7890"
        );
        assert_eq!(MobileNumber::parse("081234567890").unwrap().masked(), "0812***890");
    }

    #[test]
    fn refuses_each_kind_of_bad_number() {
        for (raw, expected) in [
            (" ", MobileNumberError::Empty),
            ("0812345x7890", MobileNumberError::InvalidCharacters),
            ("0212345678", MobileNumberError::NotIndonesianMobile),
            ("+6021234567", MobileNumberError::NotIndonesianMobile),
            ("+081234567890", MobileNumberError::NotIndonesianMobile),
            ("0812345", MobileNumberError::WrongLength),
            ("08123456789012", MobileNumberError::WrongLength),
        ] {
            assert_eq!(MobileNumber::parse(raw), Err(expected), "input {raw:?}");
        }
    }

    proptest! {
        #[test]
        fn local_and_international_forms_agree(rest in "[0-9]{8,11}") {
            let local = MobileNumber::parse(&format!("08{rest}")).unwrap();
            let intl = MobileNumber::parse(&format!("+628{rest}")).unwrap();
            prop_assert_eq!(&local, &intl);
            prop_assert_eq!(MobileNumber::parse(local.as_str()).unwrap(), local);
        }

        #[test]
        fn parse_never_panics(raw in ".{0,30}") {
            let _ = MobileNumber::parse(&raw);
        }
    }
}
