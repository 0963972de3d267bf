//! The operators' console: sign-in with a password, the verification queue and the funnel.
//!
//! Operator pages are server-rendered plain forms without islands: they work without
//! JavaScript and add nothing to the WASM bundle that applicants download. They are never kept
//! by the service worker (`x-prakerja-operator`), and every operator action goes to the audit
//! log.

pub mod catalogue;
pub mod completion;
pub mod disputes;
pub mod funnel;
pub mod operators;
pub mod password;
pub mod queue;
pub mod second_factor;
pub mod waves;

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FormState, Submitted, TextField},
    operators::OperatorRole,
};

#[cfg(feature = "ssr")]
const SIGN_IN_FORM: &str = "operator-sign-in";

/// The operator who is signed in, as pages show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatorIdentity {
    pub username: String,
    pub display_name: String,
    pub role: OperatorRole,
}

#[cfg(feature = "ssr")]
pub struct Operator {
    pub id: uuid::Uuid,
    pub identity: OperatorIdentity,
    /// The session the operator is signed in with (its flash carries the console's notices).
    pub session: crate::session::Session,
}

#[cfg(feature = "ssr")]
impl Operator {
    /// How the audit log names this operator.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.identity.username)
    }

    pub fn require_role(&self, allowed: &[OperatorRole]) -> Result<(), AppError> {
        if allowed.contains(&self.identity.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// An operator session may last this long (a working day).
#[cfg(feature = "ssr")]
pub const OPERATOR_SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(8);

/// The signed-in operator if a program admin; refused (403) for any other role.
#[cfg(feature = "ssr")]
pub async fn require_program_admin(state: &crate::state::AppState) -> Result<Operator, AppError> {
    let operator = require_operator(state).await?;
    operator.require_role(&[crate::operators::OperatorRole::ProgramAdmin])?;
    Ok(operator)
}

/// The signed-in operator, or a redirect to the operator sign-in page. Pages that call this are
/// never kept by the service worker (and, like every page, carry `Cache-Control: no-store`).
#[cfg(feature = "ssr")]
pub async fn require_operator(state: &crate::state::AppState) -> Result<Operator, AppError> {
    use crate::{request, session};
    // The service worker keeps no copy of the console's pages (they hold applicants' data).
    request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-operator"), "1");
    if let Some((session, operator_id)) = session::current(state)
        .await?
        .and_then(|s| s.operator_id.map(|id| (s, id)))
    {
        let row = sqlx::query!(
            r#"select username, display_name, role, totp_enrolled_at is not null as "enrolled!"
               from operators where id = $1 and disabled_at is null"#,
            operator_id
        )
        .fetch_optional(&state.pool)
        .await?;
        if let Some(row) = row {
            if !session.second_factor_done {
                // The password alone opens nothing: on to the second factor (or its enrolment).
                return Err(request::to_sign_in(second_factor::path_for(row.enrolled)));
            }
            return Ok(Operator {
                id: operator_id,
                identity: OperatorIdentity {
                    username: row.username,
                    display_name: row.display_name,
                    role: OperatorRole::parse(&row.role).map_err(AppError::internal)?,
                },
                session,
            });
        }
    }
    Err(request::to_sign_in(crate::paths::OPERATOR_SIGN_IN_PATH))
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OperatorSignInPage {
    pub username: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

#[server(prefix = "/api", endpoint = "operator-sign-in-page")]
pub async fn load_operator_sign_in_page() -> Result<OperatorSignInPage, AppError> {
    let state = crate::state::app_state()?;
    crate::request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-operator"), "1");
    let Some(session) = crate::session::current(&state).await? else {
        return Ok(OperatorSignInPage::default());
    };
    let flash = session.flash_for(&state.pool, SIGN_IN_FORM).await?;
    Ok(OperatorSignInPage {
        username: flash.values.get("username").cloned().unwrap_or_default(),
        errors: flash.errors,
        notice: flash.notice,
    })
}

/// Signs an operator in with username and password. The password is checked with argon2id on
/// the blocking pool; an unknown username costs the same work, so timing tells nothing.
#[server(prefix = "/api", endpoint = "operator-sign-in")]
pub async fn operator_sign_in(username: String, password: String) -> Result<Submitted, AppError> {
    use crate::{
        forms::reply,
        operators::{db, Username},
        session,
    };

    crate::forms::handle_post(SIGN_IN_FORM, crate::paths::OPERATOR_SIGN_IN_PATH, async |state| {
        // The password is never put back into the form, nor kept anywhere.
        let values = crate::forms::values([("username", username.as_str())]);
        let refuse = |message: &str| Submitted::Invalid(FieldErrors::single("password", message));
        let name = username.trim().to_lowercase();
        let (guesser, wait) = password_try(state, &name).await?;
        if let Some(wait) = wait {
            let message = format!(
                "Terlalu banyak percobaan masuk. Coba lagi dalam {} menit.",
                wait.div_ceil(60)
            );
            return reply(
                state,
                SIGN_IN_FORM,
                crate::paths::OPERATOR_SIGN_IN_PATH,
                refuse(&message),
                values,
            )
            .await;
        }
        let account = match Username::parse(&username) {
            Ok(username) => sqlx::query!(
                r#"select id, password_hash, totp_enrolled_at is not null as "enrolled!"
                   from operators where username = $1 and disabled_at is null"#,
                username.as_str()
            )
            .fetch_optional(&state.pool)
            .await?
            .map(|r| (r.id, r.password_hash, r.enrolled)),
            Err(_) => None,
        };
        let stored = match &account {
            Some((_, hash, _)) => hash.clone(),
            None => db::stand_in_hash().await?,
        };
        let matches = db::password_matches(password, stored).await?;
        let Some((operator_id, _, enrolled)) = account.filter(|_| matches) else {
            tracing::info!("operator sign-in refused");
            count_wrong_password(state, &guesser).await?;
            let wrong = refuse("Nama pengguna atau kata sandi salah.");
            return reply(state, SIGN_IN_FORM, crate::paths::OPERATOR_SIGN_IN_PATH, wrong, values).await;
        };
        // A new session under a new token (no session fixation); the old one ends.
        if let Some(old) = session::current(state).await? {
            session::end(state, &old).await?;
        }
        let mut tx = state.pool.begin().await?;
        let new = session::NewSession {
            operator_id: Some(operator_id),
            lifetime: OPERATOR_SESSION_LIFETIME,
            ..session::NewSession::anonymous()
        };
        session::start(&mut *tx, state, new).await?;
        crate::audit::record(
            &mut *tx,
            &format!("operator:{name}"),
            "operators.sign-in",
            &name,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        // The password is the first step: the second factor (or its enrolment) comes next.
        let next = Submitted::Accepted {
            next: second_factor::path_for(enrolled).to_owned(),
        };
        reply(state, SIGN_IN_FORM, crate::paths::OPERATOR_SIGN_IN_PATH, next, values).await
    })
    .await
}

/// Counts a password try (sign-in or change) against the address's budget of tries, and says
/// how long to wait if that or the wrong-password budget is used up. Wrong passwords count per
/// username *and* address, so a stranger locks out only themselves; every try counts per
/// address first, so a burst of parallel guesses cannot all pass before one is counted.
/// Returns the key wrong passwords count under.
#[cfg(feature = "ssr")]
async fn password_try(state: &crate::state::AppState, username: &str) -> Result<(String, Option<u64>), AppError> {
    use crate::rate_limit;
    let network = crate::request::client_network(&state.settings);
    let guesser = format!("{username}@{network}");
    let mut wait = rate_limit::hit(state, &rate_limit::OPERATOR_SIGN_IN_PER_IP, &network).await?;
    for limit in [&rate_limit::WRONG_PASSWORDS_SHORT, &rate_limit::WRONG_PASSWORDS_LONG] {
        wait = wait.max(rate_limit::exhausted(state, limit, &guesser).await?);
    }
    Ok((guesser, wait))
}

/// Counts a wrong password under the key `password_try` gave.
#[cfg(feature = "ssr")]
async fn count_wrong_password(state: &crate::state::AppState, guesser: &str) -> Result<(), AppError> {
    use crate::rate_limit;
    for limit in [&rate_limit::WRONG_PASSWORDS_SHORT, &rate_limit::WRONG_PASSWORDS_LONG] {
        // Refused once over the budget, which the next attempt's check reports.
        let _over_budget = rate_limit::hit(state, limit, guesser).await?;
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "operator-sign-out")]
pub async fn operator_sign_out() -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    if let Some(session) = crate::session::current(&state).await? {
        crate::session::end(&state, &session).await?;
    }
    crate::request::redirect(crate::paths::OPERATOR_SIGN_IN_PATH);
    Ok(Submitted::Accepted {
        next: crate::paths::OPERATOR_SIGN_IN_PATH.to_owned(),
    })
}

#[component]
pub fn OperatorSignInPage() -> impl IntoView {
    crate::forms::loaded_page(
        "Masuk operator — Prakerja",
        "Masuk sebagai operator",
        load_operator_sign_in_page,
        |page| {
            let state = FormState::new(page.errors);
            view! {
                {page.notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                <p>"Halaman ini untuk petugas program. Pendaftar masuk lewat " <a href=crate::paths::SIGN_IN_PATH>"halaman masuk pendaftar"</a> "."</p>
                <ErrorSummary state/>
                <form method="post" action=OperatorSignIn::url() novalidate="">
                    <TextField id="username" name="username".into() label="Nama pengguna" value=page.username
                        errors=state.errors autocomplete="username"/>
                    <TextField id="password" name="password".into() label="Kata sandi" value=""
                        errors=state.errors input_type="password" autocomplete="current-password"/>
                    <button type="submit" class="button">"Masuk"</button>
                </form>
            }
        },
    )
}

/// The reason (or note) field of one item in a console list: its id carries the item's, so an
/// error and what was typed come back beside the right item.
#[component]
fn ItemReasonField(
    id: String,
    name: &'static str,
    label: &'static str,
    error: Option<String>,
    typed: String,
) -> impl IntoView {
    let invalid = error.is_some();
    let described_by = invalid.then(|| format!("{id}-error"));
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            {error.map(|message| view! {
                <p class="field-error" id=format!("{id}-error")>
                    <span class="visually-hidden">"Kesalahan: "</span>{message}
                </p>
            })}
            <input id=id name=name value=typed aria-invalid=invalid.then_some("true") aria-describedby=described_by/>
        </div>
    }
}

/// One item's decision in a console list: the item's id, its reason field and two buttons, for
/// and against (`ditolak`), posted to `action`.
#[component]
pub fn DecisionForm(
    action: &'static str,
    item_name: &'static str,
    item: String,
    reason_id: String,
    reason_name: &'static str,
    reason_label: &'static str,
    error: Option<String>,
    typed: String,
    accept_value: &'static str,
    accept_label: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=action>
            <input type="hidden" name=item_name value=item/>
            <ItemReasonField id=reason_id name=reason_name label=reason_label error typed/>
            <button type="submit" name="decision" value=accept_value class="button">{accept_label}</button>
            " "
            <button type="submit" name="decision" value="ditolak" class="button button-secondary">"Tolak"</button>
        </form>
    }
}

/// The console's navigation and the sign-out form.
#[component]
pub fn ConsoleNav(identity: OperatorIdentity) -> impl IntoView {
    view! {
        <nav class="console-nav" aria-label="Menu operator">
            <p>{identity.display_name} " · " {identity.role.label()}</p>
            <ul>
                <li><a href=crate::paths::QUEUE_PATH>"Antrean verifikasi"</a></li>
                <li><a href=crate::paths::FUNNEL_PATH>"Corong pendaftar"</a></li>
                <li><a href=crate::paths::DISPUTES_CONSOLE_PATH>"Sanggahan NIK"</a></li>
                {(identity.role == OperatorRole::ProgramAdmin).then(|| view! {
                    <li><a href=crate::paths::CATALOGUE_CONSOLE_PATH>"Katalog pelatihan"</a></li>
                    <li><a href=crate::paths::WAVES_CONSOLE_PATH>"Gelombang"</a></li>
                    <li><a href=crate::paths::COMPLETION_CONSOLE_PATH>"Penyelesaian pelatihan"</a></li>
                    <li><a href=crate::paths::OPERATORS_CONSOLE_PATH>"Petugas"</a></li>
                })}
                <li><a href=crate::paths::PASSWORD_PATH>"Ubah kata sandi"</a></li>
            </ul>
            <form method="post" action=OperatorSignOut::url() class="inline-form">
                <button type="submit" class="link-button">"Keluar dari konsol"</button>
            </form>
        </nav>
    }
}
