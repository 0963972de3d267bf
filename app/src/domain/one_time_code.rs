//! The six-digit codes sent by email: to sign in, and to confirm a new email address.

/// A one-time code as typed: six digits, spaces allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OneTimeCode(u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OneTimeCodeError {
    #[error("Isi kode 6 angka dari email Anda.")]
    Empty,
    #[error("Kode terdiri dari 6 angka.")]
    Malformed,
}

impl OneTimeCode {
    pub fn parse(raw: &str) -> Result<OneTimeCode, OneTimeCodeError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(OneTimeCodeError::Empty);
        }
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OneTimeCodeError::Malformed);
        }
        digits.parse().map(OneTimeCode).map_err(|_| OneTimeCodeError::Malformed)
    }

    pub fn as_string(self) -> String {
        format!("{:06}", self.0)
    }

    /// A fresh code, for an email to carry.
    #[cfg(feature = "ssr")]
    pub fn random() -> OneTimeCode {
        use rand::Rng;
        OneTimeCode(rand::rng().random_range(0..1_000_000))
    }
}
