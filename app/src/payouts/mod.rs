//! Paying the incentive: the participant links the account it is paid into (`account`, on
//! their page: `page`); a job sends each due installment to the payout rail (`rail`) under a
//! stable reference (`job`); a daily reconciliation compares the ledger with the rail's
//! statement (`reconciliation`). The ledger itself (what is owed) is `crate::incentive`.

use serde::{Deserialize, Serialize};

pub mod account;
#[cfg(feature = "ssr")]
pub mod job;
pub mod page;
#[cfg(feature = "ssr")]
pub mod rail;
#[cfg(feature = "ssr")]
pub mod reconciliation;

/// A day's reconciliation and its differences, as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciledDay {
    pub day: String,
    pub ran_at: String,
    pub rail_transfers: i32,
    pub ledger_transfers: i32,
    /// (reference, kind's label, ledger's side, rail's side).
    pub differences: Vec<(String, String, String, String)>,
}
