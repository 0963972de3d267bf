//! One training as the comparison shows it: what the search found, with what only the
//! comparison needs; and the comparison itself (read by the page, the snapshot and the browser).

use serde::{Deserialize, Serialize};

use super::{fit::Fit, TrainingSummary};
use crate::domain::Rupiah;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedTraining {
    pub summary: TrainingSummary,
    pub median_price_per_hour: Rupiah,
    pub outcomes: Vec<String>,
    pub description: String,
    /// The spread of all the provider's trainings' ratings (not in the catalogue document).
    pub provider_rating_counts: Option<[i32; 5]>,
    /// For a signed-in applicant: against the interests they gave at signup.
    pub fit: Option<Fit>,
}

/// The most trainings compared side by side.
pub const MAX_COMPARED: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub trainings: Vec<ComparedTraining>,
    /// More than four were chosen: only the first four are shown.
    pub truncated: bool,
    /// Chosen trainings that are not (or no longer) in the catalogue.
    pub missing: usize,
}
