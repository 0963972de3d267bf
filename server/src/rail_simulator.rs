//! A payout-rail simulator for demos and tests: the API of `app/src/payouts/rail_openapi.json`
//! over real HTTP. Accounts opened through its simulator-only endpoint have the holder given
//! there (a test opens the e-wallet its participant will link); any other well-formed number
//! has a holder chosen by a hash of it. Transfers are kept in memory, paid once per reference,
//! and listed in the day's statement. Faults can be set while it runs: a latency, a rail that
//! answers only after paying late, one that pays and then never answers, one that never does
//! anything, and a refusal of every transfer.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, AtomicU8, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use app::payouts::rail::{
    InquiryAnswer, Statement, Transfer, TransferRequest, TransferStatus, WireDestination, INQUIRY_PATH, STATEMENT_PATH,
    TRANSFERS_PATH,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::simulated_service::{error, require_key, serve};

pub const DEVELOPMENT_KEY: &str = "rail-simulasi-kunci-pengembangan";
/// The simulator-only endpoint that opens an account with a holder's name.
pub const OPEN_ACCOUNT_PATH: &str = "/v1/simulasi/rekening";

/// What the simulated rail does wrong, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    None = 0,
    /// Pays, but answers only after `hang` (past any sensible client timeout).
    PaysLate = 1,
    /// Pays, then never answers.
    PaysThenHangs = 2,
    /// Neither pays nor answers.
    Hangs = 3,
    /// Refuses every new transfer (the destination is closed).
    Refuses = 4,
}

#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct OpenAccount {
    #[serde(flatten)]
    pub destination: WireDestination,
    #[serde(rename = "nama_pemilik")]
    pub holder_name: String,
}

pub struct RailSimulator {
    api_key: String,
    accounts: Mutex<HashMap<(String, String), String>>,
    closed: Mutex<std::collections::HashSet<(String, String)>>,
    transfers: Mutex<HashMap<String, (TransferRequest, Transfer)>>,
    fault: AtomicU8,
    hang: Duration,
    /// Transfers paid (once per reference), for tests.
    pub paid: AtomicU64,
    /// Transfer requests received, repeats included.
    pub transfer_requests: AtomicU64,
}

impl RailSimulator {
    pub fn new(api_key: &str) -> Arc<RailSimulator> {
        RailSimulator::new_with_hang(api_key, Duration::from_secs(30))
    }

    /// With faults that hang for `hang` (tests keep it short).
    pub fn new_with_hang(api_key: &str, hang: Duration) -> Arc<RailSimulator> {
        Arc::new(RailSimulator {
            api_key: api_key.to_owned(),
            accounts: Mutex::new(HashMap::new()),
            closed: Mutex::new(std::collections::HashSet::new()),
            transfers: Mutex::new(HashMap::new()),
            fault: AtomicU8::new(Fault::None as u8),
            hang,
            paid: AtomicU64::new(0),
            transfer_requests: AtomicU64::new(0),
        })
    }

    pub fn set_fault(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    fn fault(&self) -> Fault {
        match self.fault.load(Ordering::SeqCst) {
            1 => Fault::PaysLate,
            2 => Fault::PaysThenHangs,
            3 => Fault::Hangs,
            4 => Fault::Refuses,
            _ => Fault::None,
        }
    }

    pub fn open_account(&self, destination: &WireDestination, holder_name: &str) {
        lock(&self.accounts).insert(account_key(destination), holder_name.to_owned());
    }

    /// Makes a number no account at all: inquiries find nothing, transfers are refused.
    pub fn close_account(&self, destination: &WireDestination) {
        lock(&self.closed).insert(account_key(destination));
    }

    /// The holder of an account: the one it was opened with, or one chosen by a hash (none for
    /// a closed number).
    fn holder(&self, destination: &WireDestination) -> Option<String> {
        if lock(&self.closed).contains(&account_key(destination)) {
            return None;
        }
        if let Some(holder) = lock(&self.accounts).get(&account_key(destination)) {
            return Some(holder.clone());
        }
        let digits_only = destination
            .number
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit());
        if !digits_only || destination.number.len() < 8 {
            return None;
        }
        let digest = Sha256::new()
            .chain_update(b"prakerja-rail-simulasi:")
            .chain_update(destination.provider.as_bytes())
            .chain_update(destination.number.as_bytes())
            .finalize();
        let choice = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
        Some(crate::registry_simulator::population::synthetic_name(choice))
    }

