//! An operator's stated reason for a decision.

use serde::{Deserialize, Serialize};

/// Why an operator decided (hid a training or a review, revoked a certificate, settled a
/// dispute): shown to whoever the decision concerns, so it must say something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorReason(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Tulis alasan 5 sampai 500 karakter: peserta dan platform berhak tahu.")]
pub struct OperatorReasonError;

impl OperatorReason {
    pub fn parse(raw: &str) -> Result<OperatorReason, OperatorReasonError> {
        let reason = super::collapse_whitespace(raw);
        if (5..=500).contains(&reason.chars().count()) {
            Ok(OperatorReason(reason))
        } else {
            Err(OperatorReasonError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_says_something_in_at_most_500_characters() {
        assert_eq!(
            OperatorReason::parse("  Harga   tidak wajar ").unwrap().as_str(),
            "Harga tidak wajar"
        );
        assert_eq!(OperatorReason::parse("Uji"), Err(OperatorReasonError));
        assert_eq!(OperatorReason::parse(&"x".repeat(501)), Err(OperatorReasonError));
    }
}
