//! A catalogue search as it stands in the URL, so it can be bookmarked and shared. The page's
//! GET form, the server and (later) the in-page filter read it with the same `parse`.

use serde::{Deserialize, Serialize};

use super::TrainingMode;
use crate::domain::{FieldErrors, Rupiah, TrainingCategory};

/// Trainings per page.
pub const PAGE_SIZE: i64 = 20;

/// The URL's parameters, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawCatalogueQuery {
    pub q: Option<String>,
    pub kategori: Option<String>,
    pub platform: Option<String>,
    pub harga_maks: Option<String>,
    /// "1": no dearer than the participant's remaining balance.
    pub dalam_saldo: Option<String>,
    pub jam_min: Option<String>,
    pub jam_maks: Option<String>,
    pub cara: Option<String>,
    pub rating_min: Option<String>,
    pub urut: Option<String>,
    pub hal: Option<String>,
}

impl RawCatalogueQuery {
    /// As typed, form-encoded: how the page hands it to the catalogue's island (a string decodes
    /// with far less code in the browser than the struct).
    pub fn to_form(&self) -> String {
        let values = [
            &self.q,
            &self.kategori,
            &self.platform,
            &self.harga_maks,
            &self.dalam_saldo,
            &self.jam_min,
            &self.jam_maks,
            &self.cara,
            &self.rating_min,
            &self.urut,
            &self.hal,
        ];
        form_encode(
            PARAMETERS
                .iter()
                .zip(values)
                .filter_map(|(name, value)| Some((*name, value.as_deref()?))),
        )
    }

    /// Back from `to_form`.
    pub fn from_form(form: &str) -> RawCatalogueQuery {
        let pairs: Vec<(&str, String)> = form
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name, percent_decode(value)))
            .collect();
        RawCatalogueQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(given, _)| *given == name)
                .map(|(_, value)| value.clone())
        })
    }

    /// The search from its parameters by name (the URL's, or the filter form's in the browser).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> RawCatalogueQuery {
        RawCatalogueQuery {
            q: get("q"),
            kategori: get("kategori"),
            platform: get("platform"),
            harga_maks: get("harga_maks"),
            dalam_saldo: get("dalam_saldo"),
            jam_min: get("jam_min"),
            jam_maks: get("jam_maks"),
            cara: get("cara"),
            rating_min: get("rating_min"),
            urut: get("urut"),
            hal: get("hal"),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortOrder {
    /// Best match first when searching for words; most bought otherwise.
    #[default]
    Relevance,
    PriceLowFirst,
    PricePerHourLowFirst,
    RatingHighFirst,
    Popularity,
}

impl SortOrder {
    pub const ALL: [SortOrder; 5] = [
        SortOrder::Relevance,
        SortOrder::PriceLowFirst,
        SortOrder::PricePerHourLowFirst,
        SortOrder::RatingHighFirst,
        SortOrder::Popularity,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevan",
            SortOrder::PriceLowFirst => "harga",
            SortOrder::PricePerHourLowFirst => "harga-per-jam",
            SortOrder::RatingHighFirst => "rating",
            SortOrder::Popularity => "populer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortOrder::Relevance => "Paling sesuai",
            SortOrder::PriceLowFirst => "Harga termurah",
            SortOrder::PricePerHourLowFirst => "Harga per jam termurah",
            SortOrder::RatingHighFirst => "Rating tertinggi",
            SortOrder::Popularity => "Paling banyak dibeli",
        }
    }
}

/// A parsed search. Filters that did not parse are left out and reported in `errors`, next to
/// the field, with what was typed kept in the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueQuery {
    pub words: Option<String>,
    pub category: Option<TrainingCategory>,
    pub platform: Option<String>,
    pub max_price: Option<Rupiah>,
    pub within_balance: bool,
    pub min_hours: Option<i16>,
    pub max_hours: Option<i16>,
    pub mode: Option<TrainingMode>,
    /// 1 to 5 stars, mean rating at least this.
    pub min_rating: Option<i16>,
    pub sort: SortOrder,
    /// From 1.
    pub page: i64,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn hours(raw: &str) -> Result<i16, &'static str> {
    raw.parse::<i16>()
        .ok()
        .filter(|h| (1..=1000).contains(h))
        .ok_or("Tulis jumlah jam dengan angka 1 sampai 1000.")
}

