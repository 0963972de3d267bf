//! Secrets that keys are derived from, kept apart by what they protect.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A random code people read and type: `groups` groups of `group_len` characters drawn from
/// `alphabet`, joined by hyphens (recovery codes, temporary passwords, dispute references).
pub fn random_grouped(alphabet: &[u8], groups: usize, group_len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..groups)
        .map(|_| {
            (0..group_len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

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

/// The tag that binds what the browser keeps (drafts, queued posts, page copies) to one account:
/// derived from the account id with the portal's secret, so it tells nothing about the account
/// and cannot be guessed for another one. Sixteen hex digits are plenty to tell apart the few
/// accounts that share one browser.
pub fn device_owner_tag(secret: &[u8], account_id: uuid::Uuid) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"prakerja device owner:");
    mac.update(account_id.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..8])
}

/// Seals (or, applied again, unseals) an operator's TOTP secret for storage: XOR with a key
/// stream derived from the portal's secret, the operator and a nonce used for this secret only.
/// A copy of the database alone then gives no codes.
pub fn seal_totp_secret(secret: &[u8], operator_id: uuid::Uuid, nonce: &[u8], totp_secret: &[u8; 20]) -> [u8; 20] {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"prakerja totp seal:");
    mac.update(operator_id.as_bytes());
    mac.update(nonce);
    let stream = mac.finalize().into_bytes();
    let mut sealed = [0u8; 20];
    for (i, byte) in sealed.iter_mut().enumerate() {
        *byte = totp_secret[i] ^ stream[i];
    }
    sealed
}

/// The stored form of a recovery code: an HMAC with the portal's secret (a copy of the database
/// cannot be searched for codes offline).
pub fn recovery_code_hash(secret: &[u8], operator_id: uuid::Uuid, code: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"prakerja recovery code:");
    mac.update(operator_id.as_bytes());
    mac.update(code.as_bytes());
    mac.finalize().into_bytes().to_vec()
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

    #[test]
    fn device_owner_tags_differ_by_account_and_secret() {
        let (one, other) = (uuid::Uuid::from_u128(42), uuid::Uuid::from_u128(43));
        let tag = device_owner_tag(&[1; 32], one);
        assert_eq!(tag.len(), 16);
        assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(tag, device_owner_tag(&[1; 32], one), "stable for one account");
        assert_ne!(tag, device_owner_tag(&[1; 32], other));
        assert_ne!(tag, device_owner_tag(&[2; 32], one));
    }

    #[test]
    fn a_sealed_totp_secret_unseals_with_the_same_inputs_only() {
        let operator = uuid::Uuid::from_u128(7);
        let totp = [9u8; 20];
        let sealed = seal_totp_secret(&[1; 32], operator, &[2; 16], &totp);
        assert_ne!(sealed, totp);
        assert_eq!(seal_totp_secret(&[1; 32], operator, &[2; 16], &sealed), totp);
        assert_ne!(
            seal_totp_secret(&[1; 32], operator, &[3; 16], &sealed),
            totp,
            "another nonce"
        );
        assert_ne!(
            seal_totp_secret(&[4; 32], operator, &[2; 16], &sealed),
            totp,
            "another portal secret"
        );
    }
}
