//! One mechanism for every form of the portal.
//!
//! - Without JavaScript a form is a plain `<form method="post">` to its server function. The
//!   server answers with a redirect (post/redirect/get): to the next page, or back to the form
//!   with its errors kept in the session (never in the URL: the values are personal data).
//! - With WASM the same form is submitted by the client after the same `parse` the server runs
//!   has passed, and errors appear without a round trip. The fields stay the server's HTML (an
//!   island's children): the island holds the form's behaviour, and `marks` writes the errors it
//!   finds beside them.
//!
//! By job: `reply` (the server's post/redirect/get), `state` (what a form's parts share),
//! `progressive` (the form element and its browser enhancement), `fields` (labelled fields and
//! the error summary), `marks` (errors marked beside server-rendered fields), `loaded` (a
//! page's data or its error). What a post answers, `Submitted`, is in `domain`: the browser's
//! offline queue keeps it too.

mod fields;
mod loaded;
#[cfg(feature = "hydrate")]
mod marks;
mod progressive;
mod reply;
mod state;

pub use crate::domain::submission::{Submitted, FORM_ERROR};
pub use fields::{ChoiceField, ErrorSummary, FieldError, SelectField, TextAreaField, TextField};
pub use loaded::{load_error, loaded, loaded_page};
pub use progressive::{ProgressiveForm, SubmissionStatus};
pub use reply::values;
#[cfg(feature = "ssr")]
pub use reply::{accepted_with_notice, answer, handle_post, reply};
pub use state::{FormState, FormValues};