impl CatalogueQuery {
    pub fn parse(raw: &RawCatalogueQuery) -> (CatalogueQuery, FieldErrors) {
        let mut errors = FieldErrors::new();
        let words = given(&raw.q).map(|q| q.chars().take(100).collect::<String>());
        let category = given(&raw.kategori).and_then(|c| errors.check("kategori", TrainingCategory::parse(c)));
        let platform = given(&raw.platform)
            .filter(|p| {
                p.len() <= 40
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
            .map(str::to_owned);
        let max_price = given(&raw.harga_maks).and_then(|p| errors.check("harga_maks", Rupiah::parse(p)));
        let min_hours = given(&raw.jam_min).and_then(|h| errors.check("jam_min", hours(h)));
        let mut max_hours = given(&raw.jam_maks).and_then(|h| errors.check("jam_maks", hours(h)));
        if let (Some(min), Some(max)) = (min_hours, max_hours) {
            if max < min {
                errors.push(
                    "jam_maks",
                    "Jam paling lama harus sama atau lebih dari jam paling singkat.",
                );
                max_hours = None;
            }
        }
        let mode = given(&raw.cara).and_then(|m| errors.check("cara", TrainingMode::parse(m)));
        let min_rating = given(&raw.rating_min).and_then(|r| {
            let rating = r.parse::<i16>().ok().filter(|r| (1..=5).contains(r));
            errors.check("rating_min", rating.ok_or("Pilih rating 1 sampai 5."))
        });
        let sort = given(&raw.urut)
            .and_then(|code| SortOrder::ALL.into_iter().find(|s| s.code() == code))
            .unwrap_or_default();
        let page = given(&raw.hal)
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..=1000).contains(p))
            .unwrap_or(1);
        let query = CatalogueQuery {
            words,
            category,
            platform,
            max_price,
            within_balance: given(&raw.dalam_saldo) == Some("1"),
            min_hours,
            max_hours,
            mode,
            min_rating,
            sort,
            page,
        };
        (query, errors)
    }

    /// The URL of this search on another page (or `None` for the same page).
    pub fn url(&self, page: Option<i64>) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(words) = &self.words {
            params.push(("q", words.clone()));
        }
        if let Some(category) = self.category {
            params.push(("kategori", category.code().to_owned()));
        }
        if let Some(platform) = &self.platform {
            params.push(("platform", platform.clone()));
        }
        if let Some(price) = self.max_price {
            params.push(("harga_maks", price.whole().to_string()));
        }
        if self.within_balance {
            params.push(("dalam_saldo", "1".to_owned()));
        }
        if let Some(hours) = self.min_hours {
            params.push(("jam_min", hours.to_string()));
        }
        if let Some(hours) = self.max_hours {
            params.push(("jam_maks", hours.to_string()));
        }
        if let Some(mode) = self.mode {
            params.push(("cara", mode.code().to_owned()));
        }
        if let Some(rating) = self.min_rating {
            params.push(("rating_min", rating.to_string()));
        }
        if self.sort != SortOrder::Relevance {
            params.push(("urut", self.sort.code().to_owned()));
        }
        let page = page.unwrap_or(self.page);
        if page > 1 {
            params.push(("hal", page.to_string()));
        }
        let query = form_encode(params.iter().map(|(name, value)| (*name, value.as_str())));
        if query.is_empty() {
            crate::paths::CATALOGUE_PATH.to_owned()
        } else {
            format!("{}?{query}", crate::paths::CATALOGUE_PATH)
        }
    }
}

/// The URL's parameters of a search, in the order `url` and `to_form` write them.
const PARAMETERS: [&str; 11] = [
    "q",
    "kategori",
    "platform",
    "harga_maks",
    "dalam_saldo",
    "jam_min",
    "jam_maks",
    "cara",
    "rating_min",
    "urut",
    "hal",
];

