use serde::{Deserialize, Serialize};

/// An email address, normalised to lower case so one person cannot open two accounts by
/// changing the case of their address.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

super::masked_debug!(EmailAddress);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Isi alamat email Anda.")]
    Empty,
    #[error("Alamat email terlalu panjang.")]
    TooLong,
    #[error("Format alamat email tidak valid, contoh: nama@contoh.com")]
    Invalid,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, EmailError> {
        // ASCII only: any other character makes the address invalid below anyway.
        let email = raw.trim().to_ascii_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = email.rsplit_once('@').ok_or(EmailError::Invalid)?;
        if is_valid_local_part(local) && is_valid_domain(domain) {
            Ok(EmailAddress(email))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A masked form for screens: bu***@contoh.com
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').expect("checked by parse");
        let shown: String = local.chars().take(2).collect();
        format!("{shown}***@{domain}")
    }
}

fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

super::parsed_text!(EmailAddress, EmailError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises_common_addresses() {
        assert_eq!(
            EmailAddress::parse("  Budi.Santoso@Gmail.COM ").unwrap().as_str(),
            "budi.santoso@gmail.com"
        );
        assert!(EmailAddress::parse("siti+prakerja@mail.co.id").is_ok());
        assert_eq!(
            EmailAddress::parse("budi@contoh.id").unwrap().masked(),
            "bu***@contoh.id"
        );
    }

    #[test]
    fn refuses_each_kind_of_bad_address() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        for bad in [
            "budi",
            "budi@",
            "@contoh.com",
            "budi@contoh",
            "budi@@contoh.com",
            "bu di@contoh.com",
            ".budi@contoh.com",
            "bu..di@contoh.com",
            "budi@-contoh.com",
            "budi@contoh.c0m",
            "budi@contoh..com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "input {bad:?}");
        }
        let long = format!("{}@contoh.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    proptest! {
        #[test]
        fn generated_addresses_round_trip(local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", domain in "[a-z][a-z0-9-]{0,10}[a-z0-9]", tld in "[a-z]{2,6}") {
            prop_assume!(!local.contains(".."));
            let raw = format!("{local}@{domain}.{tld}");
            let email = EmailAddress::parse(&raw.to_uppercase()).unwrap();
            prop_assert_eq!(email.as_str(), raw.as_str());
        }

        #[test]
        fn parse_never_panics(raw in ".{0,300}") {
            let _ = EmailAddress::parse(&raw);
        }
    }
}
