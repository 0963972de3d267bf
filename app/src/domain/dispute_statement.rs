use serde::{Deserialize, Serialize};

/// What the owner of a NIK writes when someone else registered it: how they found out, and
/// anything that helps an operator tell who the NIK belongs to. Kept as typed (lines and all),
/// without control characters other than line breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisputeStatement(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisputeStatementError {
    #[error("Ceritakan singkat mengapa NIK ini milik Anda (minimal 30 karakter).")]
    TooShort,
    #[error("Keterangan terlalu panjang (maksimal 2.000 karakter).")]
    TooLong,
    #[error("Keterangan berisi karakter yang tidak dapat disimpan.")]
    InvalidCharacters,
}

impl DisputeStatement {
    pub const MIN_CHARS: usize = 30;
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<DisputeStatement, DisputeStatementError> {
        let text = raw.trim().replace("\r\n", "\n");
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(DisputeStatementError::InvalidCharacters);
        }
        let length = text.chars().count();
        if length < Self::MIN_CHARS {
            return Err(DisputeStatementError::TooShort);
        }
        if length > Self::MAX_CHARS {
            return Err(DisputeStatementError::TooLong);
        }
        Ok(DisputeStatement(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::parsed_text!(DisputeStatement, DisputeStatementError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_kept_as_typed_within_its_bounds() {
        let typed = "  Saya belum pernah mendaftar,\r\ntetapi NIK saya sudah terdaftar.  ";
        let statement = DisputeStatement::parse(typed).unwrap();
        assert_eq!(
            statement.as_str(),
            "Saya belum pernah mendaftar,\ntetapi NIK saya sudah terdaftar."
        );
        assert_eq!(
            DisputeStatement::parse("NIK saya"),
            Err(DisputeStatementError::TooShort)
        );
        assert_eq!(
            DisputeStatement::parse(&"a".repeat(2001)),
            Err(DisputeStatementError::TooLong)
        );
        assert!(
            DisputeStatement::parse(&"é".repeat(2000)).is_ok(),
            "counted in characters, not bytes"
        );
        assert_eq!(
            DisputeStatement::parse(&format!("{}\u{0}", "a".repeat(40))),
            Err(DisputeStatementError::InvalidCharacters)
        );
    }
}
