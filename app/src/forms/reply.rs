//! The server's side of a post: post/redirect/get, with the errors and values of a plain post
//! kept in the session.

use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use crate::domain::submission::{Submitted, FORM_ERROR};
#[cfg(feature = "ssr")]
use crate::{domain::FieldErrors, error::AppError};

/// Answers a form's post: a redirect to the next page, or (without JavaScript) back to the form
/// with the errors and values carried in the session.
#[cfg(feature = "ssr")]
pub async fn reply(
    state: &crate::state::AppState,
    form: &str,
    form_path: &str,
    outcome: Submitted,
    values: BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    use crate::{request, session};
    match &outcome {
        Submitted::Accepted { next } => request::redirect(next),
        Submitted::Invalid(errors) if request::is_plain_form_post() => {
            let session = session::current_or_new(state).await?;
            let flash = session::Flash {
                form: form.to_owned(),
                errors: errors.clone(),
                values,
                notice: None,
            };
            session.set_flash(&state.pool, &flash).await?;
            request::redirect(form_path);
        }
        Submitted::Invalid(_) => {}
    }
    Ok(outcome)
}

/// Accepts a post that returns to its own page with a notice above the form (and any values the
/// page shows with it), kept in the poster's session for the page that follows the redirect.
#[cfg(feature = "ssr")]
pub async fn accepted_with_notice(
    state: &crate::state::AppState,
    session: &crate::session::Session,
    form: &str,
    form_path: &str,
    notice: String,
    values: BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    let flash = crate::session::Flash {
        form: form.to_owned(),
        notice: Some(notice),
        values,
        ..Default::default()
    };
    session.set_flash(&state.pool, &flash).await?;
    let back = Submitted::Accepted {
        next: form_path.to_owned(),
    };
    reply(state, form, form_path, back, BTreeMap::new()).await
}

/// One form post from start to end: `work` gets the state and decides the outcome, and the
/// answer is `answer`'s (post/redirect/get, and a failure kept on the form without JavaScript).
/// Every server function behind a form goes through here.
#[cfg(feature = "ssr")]
pub async fn handle_post(
    form: &str,
    form_path: &str,
    work: impl AsyncFnOnce(&crate::state::AppState) -> Result<Submitted, AppError>,
) -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    let result = work(&state).await;
    answer(&state, form, form_path, result).await
}

/// The last word on a form's post: an error that is not the applicant's to fix (the database is
/// unreachable, say) is shown on the form like any other message when JavaScript is off, rather
/// than lost in a redirect. Signed-out visitors keep their redirect to the sign-in page.
#[cfg(feature = "ssr")]
pub async fn answer(
    state: &crate::state::AppState,
    form: &str,
    form_path: &str,
    result: Result<Submitted, AppError>,
) -> Result<Submitted, AppError> {
    match result {
        Err(error) if error != AppError::Unauthenticated && crate::request::is_plain_form_post() => {
            let shown = Submitted::Invalid(FieldErrors::single(FORM_ERROR, error.to_string()));
            // If even the session cannot take the message, the plain error remains.
            reply(state, form, form_path, shown, BTreeMap::new())
                .await
                .or(Err(error))
        }
        other => other,
    }
}

/// Values of a form for the flash (fields a plain post could not keep otherwise).
pub fn values<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}
