//! An operator changes their own password: the current one, then the new one twice. A wrong
//! current password counts against the sign-in's budget (per username and address), so this
//! form is no way around it. The change ends every session of the operator, this one too, and
//! is audited; they sign in again with the new password and their second factor.

use leptos::{prelude::*, server_fn::ServerFn};

use super::ConsolePage;
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{
    error::AppError,
    forms::{ErrorSummary, Submitted, TextField},
};

#[cfg(feature = "ssr")]
const CHANGE_PASSWORD: super::ConsoleForm = super::ConsoleForm::new("operator-password", crate::paths::PASSWORD_PATH);

/// The page has no content of its own: the form, and its errors after a refused post.
#[server(prefix = "/api", endpoint = "operator-password-page")]
pub async fn load_password_page() -> Result<ConsolePage<()>, AppError> {
    let (_, operator, flash) = super::open_page(super::ANY_OPERATOR, &[CHANGE_PASSWORD.id]).await?;
    Ok(ConsolePage::new(operator.identity, flash, ()))
}

#[server(prefix = "/api", endpoint = "operator-change-password")]
pub async fn change_own_password(
    #[server(default)] current: String,
    #[server(default)] new_password: String,
    #[server(default)] repeated: String,
) -> Result<Submitted, AppError> {
    use crate::{
        operators::{admin, db, Password},
        session,
    };

    CHANGE_PASSWORD
        .handle(super::ANY_OPERATOR, async |state, operator| {
            // Passwords are never put back into the form.
            let refuse = |field: &str, message: String| {
                CHANGE_PASSWORD.refuse(state, FieldErrors::single(field, message), Default::default())
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
            super::SIGN_IN
                .accept(state, &signed_out, notice, Default::default())
                .await
        })
        .await
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    super::console_page(super::PASSWORD, load_password_page, |last, ()| {
        let state = last.form_state();
        view! {
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
    })
}
