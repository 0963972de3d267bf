//! What a form's server function answers: the browser's queue and the server's forms share it.

use serde::{Deserialize, Serialize};

use super::FieldErrors;

/// The error-summary entry for a problem that belongs to no single field.
pub const FORM_ERROR: &str = "formulir";

/// What a form's server function answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Submitted {
    /// Something must be corrected; the form stays, with what was typed.
    Invalid(FieldErrors),
    /// Done; the browser goes to `next`.
    Accepted { next: String },
}
