//! Verification of applicants: the automatic checks that run after signup, their reasons in
//! plain Indonesian (the real program never told people why they were refused; we do), and the
//! operators' exclusion list.
//!
//! The rules are pure functions of [`Facts`], so they are tested exhaustively without a
//! database; the job that gathers the facts and stores the [`Decision`] lives on the server.

#[cfg(feature = "ssr")]
pub mod exclusions;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
mod rules;

#[cfg(feature = "ssr")]
pub use rules::{decide, Decision, Facts};

// The program's rules and the outcomes' words, each written once in `domain`.
pub use crate::domain::{
    birth::{MAX_AGE, MIN_AGE},
    family_card::MAX_PER_FAMILY_CARD,
    verification_outcome::{Reason, VerificationStatus},
};
