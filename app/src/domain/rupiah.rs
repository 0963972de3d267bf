use serde::{Deserialize, Serialize};

/// An amount in whole rupiah, never negative: prices, balances and the "price up to" filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Rupiah(i64);

/// The largest amount anyone types or any training costs (Rp100 juta): more is a typo.
pub const MAX_RUPIAH: i64 = 100_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RupiahError {
    #[error("Isi jumlah rupiah.")]
    Empty,
    #[error("Tulis jumlah rupiah dengan angka saja, contoh: 500000 atau Rp500.000")]
    NotANumber,
    #[error("Jumlah rupiah terlalu besar.")]
    TooLarge,
}

impl Rupiah {
    /// Accepts what people type: "500000", "500.000", "Rp 500.000", "Rp500.000,-".
    pub fn parse(raw: &str) -> Result<Rupiah, RupiahError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(RupiahError::Empty);
        }
        let lower = trimmed.to_ascii_lowercase();
        let without_currency = lower.strip_prefix("rp").unwrap_or(&lower);
        let without_dash = without_currency.trim_end_matches(",-").trim_end_matches(",00");
        let digits: String = without_dash
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(RupiahError::NotANumber);
        }
        if digits.len() > 9 {
            return Err(RupiahError::TooLarge);
        }
        let amount: i64 = digits.parse().map_err(|_| RupiahError::NotANumber)?;
        Rupiah::from_whole(amount).ok_or(RupiahError::TooLarge)
    }

    /// An amount from the database or the code; `None` if negative or too large.
    pub fn from_whole(amount: i64) -> Option<Rupiah> {
        (0..=MAX_RUPIAH).contains(&amount).then_some(Rupiah(amount))
    }

    pub fn whole(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Rupiah {
    type Error = RupiahError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Rupiah::from_whole(value).ok_or(RupiahError::TooLarge)
    }
}

impl From<Rupiah> for i64 {
    fn from(value: Rupiah) -> Self {
        value.0
    }
}

/// As Indonesians write it: Rp1.000.000
impl std::fmt::Display for Rupiah {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Amounts are never negative (`parse` and `from_whole` refuse it).
        write!(f, "Rp{}", super::group_thousands(self.0.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_write_them() {
        for raw in [
            "500000",
            "500.000",
            "Rp500.000",
            "rp 500.000",
            " Rp500.000,- ",
            "Rp500.000,00",
        ] {
            assert_eq!(Rupiah::parse(raw), Ok(Rupiah(500_000)), "{raw}");
        }
        assert_eq!(Rupiah::parse("0"), Ok(Rupiah(0)));
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        assert_eq!(Rupiah::parse(""), Err(RupiahError::Empty));
        assert_eq!(Rupiah::parse("lima ratus"), Err(RupiahError::NotANumber));
        assert_eq!(Rupiah::parse("-5000"), Err(RupiahError::NotANumber));
        assert_eq!(Rupiah::parse("Rp"), Err(RupiahError::NotANumber));
        assert_eq!(Rupiah::parse("100000001"), Err(RupiahError::TooLarge));
        assert_eq!(Rupiah::parse("99999999999999999999"), Err(RupiahError::TooLarge));
        assert_eq!(Rupiah::from_whole(-1), None);
    }

    #[test]
    fn amounts_are_shown_with_dots_between_thousands() {
        assert_eq!(Rupiah(1_000_000).to_string(), "Rp1.000.000");
        assert_eq!(Rupiah(250_000).to_string(), "Rp250.000");
        assert_eq!(Rupiah(999).to_string(), "Rp999");
        assert_eq!(Rupiah(0).to_string(), "Rp0");
    }
}
