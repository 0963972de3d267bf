//! An operator changes their own password: the current one, then the new one twice. A wrong
//! current password counts against the sign-in's budget (per username and address), so this
//! form is no way around it. The change ends every session of the operator, this one too, and
//! is audited; they sign in again with the new password and their second factor.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, OperatorIdentity};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FormState, Submitted, TextField},
};

#[cfg(feature = "ssr")]
const PASSWORD_FORM: &str = "operator-password";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasswordPage {
    pub operator: OperatorIdentity,
    pub errors: FieldErrors,
}

#[server(prefix = "/api", endpoint = "operator-password-page")]
pub async fn load_password_page() -> Result<PasswordPage, AppError> {
    let state = crate::state::app_state()?;
    let operator = super::require_operator(&state).await?;
    let flash = operator.session.flash_for(&state.pool, PASSWORD_FORM).await?;
    Ok(PasswordPage {
        operator: operator.identity,
        errors: flash.errors,
    })
}

#[server(prefix = "/api", endpoint = "operator-change-password")]
pub async fn change_own_password(
    #[server(default)] current: String,
    #[server(default)] new_password: String,
    #[server(default)] repeated: String,
) -> Result<Submitted, AppError> {
    use crate::{
        forms::reply,
        operators::{admin, db, Password},
        session,
    };

    crate::forms::handle_post(PASSWORD_FORM, crate::paths::PASSWORD_PATH, async |state| {
        let operator = super::require_operator(state).await?;
        // Passwords are never put back into the form.
        let refuse = |field: &str, message: String| {
            let outcome = Submitted::Invalid(FieldErrors::single(field, message));
            reply(
                state,
                PASSWORD_FORM,
                crate::paths::PASSWORD_PATH,
                outcome,
                Default::default(),
            )
        };
        let (guesser, wait) = super::password_try(state, &operator.identity.username).await?;
        if let Some(wait) = wait {
            let message = format!(
                "Terlalu banyak kata sandi salah. Coba lagi dalam {} menit.",
                wait.div_ceil(60)
            );
            return refuse("current", message).await;
        }
        let stored = db::password_hash(&state.pool, operator.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !db::password_matches(current.clone(), stored).await? {
            tracing::info!("operator password change refused: wrong current password");
            super::count_wrong_password(state, &guesser).await?;
            return refuse("current", "Kata sandi saat ini salah.".to_owned()).await;
        }
        let password = match Password::parse(&new_password) {
            Ok(password) => password,
            Err(error) => return refuse("new_password", error.to_string()).await,
        };
        if new_password == current {
            return refuse(
                "new_password",
                "Kata sandi baru harus berbeda dari yang sekarang.".to_owned(),
            )
            .await;
        }
        if repeated != new_password {
            return refuse(
                "repeated",
                "Ulangan kata sandi tidak sama dengan kata sandi baru.".to_owned(),
            )
            .await;
        }
        let actor = operator.actor();
        admin::change(&state.pool, operator.id, admin::Change::OwnPassword(password), &actor).await?;
        // Every session ended with the change; a new one carries the word to the sign-in page.
        let signed_out = session::start(&state.pool, state, session::NewSession::anonymous()).await?;
        let notice = "Kata sandi Anda sudah diubah. Masuk lagi dengan kata sandi baru.".to_owned();
        let sign_in = crate::paths::OPERATOR_SIGN_IN_PATH;
        crate::forms::accepted_with_notice(
            state,
            &signed_out,
            super::SIGN_IN_FORM,
            sign_in,
            notice,
            Default::default(),
        )
        .await
    })
    .await
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    crate::forms::loaded_page(
        "Ubah kata sandi — Konsol Prakerja",
        "Ubah kata sandi",
        load_password_page,
        |page| {
            let state = FormState::new(page.errors);
            view! {
                <ConsoleNav identity=page.operator/>
                <p>"Kata sandi 12 sampai 128 karakter; kalimat yang mudah Anda ingat lebih baik daripada kata yang rumit. "
                   "Setelah diubah, Anda keluar dari semua perangkat dan masuk lagi dengan kata sandi baru."</p>
                <ErrorSummary state/>
                <form method="post" action=ChangeOwnPassword::url() novalidate="">
                    <TextField id="current" name="current".into() label="Kata sandi saat ini" value=""
                        errors=state.errors input_type="password" autocomplete="current-password"/>
                    <TextField id="new_password" name="new_password".into() label="Kata sandi baru" value=""
                        errors=state.errors input_type="password" autocomplete="new-password"/>
                    <TextField id="repeated" name="repeated".into() label="Ulangi kata sandi baru" value=""
                        errors=state.errors input_type="password" autocomplete="new-password"/>
                    <button type="submit" class="button">"Ubah kata sandi"</button>
                </form>
            }
        },
    )
}
