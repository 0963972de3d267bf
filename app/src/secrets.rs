//! Secrets that keys are derived from, kept apart by what they protect.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The master secrets platform keys are derived from, by version, apart from the secret of
/// sign-in codes: rotating them (a new version for new keys, old versions kept until their keys
/// are revoked) touches nothing else. PRAKERJA_PLATFORM_KEY_SECRETS: `2:<secret>,1:<secret>`.
#[derive(Clone)]
pub struct PlatformKeySecrets {
    by_version: std::collections::BTreeMap<i16, Vec<u8>>,
}

impl std::fmt::Debug for PlatformKeySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformKeySecrets")
            .field("versions", &self.by_version.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PlatformKeySecrets {
    pub const MIN_SECRET_LEN: usize = 32;

    /// `version:secret` pairs separated by commas; versions 1 to 999, each secret 32+ characters.
    pub fn parse(raw: &str) -> Result<PlatformKeySecrets, String> {
        let mut by_version = std::collections::BTreeMap::new();
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (version, secret) = pair
                .split_once(':')
                .ok_or("each platform key secret is written version:secret")?;
            let version = version
                .trim()
                .parse::<i16>()
                .ok()
                .filter(|v| (1..=999).contains(v))
                .ok_or("a platform key secret's version is a number from 1 to 999")?;
            if secret.len() < Self::MIN_SECRET_LEN {
                return Err(format!(
                    "platform key secret version {version} is shorter than 32 characters"
                ));
            }
            if by_version.insert(version, secret.as_bytes().to_vec()).is_some() {
                return Err(format!("platform key secret version {version} is given twice"));
            }
        }
        if by_version.is_empty() {
            return Err("no platform key secret given".into());
        }
        Ok(PlatformKeySecrets { by_version })
    }

    /// The version new keys are made with: the highest.
    pub fn current_version(&self) -> i16 {
        self.by_version.keys().next_back().copied().unwrap_or(1)
    }

    /// A key's secret, from its id and the version it was made with; `None` when that version
    /// is no longer configured (its keys no longer work).
    pub fn key_secret(&self, version: i16, key_id: &str) -> Option<String> {
        self.by_version
            .get(&version)
            .map(|master| platform_secret(master, key_id))
    }

    /// Whether any version equals this other secret (the sign-in codes' must differ).
    pub fn contains(&self, other: &[u8]) -> bool {
        self.by_version.values().any(|secret| secret == other)
    }
}

/// A key's secret: derived from a master secret and the key id, never stored. Shown once,
/// when the key is made (`prakerja platform key create`).
fn platform_secret(master_secret: &[u8], key_id: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(master_secret).expect("HMAC takes any key length");
    mac.update(b"prakerja platform key:");
    mac.update(key_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_secrets_are_versioned_and_rotate_apart() {
        let secrets = PlatformKeySecrets::parse(&format!("1:{},2:{}", "a".repeat(32), "b".repeat(32))).unwrap();
        assert_eq!(secrets.current_version(), 2);
        let old = secrets.key_secret(1, "pk_aaaaaaaaaaaaaaaaaaaa").unwrap();
        let new = secrets.key_secret(2, "pk_aaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_ne!(old, new);
        assert_eq!(secrets.key_secret(3, "pk_aaaaaaaaaaaaaaaaaaaa"), None);
        let rotated = PlatformKeySecrets::parse(&format!("2:{}", "b".repeat(32))).unwrap();
        assert_eq!(rotated.key_secret(2, "pk_aaaaaaaaaaaaaaaaaaaa"), Some(new));
        assert_eq!(
            rotated.key_secret(1, "pk_aaaaaaaaaaaaaaaaaaaa"),
            None,
            "version 1 retired"
        );
        assert!(secrets.contains(&[b'a'; 32]));
        for bad in [
            "",
            "1:short",
            "x:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "0:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(PlatformKeySecrets::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PlatformKeySecrets::parse(&format!("1:{0},1:{0}", "a".repeat(32))).is_err());
        assert!(!format!("{secrets:?}").contains("aaaa"), "Debug shows no secret");
    }
}