    pub fn router(self: &Arc<Self>) -> Router {
        let routes = Router::new()
            .route(INQUIRY_PATH, post(inquire))
            .route(TRANSFERS_PATH, post(transfer))
            .route(&format!("{TRANSFERS_PATH}/{{reference}}"), get(transfer_status))
            .route(STATEMENT_PATH, get(statement))
            .route(OPEN_ACCOUNT_PATH, post(open_account));
        require_key(routes, &self.api_key).with_state(self.clone())
    }

    /// Serves on `addr` (port 0: any free one) until the process ends; returns the address.
    pub async fn spawn(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        serve(addr, self.router(), "rail").await
    }

    /// Pays `request` once: a repeat of a reference gets the first outcome (a repeat with
    /// another amount or destination is a conflict).
    fn pay_once(&self, request: &TransferRequest, refuse: bool) -> Result<Transfer, ()> {
        let mut transfers = lock(&self.transfers);
        if let Some((first, outcome)) = transfers.get(&request.reference) {
            return if first == request { Ok(outcome.clone()) } else { Err(()) };
        }
        let known = self.holder(&request.destination).is_some();
        let (status, reason) = match (known, refuse) {
            (false, _) => (
                TransferStatus::Refused,
                Some("Rekening atau dompet tujuan tidak ditemukan.".to_owned()),
            ),
            (true, true) => (
                TransferStatus::Refused,
                Some("Rekening tujuan ditutup atau diblokir.".to_owned()),
            ),
            (true, false) => (TransferStatus::Paid, None),
        };
        if status == TransferStatus::Paid {
            self.paid.fetch_add(1, Ordering::SeqCst);
        }
        let outcome = Transfer {
            reference: request.reference.clone(),
            amount: request.amount,
            status,
            reason,
            rail_reference: format!("RAIL-{}", uuid::Uuid::new_v4().simple()),
            at: Utc::now(),
        };
        transfers.insert(request.reference.clone(), (request.clone(), outcome.clone()));
        Ok(outcome)
    }
}

fn account_key(destination: &WireDestination) -> (String, String) {
    (destination.provider.clone(), destination.number.clone())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn inquire(State(simulator): State<Arc<RailSimulator>>, Json(destination): Json<WireDestination>) -> Response {
    match simulator.holder(&destination) {
        Some(holder_name) => Json(InquiryAnswer { holder_name }).into_response(),
        None => error(StatusCode::NOT_FOUND, "rekening-tidak-ditemukan"),
    }
}

async fn transfer(State(simulator): State<Arc<RailSimulator>>, Json(request): Json<TransferRequest>) -> Response {
    simulator.transfer_requests.fetch_add(1, Ordering::SeqCst);
    if request.amount <= 0 {
        return error(StatusCode::BAD_REQUEST, "jumlah-tidak-valid");
    }
    let fault = simulator.fault();
    if fault == Fault::Hangs {
        tokio::time::sleep(simulator.hang).await;
        return error(StatusCode::SERVICE_UNAVAILABLE, "layanan-tidak-tersedia");
    }
    let Ok(outcome) = simulator.pay_once(&request, fault == Fault::Refuses) else {
        return error(StatusCode::CONFLICT, "referensi-sudah-dipakai");
    };
    match fault {
        Fault::PaysLate | Fault::PaysThenHangs => {
            tokio::time::sleep(simulator.hang).await;
            if fault == Fault::PaysThenHangs {
                return error(StatusCode::SERVICE_UNAVAILABLE, "layanan-tidak-tersedia");
            }
            Json(outcome).into_response()
        }
        _ => Json(outcome).into_response(),
    }
}

async fn transfer_status(State(simulator): State<Arc<RailSimulator>>, Path(reference): Path<String>) -> Response {
    match lock(&simulator.transfers).get(&reference) {
        Some((_, outcome)) => Json(outcome.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "referensi-tidak-ditemukan"),
    }
}

#[derive(serde::Deserialize)]
struct Day {
    tanggal: NaiveDate,
}

async fn statement(State(simulator): State<Arc<RailSimulator>>, Query(day): Query<Day>) -> Response {
    let mut transfers: Vec<Transfer> = lock(&simulator.transfers)
        .values()
        .map(|(_, outcome)| outcome.clone())
        .filter(|t| app::domain::wib::date_in_program_tz(t.at) == day.tanggal)
        .collect();
    transfers.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.reference.cmp(&b.reference)));
    Json(Statement {
        day: day.tanggal,
        transfers,
    })
    .into_response()
}

async fn open_account(State(simulator): State<Arc<RailSimulator>>, Json(account): Json<OpenAccount>) -> Response {
    simulator.open_account(&account.destination, &account.holder_name);
    StatusCode::CREATED.into_response()
}
