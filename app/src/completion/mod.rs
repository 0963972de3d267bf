//! Finishing a training: the partner platforms report a voucher's progress and completion
//! through a signed HTTP API (`POST /platform/v1/events`, documented at
//! `/platform/v1/openapi.json`), and a completion issues the participant's certificate.
//!
//! A request is signed with the platform key's secret: `Prakerja-Signature` is the lowercase hex
//! HMAC-SHA256 of `<Prakerja-Timestamp>.<body>`, the timestamp is Unix seconds and must be within
//! five minutes of the server's clock, and the event id makes a resent event change nothing.

#[cfg(feature = "ssr")]
pub mod api;
pub mod certificate;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod pdf;
pub mod printable;

use serde::{Deserialize, Serialize};

pub const KEY_HEADER: &str = "prakerja-key";
pub const TIMESTAMP_HEADER: &str = "prakerja-timestamp";
pub const SIGNATURE_HEADER: &str = "prakerja-signature";
/// How far a request's timestamp may be from the server's clock, either way.
pub const REPLAY_WINDOW_SECS: i64 = 300;
/// How far ahead of the server's clock an event may be dated (clocks drift a little).
pub const EVENT_CLOCK_SKEW_SECS: i64 = 120;

pub use crate::domain::StudyRule;

/// What a platform reports about a voucher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// The participant started the training (redeemed the voucher).
    Started,
    Progress,
    Completed,
}

