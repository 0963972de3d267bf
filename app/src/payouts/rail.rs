//! The payout rail (bank transfers and e-wallet top-ups): what the portal asks it, and the HTTP
//! client that asks. The API is written down in `rail_openapi.json`; `prakerja rail simulate`
//! serves it.
//!
//! A transfer carries the installment's stable reference as its idempotency key: the rail pays
//! a reference once, whatever the number of requests. A request whose outcome is unknown (a
//! timeout, a dropped connection) is resolved by asking the rail about that reference before
//! anything is sent again.

use std::{future::Future, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::payout_account::PayoutDestination;

pub const INQUIRY_PATH: &str = "/v1/rekening/periksa";
pub const TRANSFERS_PATH: &str = "/v1/transfer";
pub const STATEMENT_PATH: &str = "/v1/mutasi";

/// Which kind of destination, as the rail names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DestinationKind {
    #[serde(rename = "bank")]
    Bank,
    #[serde(rename = "dompet")]
    EWallet,
}

/// A destination on the wire: the kind, the provider's code and the number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDestination {
    #[serde(rename = "jenis")]
    pub kind: DestinationKind,
    #[serde(rename = "penyedia")]
    pub provider: String,
    #[serde(rename = "nomor")]
    pub number: String,
}

impl From<&PayoutDestination> for WireDestination {
    fn from(destination: &PayoutDestination) -> WireDestination {
        let (provider, number) = destination.provider_and_number();
        WireDestination {
            kind: match destination {
                PayoutDestination::Bank { .. } => DestinationKind::Bank,
                PayoutDestination::EWallet { .. } => DestinationKind::EWallet,
            },
            provider: provider.to_owned(),
            number: number.to_owned(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InquiryAnswer {
    #[serde(rename = "nama_pemilik")]
    pub holder_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    /// The installment's stable reference: the idempotency key.
    #[serde(rename = "referensi")]
    pub reference: String,
    /// Whole rupiah.
    #[serde(rename = "jumlah")]
    pub amount: i64,
    #[serde(rename = "tujuan")]
    pub destination: WireDestination,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferStatus {
    #[serde(rename = "dibayar")]
    Paid,
    #[serde(rename = "ditolak")]
    Refused,
}

/// The rail's record of a transfer (also a line of its statement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    #[serde(rename = "referensi")]
    pub reference: String,
    #[serde(rename = "jumlah")]
    pub amount: i64,
    pub status: TransferStatus,
    /// Why a transfer was refused, in words the participant can act on.
    #[serde(rename = "alasan", default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(rename = "referensi_rail")]
    pub rail_reference: String,
    #[serde(rename = "waktu")]
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "tanggal")]
    pub day: NaiveDate,
    #[serde(rename = "transfer")]
    pub transfers: Vec<Transfer>,
}

/// The rail could not be asked, or did not say: nothing is known.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RailUnavailable {
    #[error("no answer in time")]
    Timeout,
    #[error("the rail answered HTTP {0}")]
    Status(u16),
    #[error("the rail could not be reached: {0}")]
    Transport(String),
    #[error("the rail's answer could not be read: {0}")]
    Malformed(String),
}

/// The payout rail, as the payout job sees it.
pub trait PayoutRail: Send + Sync {
    /// The holder's name of a destination; `None` when the rail has no such account.
    fn inquire(
        &self,
        destination: &PayoutDestination,
    ) -> impl Future<Output = Result<Option<String>, RailUnavailable>> + Send;
    /// Sends a transfer (idempotent on its reference).
    fn transfer(&self, request: &TransferRequest) -> impl Future<Output = Result<Transfer, RailUnavailable>> + Send;
    /// What the rail knows of a reference; `None` when it never received it.
    fn transfer_status(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<Option<Transfer>, RailUnavailable>> + Send;
    /// Every transfer the rail made on a day (WIB).
    fn statement(&self, day: NaiveDate) -> impl Future<Output = Result<Statement, RailUnavailable>> + Send;
}

/// Where the rail is, its key, and how long a call may take.
#[derive(Clone, Debug)]
pub struct RailSettings {
    pub url: String,
    pub key: String,
    pub timeout: Duration,
}

/// A transfer's answer within five seconds, or its outcome is unknown (and asked about later).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The rail over HTTP, with a bearer key and a timeout on every call. It does not retry by
/// itself: the payout job decides what to do with an unknown outcome (ask first).
pub struct HttpRail {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
}

impl HttpRail {
    pub fn from_settings(settings: &RailSettings) -> Result<HttpRail, String> {
        HttpRail::new(&settings.url, &settings.key, settings.timeout)
    }

    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Result<HttpRail, String> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(base_url.starts_with("https://"))
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("prakerja-portal")
            .build()
            .map_err(|e| format!("the rail client: {e}"))?;
        Ok(HttpRail {
            client,
            base_url,
            api_key: api_key.to_owned(),
        })
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<Option<T>, RailUnavailable> {
        let response = request.bearer_auth(&self.api_key).send().await.map_err(|error| {
            if error.is_timeout() {
                RailUnavailable::Timeout
            } else {
                RailUnavailable::Transport(error.without_url().to_string())
            }
        })?;
        match response.status().as_u16() {
            200 => response
                .json::<T>()
                .await
                .map(Some)
                .map_err(|e| RailUnavailable::Malformed(e.without_url().to_string())),
            404 => Ok(None),
            status => Err(RailUnavailable::Status(status)),
        }
    }
}

impl PayoutRail for HttpRail {
    async fn inquire(&self, destination: &PayoutDestination) -> Result<Option<String>, RailUnavailable> {
        let url = format!("{}{INQUIRY_PATH}", self.base_url);
        let answer: Option<InquiryAnswer> = self
            .send(self.client.post(url).json(&WireDestination::from(destination)))
            .await?;
        Ok(answer.map(|a| a.holder_name))
    }

