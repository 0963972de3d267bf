use serde::{Deserialize, Serialize};

/// A path on this site that a form may send the browser back to (no open redirects).
///
/// Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
/// `/\t/evil.example` and `/\evil.example` both lead to another host. Only printable ASCII is
/// accepted, never a backslash, and never a second slash at the start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalPath(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LocalPathError {
    #[error("Alamat kembali harus berupa alamat di situs ini.")]
    NotLocal,
}

impl LocalPath {
    const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<LocalPath, LocalPathError> {
        let printable = raw.bytes().all(|b| b.is_ascii_graphic());
        let local = raw.starts_with('/') && !raw.starts_with("//") && !raw.contains('\\');
        if printable && local && raw.len() <= Self::MAX_LEN {
            Ok(LocalPath(raw.to_owned()))
        } else {
            Err(LocalPathError::NotLocal)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::parsed_text!(LocalPath, LocalPathError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_accepted() {
        assert_eq!(
            LocalPath::parse("/daftar/identitas?x=1").unwrap().as_str(),
            "/daftar/identitas?x=1"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "evil.example",
            "",
            "/\u{0}",
            "/ü",
        ] {
            assert_eq!(LocalPath::parse(bad), Err(LocalPathError::NotLocal), "{bad:?}");
        }
        assert!(LocalPath::parse(&format!("/{}", "a".repeat(3000))).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10_000))]

        /// Whatever is accepted starts with exactly one slash and holds nothing a browser
        /// would strip or reinterpret.
        #[test]
        fn accepted_paths_stay_on_this_site(raw in "\\PC{0,40}|/[\\t\\n\\\\/ a-z.]{0,12}") {
            if let Ok(path) = LocalPath::parse(&raw) {
                let text = path.as_str();
                proptest::prop_assert!(text.starts_with('/') && !text.starts_with("//"));
                proptest::prop_assert!(text.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'));
            }
        }
    }
}