/// Decodes a form-encoded value (`+` a space, `%XX` a byte); a broken escape stays as it is.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of one hexadecimal digit. (A byte's own match: `char::to_digit`, generic over the
/// radix, was one more function in the WASM's main module.)
fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `name=value` pairs joined by `&`, each value form-encoded, written into one string (not a
/// string per pair, collected and joined).
fn form_encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        push_percent_encoded(&mut out, value);
    }
    out
}

/// Appends a query value, form-encoded (spaces as `+`).
fn push_percent_encoded(out: &mut String, value: &str) {
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            other => {
                // Two hex digits, without formatting a string for each byte.
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(other >> 4)]));
                out.push(char::from(HEX[usize::from(other & 0xF)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawCatalogueQuery {
        let value = serde_json::Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect(),
        );
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_search_survives_the_round_trip_through_its_url() {
        let (query, errors) = CatalogueQuery::parse(&raw(&[
            ("q", "kopi susu & gula"),
            ("kategori", "barista"),
            ("harga_maks", "Rp500.000"),
            ("jam_min", "5"),
            ("cara", "video-mandiri"),
            ("rating_min", "4"),
            ("urut", "harga-per-jam"),
            ("hal", "2"),
        ]));
        assert!(errors.is_empty(), "{errors:?}");
        let url = query.url(None);
        assert_eq!(
            url,
            "/pelatihan?q=kopi+susu+%26+gula&kategori=barista&harga_maks=500000&jam_min=5&cara=video-mandiri&rating_min=4&urut=harga-per-jam&hal=2"
        );
        assert!(
            query.url(Some(1)).ends_with("urut=harga-per-jam"),
            "page 1 needs no parameter"
        );
    }

    #[test]
    fn what_was_typed_survives_the_form_encoding() {
        let typed = raw(&[
            ("q", "kopi susu & gula 100% + es"),
            ("harga_maks", "Rp500.000"),
            ("jam_min", "lima"),
            ("urut", "harga"),
        ]);
        let form = typed.to_form();
        assert_eq!(RawCatalogueQuery::from_form(&form), typed, "{form}");
        assert_eq!(RawCatalogueQuery::from_form(""), RawCatalogueQuery::default());
        assert_eq!(percent_decode("50%"), "50%");
        assert_eq!(percent_decode("%E2%9C%93+ok%zz"), "✓ ok%zz");
        assert_eq!(percent_decode("%e2%9c%93%2B%2b%g1"), "✓++%g1");
        assert_eq!(
            form_encode([("q", "✓ a+b/~"), ("hal", "2")].into_iter()),
            "q=%E2%9C%93+a%2Bb%2F~&hal=2"
        );
        assert_eq!(form_encode(std::iter::empty()), "");
    }

    proptest::proptest! {
        /// Whatever a visitor types comes back from its URL as typed, and no URL, however
        /// broken its escapes, stops the decoder.
        #[test]
        fn any_typed_value_survives_its_encoding(typed in "\\PC*", url in "[%+a-fA-F0-9gz\\PC]{0,12}") {
            let encoded = form_encode(std::iter::once(("q", typed.as_str())));
            proptest::prop_assert_eq!(percent_decode(&encoded["q=".len()..]), typed);
            let _ = percent_decode(&url);
        }
    }

    #[test]
    fn a_bad_filter_is_reported_and_left_out_while_the_others_apply() {
        let (query, errors) = CatalogueQuery::parse(&raw(&[
            ("kategori", "barista"),
            ("harga_maks", "murah"),
            ("jam_min", "10"),
            ("jam_maks", "5"),
            ("rating_min", "9"),
        ]));
        assert_eq!(query.category, Some(TrainingCategory::Barista));
        assert_eq!((query.max_price, query.max_hours, query.min_rating), (None, None, None));
        assert_eq!(query.min_hours, Some(10));
        assert!(errors.get("harga_maks").is_some());
        assert!(errors.get("jam_maks").is_some());
        assert!(errors.get("rating_min").is_some());
    }

    #[test]
    fn nothing_given_is_the_whole_catalogue_on_its_first_page() {
        let (query, errors) = CatalogueQuery::parse(&RawCatalogueQuery::default());
        assert!(errors.is_empty());
        assert_eq!(
            query,
            CatalogueQuery {
                page: 1,
                ..Default::default()
            }
        );
        assert_eq!(query.url(None), "/pelatihan");
    }
}