    async fn transfer(&self, request: &TransferRequest) -> Result<Transfer, RailUnavailable> {
        let url = format!("{}{TRANSFERS_PATH}", self.base_url);
        self.send(self.client.post(url).json(request))
            .await?
            .ok_or(RailUnavailable::Status(404))
    }

    async fn transfer_status(&self, reference: &str) -> Result<Option<Transfer>, RailUnavailable> {
        // References are the portal's own (PRK-INS-<id>-<n>): no personal data in the URL.
        let url = format!("{}{TRANSFERS_PATH}/{reference}", self.base_url);
        self.send(self.client.get(url)).await
    }

    async fn statement(&self, day: NaiveDate) -> Result<Statement, RailUnavailable> {
        let url = format!("{}{STATEMENT_PATH}?tanggal={day}", self.base_url);
        self.send(self.client.get(url))
            .await?
            .ok_or(RailUnavailable::Status(404))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_format_is_the_documented_one() {
        let destination = PayoutDestination::parse("dompet", "", "", "dana", "081234567890").unwrap();
        let request = TransferRequest {
            reference: "PRK-INS-x-1".into(),
            amount: 600_000,
            destination: WireDestination::from(&destination),
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "referensi": "PRK-INS-x-1", "jumlah": 600000,
                "tujuan": { "jenis": "dompet", "penyedia": "dana", "nomor": "+6281234567890" }
            })
        );
        let spec: serde_json::Value = serde_json::from_str(include_str!("rail_openapi.json")).unwrap();
        let schemas = &spec["components"]["schemas"];
        for key in json["tujuan"].as_object().unwrap().keys() {
            assert!(
                schemas["Tujuan"]["properties"].get(key).is_some(),
                "{key} is documented"
            );
        }
        let transfer = Transfer {
            reference: "PRK-INS-x-1".into(),
            amount: 600_000,
            status: TransferStatus::Refused,
            reason: Some("ditutup".into()),
            rail_reference: "RAIL-1".into(),
            at: Utc::now(),
        };
        for key in serde_json::to_value(&transfer).unwrap().as_object().unwrap().keys() {
            assert!(
                schemas["Transfer"]["properties"].get(key).is_some(),
                "{key} is documented"
            );
        }
        for path in [INQUIRY_PATH, TRANSFERS_PATH, STATEMENT_PATH] {
            assert!(spec["paths"].get(path).is_some(), "{path}");
        }
    }
}
