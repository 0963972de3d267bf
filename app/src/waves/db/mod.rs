//! Waves in PostgreSQL: creating them, priority lists, joining, the seed, the close (freeze,
//! rank, write outcomes and cards in one transaction) and the outcome notifications.
//!
//! By job: `create`, `join` (and an applicant's standing), `close`, `outcome` (an entry's rank
//! or failed check), `notify` (the outcome emails), `files` (the published pool and result).

mod close;
mod create;
mod files;
mod join;
mod notify;
mod outcome;

pub use close::*;
pub use create::*;
pub use files::*;
pub use join::*;
pub use notify::*;