impl EventKind {
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Started => "mulai",
            EventKind::Progress => "kemajuan",
            EventKind::Completed => "selesai",
        }
    }

    pub fn parse(code: &str) -> Option<EventKind> {
        [EventKind::Started, EventKind::Progress, EventKind::Completed]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

/// A platform's id for one event: what makes a resent event a duplicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventId(String);

impl EventId {
    pub fn parse(text: &str) -> Result<EventId, &'static str> {
        if text.is_empty() || text.len() > 100 {
            return Err("event_id harus 1 sampai 100 karakter");
        }
        if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) {
            return Err("event_id hanya boleh berisi huruf, angka, dan - _ . :");
        }
        Ok(EventId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A voucher code as the portal gave it at purchase (`ABCD-EFGH-JKLM-NPQR`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoucherCode(String);

impl VoucherCode {
    pub fn parse(text: &str) -> Result<VoucherCode, &'static str> {
        let text = text.trim().to_ascii_uppercase();
        let groups: Vec<&str> = text.split('-').collect();
        let valid = groups.len() == 4
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        if !valid {
            return Err("voucher harus 4 kelompok 4 huruf atau angka, mis. ABCD-EFGH-JKMN-PQ23");
        }
        Ok(VoucherCode(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One progress report, parsed from the request's JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressEvent {
    pub event_id: EventId,
    pub voucher: VoucherCode,
    pub kind: EventKind,
    /// 0 to 100; a completion is always 100.
    pub progress_percent: i16,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

/// The body as sent, before its fields are parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressEventBody {
    event_id: String,
    voucher: String,
    #[serde(rename = "type")]
    kind: String,
    progress_percent: Option<i64>,
    occurred_at: String,
}

/// A body field that did not parse: the field's name and why, in Bahasa Indonesia.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl ProgressEvent {
    pub fn parse(body: &[u8]) -> Result<ProgressEvent, FieldError> {
        let raw: ProgressEventBody = serde_json::from_slice(body).map_err(|error| FieldError {
            field: "body",
            message: format!("badan permintaan bukan JSON yang diharapkan: {error}"),
        })?;
        let field = |field: &'static str| {
            move |message: &str| FieldError {
                field,
                message: message.to_owned(),
            }
        };
        let event_id = EventId::parse(&raw.event_id).map_err(field("event_id"))?;
        let voucher = VoucherCode::parse(&raw.voucher).map_err(field("voucher"))?;
        let kind =
            EventKind::parse(&raw.kind).ok_or_else(|| field("type")("type harus mulai, kemajuan, atau selesai"))?;
        let progress_percent = match (kind, raw.progress_percent) {
            (EventKind::Completed, None | Some(100)) => 100,
            (EventKind::Completed, Some(_)) => return Err(field("progress_percent")("penyelesaian selalu 100 persen")),
            (EventKind::Started, None) => 0,
            (EventKind::Progress, None) => {
                return Err(field("progress_percent")("kemajuan memerlukan progress_percent"))
            }
            (_, Some(percent)) if (0..=100).contains(&percent) => percent as i16,
            (_, Some(_)) => return Err(field("progress_percent")("progress_percent harus 0 sampai 100")),
        };
        let occurred_at = chrono::DateTime::parse_from_rfc3339(&raw.occurred_at)
            .map_err(|_| field("occurred_at")("occurred_at harus waktu RFC 3339, mis. 2027-01-04T08:00:00+07:00"))?
            .to_utc();
        Ok(ProgressEvent {
            event_id,
            voucher,
            kind,
            progress_percent,
            occurred_at,
        })
    }
}

/// A certificate's public code (`ABCD-EFGH-JKLM-NPQR-STUV`): 100 random bits, so it cannot be
/// guessed; it is what the verification page's address and the QR code carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateCode(String);

impl CertificateCode {
    pub fn parse(text: &str) -> Option<CertificateCode> {
        let text = text.trim().to_ascii_uppercase();
        let groups: Vec<&str> = text.split('-').collect();
        let valid = groups.len() == 5
            && groups.iter().all(|g| {
                g.len() == 4
                    && g.bytes()
                        .all(|b| crate::domain::card_number::VOUCHER_ALPHABET.contains(&b))
            });
        valid.then_some(CertificateCode(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn path(&self) -> String {
        format!("/sertifikat/{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Result<ProgressEvent, FieldError> {
        ProgressEvent::parse(json.as_bytes())
    }

    #[test]
    fn a_completion_parses_with_its_percent_implied() {
        let event = body(
            r#"{"event_id":"e-1","voucher":"abcd-efgh-jkmn-pq23","type":"selesai","occurred_at":"2027-01-04T08:00:00+07:00"}"#,
        )
        .unwrap();
        assert_eq!(event.kind, EventKind::Completed);
        assert_eq!(event.progress_percent, 100);
        assert_eq!(event.voucher.as_str(), "ABCD-EFGH-JKMN-PQ23");
        assert_eq!(event.occurred_at.to_rfc3339(), "2027-01-04T01:00:00+00:00");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (
                r#"{"event_id":"","voucher":"ABCD-EFGH-JKMN-PQ23","type":"mulai","occurred_at":"2027-01-04T08:00:00Z"}"#,
                "event_id",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD","type":"mulai","occurred_at":"2027-01-04T08:00:00Z"}"#,
                "voucher",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"lulus","occurred_at":"2027-01-04T08:00:00Z"}"#,
                "type",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"kemajuan","progress_percent":101,"occurred_at":"2027-01-04T08:00:00Z"}"#,
                "progress_percent",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"kemajuan","occurred_at":"2027-01-04T08:00:00Z"}"#,
                "progress_percent",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"selesai","progress_percent":90,"occurred_at":"2027-01-04T08:00:00Z"}"#,
                "progress_percent",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"mulai","occurred_at":"kemarin"}"#,
                "occurred_at",
            ),
            (
                r#"{"event_id":"a","voucher":"ABCD-EFGH-JKMN-PQ23","type":"mulai","occurred_at":"2027-01-04T08:00:00Z","extra":1}"#,
                "body",
            ),
        ];
        for (json, field) in cases {
            assert_eq!(body(json).unwrap_err().field, field, "{json}");
        }
    }

    #[test]
    fn certificate_codes_are_five_groups_of_the_voucher_alphabet() {
        assert!(CertificateCode::parse("abcd-efgh-jkmn-pq23-4567").is_some());
        assert!(CertificateCode::parse("ABCD-EFGH-JKMN-PQ23").is_none());
        assert!(
            CertificateCode::parse("ABCD-EFGH-JKMN-PQ23-4561").is_none(),
            "1 is not in the alphabet"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10_000))]

        /// A platform's body never panics the parser, whatever its bytes.
        #[test]
        fn any_bytes_parse_or_name_a_field(body in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = ProgressEvent::parse(&body);
        }

        /// Nor does a body that is JSON of the right shape with any values.
        #[test]
        fn any_field_values_parse_or_name_a_field(
            event_id in "\\PC{0,120}",
            voucher in "[A-Za-z0-9-]{0,24}",
            kind in "mulai|kemajuan|selesai|\\PC{0,8}",
            percent in proptest::option::of(proptest::num::i64::ANY),
            occurred_at in "\\PC{0,40}|20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}",
        ) {
            let body = serde_json::json!({
                "event_id": event_id, "voucher": voucher, "type": kind,
                "progress_percent": percent, "occurred_at": occurred_at,
            });
            if let Ok(event) = ProgressEvent::parse(body.to_string().as_bytes()) {
                proptest::prop_assert!((0..=100).contains(&event.progress_percent));
            }
        }
    }
}
