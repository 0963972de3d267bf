//! Waves in PostgreSQL: creating them, priority lists, joining, the seed, the close (freeze,
//! rank, write outcomes and queue the cards in one transaction), the cards' issuance and the
//! outcome notifications.
//!
//! By job: `create`, `join` (and an applicant's standing), `close`, `issue` (the cards the
//! close queued), `outcome` (an entry's rank or failed check), `notify` (the outcome emails),
//! `files` (the published pool and result).

mod close;
mod create;
mod files;
mod issue;
mod join;
mod notify;
mod outcome;

pub use close::*;
pub use create::*;
pub use files::*;
pub use issue::{issue_pending_block, issue_pending_cards, pending_cards};
pub use join::*;
pub use notify::*;
