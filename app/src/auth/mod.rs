//! Accounts without passwords: an email address and a 6-digit one-time code.
//!
//! Codes expire after 10 minutes (ASVS 2.7.2), allow at most 5 wrong tries, and a new one can be
//! asked for at most once a minute per address. Wrong codes are also counted per address across
//! codes (10 an hour, 20 a day), past which signing in with it is locked and its owner told.
//! Only an HMAC of each code is stored.

use crate::paths::SIGN_IN_PATH;
use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FormState, FormValues, ProgressiveForm, SubmissionStatus, Submitted, TextField},
};

#[cfg(feature = "ssr")]
use crate::session;

pub const CODE_LIFETIME_MINUTES: i64 = 10;
pub const MAX_WRONG_CODES: i16 = 5;

const EMAIL_FORM: &str = "sign-in-email";
const CODE_FORM: &str = "sign-in-code";

pub use crate::domain::{OneTimeCode, OneTimeCodeError};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInPage {
    pub email: String,
    /// "This is a shared device" was chosen in this session.
    pub shared_device: bool,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodePage {
    pub masked_email: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

/// Who is signed in, and whether this is a shared device, for the header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub masked_email: Option<String>,
    /// Signed in as an operator: their display name.
    pub operator_name: Option<String>,
    pub shared_device: bool,
    /// The applicant's device tag (`secrets::device_owner_tag`): what the browser keeps is
    /// bound to it, and the service worker serves a page copy only to the tag that fetched it.
    pub device_owner: Option<String>,
}

#[server(prefix = "/api", endpoint = "session-summary")]
pub async fn load_session_summary() -> Result<SessionSummary, AppError> {
    let state = crate::state::app_state()?;
    let Some(session) = session::current(&state).await? else {
        return Ok(SessionSummary::default());
    };
    if session.shared_device {
        // The service worker keeps no copy of pages for a shared device.
        crate::request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-shared-device"), "1");
    }
    let device_owner = session
        .account_id
        .map(|account_id| crate::secrets::device_owner_tag(&state.settings.secret, account_id));
    if let Some(tag) = &device_owner {
        crate::request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-owner"), tag);
    }
    let email = match session.account_id {
        Some(account_id) => session::account_email(&state.pool, account_id).await?,
        None => None,
    };
    let operator_name = match session.operator_id {
        Some(operator_id) => {
            sqlx::query_scalar!("select display_name from operators where id = $1", operator_id)
                .fetch_optional(&state.pool)
                .await?
        }
        None => None,
    };
    Ok(SessionSummary {
        operator_name,
        masked_email: email
            .and_then(|e| crate::domain::EmailAddress::parse(&e).ok())
            .map(|e| e.masked()),
        shared_device: session.shared_device,
        device_owner,
    })
}

#[server(prefix = "/api", endpoint = "sign-in-page")]
pub async fn load_sign_in_page() -> Result<SignInPage, AppError> {
    let state = crate::state::app_state()?;
    let Some(session) = session::current(&state).await? else {
        return Ok(SignInPage::default());
    };
    let flash = session.flash_for(&state.pool, EMAIL_FORM).await?;
    Ok(SignInPage {
        email: flash.values.get("email").cloned().unwrap_or_default(),
        shared_device: session.shared_device,
        errors: flash.errors,
        notice: flash.notice,
    })
}

/// Step 1: send a code to an email address.
#[server(prefix = "/api", endpoint = "request-code")]
pub async fn request_code(email: String, shared_device: Option<String>) -> Result<Submitted, AppError> {
    use crate::{domain::EmailAddress, forms::reply, rate_limit, request};

    crate::forms::handle_post(EMAIL_FORM, SIGN_IN_PATH, async |state| {
        let values = crate::forms::values([("email", email.as_str())]);
        let invalid = |message: String| Submitted::Invalid(FieldErrors::single("email", message));
        let email = match EmailAddress::parse(&email) {
            Ok(email) => email,
            Err(error) => return reply(state, EMAIL_FORM, SIGN_IN_PATH, invalid(error.to_string()), values).await,
        };
        let ip = request::client_network(&state.settings);
        if let Some(wait) = rate_limit::hit(state, &rate_limit::CODE_PER_IP, &ip).await? {
            let message = format!(
                "Terlalu banyak permintaan kode dari jaringan Anda. Coba lagi dalam {} menit.",
                wait.div_ceil(60)
            );
            return reply(state, EMAIL_FORM, SIGN_IN_PATH, invalid(message), values).await;
        }
        if let Some(wait) = wrong_code_lock(state, &email).await? {
            return reply(state, EMAIL_FORM, SIGN_IN_PATH, invalid(locked_message(wait)), values).await;
        }
        let session = session::current_or_new(state).await?;
        if shared_device.is_some() && !session.shared_device {
            session.mark_shared_device(&state.pool).await?;
        }
        if let Some(wait) = rate_limit::hit(state, &rate_limit::CODE_PER_EMAIL, email.as_str()).await? {
            // A code went to this address less than a minute ago: if it was asked for in this
            // session, the applicant just came back to this page; send them on to enter it.
            if db::challenge_email(&state.pool, session.challenge_id).await?.as_deref() == Some(email.as_str()) {
                return reply(
                    state,
                    EMAIL_FORM,
                    SIGN_IN_PATH,
                    Submitted::Accepted {
                        next: crate::paths::SIGN_IN_CODE_PATH.to_owned(),
                    },
                    values,
                )
                .await;
            }
            let message =
                format!("Kode untuk email ini baru saja dikirim. Tunggu {wait} detik sebelum meminta kode baru.");
            return reply(state, EMAIL_FORM, SIGN_IN_PATH, invalid(message), values).await;
        }
        let mut tx = state.pool.begin().await?;
        let challenge_id = db::create_challenge(&mut tx, state, &email).await?;
        session.attach_challenge(&mut *tx, challenge_id).await?;
        tx.commit().await?;
        reply(
            state,
            EMAIL_FORM,
            SIGN_IN_PATH,
            Submitted::Accepted {
                next: crate::paths::SIGN_IN_CODE_PATH.to_owned(),
            },
            values,
        )
        .await
    })
    .await
}

/// Seconds until this address may sign in again, when its wrong codes used up a budget.
#[cfg(feature = "ssr")]
async fn wrong_code_lock(
    state: &crate::state::AppState,
    email: &crate::domain::EmailAddress,
) -> Result<Option<u64>, AppError> {
    use crate::rate_limit::{exhausted, WRONG_CODES_PER_DAY, WRONG_CODES_PER_HOUR};
    let day = exhausted(state, &WRONG_CODES_PER_DAY, email.as_str()).await?;
    let hour = exhausted(state, &WRONG_CODES_PER_HOUR, email.as_str()).await?;
    Ok(day.max(hour))
}

/// Counts a wrong code against the address's budgets. When this one used a budget up, the
/// owner is told by email (in the caller's transaction) and the lock's length is returned.
#[cfg(feature = "ssr")]
async fn count_wrong_code(
    state: &crate::state::AppState,
    tx: &mut sqlx::PgConnection,
    email: &crate::domain::EmailAddress,
) -> Result<Option<u64>, AppError> {
    use crate::rate_limit::{hit_counting, WRONG_CODES_PER_DAY, WRONG_CODES_PER_HOUR};
    let mut used_up = false;
    for limit in [&WRONG_CODES_PER_HOUR, &WRONG_CODES_PER_DAY] {
        // Counted past the budget only while already locked, which refuses before this.
        used_up |= hit_counting(state, limit, email.as_str()).await?.hits == limit.max_hits;
    }
    if !used_up {
        return Ok(None);
    }
    let wait = wrong_code_lock(state, email).await?.unwrap_or(1);
    let until = state.clock.now() + chrono::Duration::seconds(wait as i64);
    crate::outbox::db::enqueue_email(
        &mut *tx,
        email.as_str(),
        "Masuk ke akun Prakerja Anda dikunci sementara",
        &format!(
            "Kode masuk yang salah dimasukkan terlalu sering untuk alamat email ini. Demi keamanan, masuk \
             dengan email ini dikunci sampai {}.\n\nJika itu bukan Anda, seseorang mungkin mencoba masuk ke akun \
             Anda. Jangan berikan kode masuk kepada siapa pun, termasuk orang yang mengaku petugas Prakerja.",
            crate::domain::wib::format_wib(until)
        ),
    )
    .await?;
    Ok(Some(wait))
}

#[cfg(feature = "ssr")]
fn locked_message(wait_secs: u64) -> String {
    format!(
        "Terlalu banyak kode salah untuk email ini. Demi keamanan, masuk dengan email ini dikunci sementara. \
         Coba lagi dalam {} menit; kami sudah memberi tahu pemilik email.",
        wait_secs.div_ceil(60)
    )
}

/// The session that is waiting for a code, with the address the code went to.
#[cfg(feature = "ssr")]
async fn pending_sign_in(
    state: &crate::state::AppState,
) -> Result<Option<(session::Session, crate::domain::EmailAddress)>, AppError> {
    let Some(session) = session::current(state).await? else {
        return Ok(None);
    };
    let email = db::challenge_email(&state.pool, session.challenge_id).await?;
    Ok(email
        .and_then(|e| crate::domain::EmailAddress::parse(&e).ok())
        .map(|email| (session, email)))
}

/// Nothing is waiting for a code (it expired with the session): start again with the address.
#[cfg(feature = "ssr")]
async fn restart_sign_in(state: &crate::state::AppState) -> Result<Submitted, AppError> {
    let restart = Submitted::Accepted {
        next: SIGN_IN_PATH.to_owned(),
    };
    crate::forms::reply(
        state,
        CODE_FORM,
        crate::paths::SIGN_IN_CODE_PATH,
        restart,
        Default::default(),
    )
    .await
}

#[server(prefix = "/api", endpoint = "code-page")]
pub async fn load_code_page() -> Result<CodePage, AppError> {
    use crate::request;
    let state = crate::state::app_state()?;
    let Some((session, email)) = pending_sign_in(&state).await? else {
        request::redirect(SIGN_IN_PATH);
        return Ok(CodePage::default());
    };
    let flash = session.flash_for(&state.pool, CODE_FORM).await?;
    Ok(CodePage {
        masked_email: email.masked(),
        errors: flash.errors,
        notice: flash.notice,
    })
}

/// Step 2: the code from the email signs the browser in.
#[server(prefix = "/api", endpoint = "verify-code")]
pub async fn verify_code(code: String) -> Result<Submitted, AppError> {
    use crate::{forms::reply, rate_limit, request};

    crate::forms::handle_post(CODE_FORM, crate::paths::SIGN_IN_CODE_PATH, async |state| {
        let values = Default::default();
        let invalid = |message: String| Submitted::Invalid(FieldErrors::single("code", message));
        let Some((session, email)) = pending_sign_in(state).await? else {
            return restart_sign_in(state).await;
        };
        let ip = request::client_network(&state.settings);
        if let Some(wait) = rate_limit::hit(state, &rate_limit::SIGN_IN_PER_IP, &ip).await? {
            let message = format!(
                "Terlalu banyak percobaan dari jaringan Anda. Coba lagi dalam {} menit.",
                wait.div_ceil(60)
            );
            return reply(
                state,
                CODE_FORM,
                crate::paths::SIGN_IN_CODE_PATH,
                invalid(message),
                values,
            )
            .await;
        }
        if let Some(wait) = wrong_code_lock(state, &email).await? {
            return reply(
                state,
                CODE_FORM,
                crate::paths::SIGN_IN_CODE_PATH,
                invalid(locked_message(wait)),
                values,
            )
            .await;
        }
        let code = match OneTimeCode::parse(&code) {
            Ok(code) => code,
            Err(error) => {
                return reply(
                    state,
                    CODE_FORM,
                    crate::paths::SIGN_IN_CODE_PATH,
                    invalid(error.to_string()),
                    values,
                )
                .await
            }
        };
        let mut tx = state.pool.begin().await?;
        let outcome = match db::check_code(&mut tx, state, session.challenge_id.unwrap_or_default(), code).await? {
            db::CodeCheck::Accepted { email } => {
                let account_id = db::account_for_email(&mut tx, &email).await?;
                let signed_in = session::sign_in(&mut tx, state, &session, account_id).await?;
                if let Some(carried) = &session.carried_form {
                    state
                        .services
                        .get::<dyn session::CarriedFormAdopter>()?
                        .adopt(&mut tx, account_id, carried, state.clock.now())
                        .await?;
                }
                let next = match signed_in.return_to {
                    Some(path) => path,
                    None if crate::session::has_applicant(&mut *tx, account_id).await? => {
                        crate::paths::DASHBOARD_PATH.to_owned()
                    }
                    None => crate::paths::FIRST_STEP_PATH.to_owned(),
                };
                Submitted::Accepted { next }
            }
            db::CodeCheck::Wrong { attempts_left } => match count_wrong_code(state, &mut tx, &email).await? {
                Some(wait) => invalid(locked_message(wait)),
                None if attempts_left > 0 => invalid(format!("Kode salah. Sisa percobaan: {attempts_left}.")),
                None => invalid("Kode salah terlalu sering dan tidak berlaku lagi. Minta kode baru.".to_owned()),
            },
            db::CodeCheck::TooManyAttempts => {
                invalid("Kode salah terlalu sering dan tidak berlaku lagi. Minta kode baru.".to_owned())
            }
            db::CodeCheck::Expired => invalid("Kode sudah tidak berlaku. Minta kode baru.".to_owned()),
        };
        tx.commit().await?;
        // Every sign-in decision is logged, by the challenge's random id (no address).
        let decision = if matches!(outcome, Submitted::Accepted { .. }) {
            "accepted"
        } else {
            "refused"
        };
        tracing::info!(challenge = %session.challenge_id.unwrap_or_default(), decision, "sign-in code checked");
        reply(state, CODE_FORM, crate::paths::SIGN_IN_CODE_PATH, outcome, values).await
    })
    .await
}

/// A new code to the same address (at most once a minute).
#[server(prefix = "/api", endpoint = "resend-code")]
pub async fn resend_code() -> Result<Submitted, AppError> {
    use crate::{forms::reply, rate_limit};

    crate::forms::handle_post(CODE_FORM, crate::paths::SIGN_IN_CODE_PATH, async |state| {
        let values = Default::default();
        let Some((session, email)) = pending_sign_in(state).await? else {
            return restart_sign_in(state).await;
        };
        let refused = match wrong_code_lock(state, &email).await? {
            Some(wait) => Some(locked_message(wait)),
            None => rate_limit::hit(state, &rate_limit::CODE_PER_EMAIL, email.as_str())
                .await?
                .map(|wait| format!("Kode baru bisa diminta lagi dalam {wait} detik.")),
        };
        if let Some(message) = refused {
            return reply(
                state,
                CODE_FORM,
                crate::paths::SIGN_IN_CODE_PATH,
                Submitted::Invalid(FieldErrors::single("code", message)),
                values,
            )
            .await;
        }
        let mut tx = state.pool.begin().await?;
        let challenge_id = db::create_challenge(&mut tx, state, &email).await?;
        session.attach_challenge(&mut *tx, challenge_id).await?;
        session
            .set_flash(
                &mut *tx,
                &session::Flash {
                    form: CODE_FORM.to_owned(),
                    notice: Some("Kode baru sudah dikirim.".to_owned()),
                    ..Default::default()
                },
            )
            .await?;
        tx.commit().await?;
        crate::request::redirect(crate::paths::SIGN_IN_CODE_PATH);
        Ok(Submitted::Accepted {
            next: crate::paths::SIGN_IN_CODE_PATH.to_owned(),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "sign-out")]
pub async fn sign_out() -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    if let Some(session) = session::current(&state).await? {
        session::end(&state, &session).await?;
        if session.shared_device {
            // Still the same shared device: the pages after signing out are not kept either.
            let new = session::NewSession {
                shared_device: true,
                ..session::NewSession::anonymous()
            };
            session::start(&state.pool, &state, new).await?;
        }
    }
    crate::request::redirect("/?keluar=1");
    Ok(Submitted::Accepted {
        next: "/?keluar=1".to_owned(),
    })
}

/// Signs the account out on every device (a phone lost, a shared computer left signed in):
/// every session of the account ends, this one too.
#[server(prefix = "/api", endpoint = "sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = session::require_account(&state, crate::paths::DASHBOARD_PATH).await?;
    let ended = sqlx::query!("delete from sessions where account_id = $1", account_id)
        .execute(&state.pool)
        .await?
        .rows_affected();
    tracing::info!(sessions = ended, "signed out everywhere");
    session::end(&state, &session).await?;
    crate::request::redirect("/?keluar=semua");
    Ok(Submitted::Accepted {
        next: "/?keluar=semua".to_owned(),
    })
}

#[cfg(feature = "ssr")]
pub mod db {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use uuid::Uuid;

    use super::{OneTimeCode, CODE_LIFETIME_MINUTES, MAX_WRONG_CODES};
    use crate::{domain::EmailAddress, error::AppError, state::AppState};

    fn code_hash(secret: &[u8], challenge_id: Uuid, code: OneTimeCode) -> Result<Vec<u8>, AppError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(AppError::internal)?;
        mac.update(challenge_id.as_bytes());
        mac.update(code.as_string().as_bytes());
        Ok(mac.finalize().into_bytes().to_vec())
    }

    /// Creates a challenge and queues the email with its code, in the caller's transaction.
    pub async fn create_challenge(
        tx: &mut sqlx::PgConnection,
        state: &AppState,
        email: &EmailAddress,
    ) -> Result<Uuid, AppError> {
        let id = Uuid::new_v4();
        let code = OneTimeCode::random();
        let now = state.clock.now();
        sqlx::query!(
            "insert into sign_in_challenges (id, email, code_hash, created_at, expires_at) values ($1, $2, $3, $4, $5)",
            id,
            email.as_str(),
            code_hash(&state.settings.secret, id, code)?,
            now,
            now + chrono::Duration::minutes(CODE_LIFETIME_MINUTES),
        )
        .execute(&mut *tx)
        .await?;
        let code = code.as_string();
        crate::outbox::db::enqueue_email(
            &mut *tx,
            email.as_str(),
            // Not the code: a sent message keeps its subject (the body is cleared once sent).
            "Kode masuk Prakerja",
            &format!(
                "Kode masuk Anda: {code}\n\nKode berlaku {CODE_LIFETIME_MINUTES} menit. Jangan berikan kode ini kepada \
                 siapa pun, termasuk orang yang mengaku petugas Prakerja.\n\nJika Anda tidak meminta kode ini, abaikan \
                 email ini."
            ),
        )
        .await?;
        Ok(id)
    }

    pub async fn challenge_email(
        executor: impl sqlx::PgExecutor<'_>,
        challenge_id: Option<Uuid>,
    ) -> Result<Option<String>, AppError> {
        let Some(id) = challenge_id else {
            return Ok(None);
        };
        Ok(
            sqlx::query_scalar!("select email from sign_in_challenges where id = $1", id)
                .fetch_optional(executor)
                .await?,
        )
    }

    pub enum CodeCheck {
        Accepted { email: EmailAddress },
        Wrong { attempts_left: i16 },
        TooManyAttempts,
        Expired,
    }

    pub async fn check_code(
        tx: &mut sqlx::PgConnection,
        state: &AppState,
        challenge_id: Uuid,
        code: OneTimeCode,
    ) -> Result<CodeCheck, AppError> {
        let Some(challenge) = sqlx::query!(
            "select email, code_hash, expires_at, failed_attempts, consumed_at from sign_in_challenges where id = $1 for update",
            challenge_id
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(CodeCheck::Expired);
        };
        if challenge.consumed_at.is_some() || challenge.expires_at <= state.clock.now() {
            return Ok(CodeCheck::Expired);
        }
        if challenge.failed_attempts >= MAX_WRONG_CODES {
            return Ok(CodeCheck::TooManyAttempts);
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&state.settings.secret).map_err(AppError::internal)?;
        mac.update(challenge_id.as_bytes());
        mac.update(code.as_string().as_bytes());
        // verify_slice compares in constant time.
        if mac.verify_slice(&challenge.code_hash).is_err() {
            let failed = sqlx::query_scalar!(
                "update sign_in_challenges set failed_attempts = failed_attempts + 1 where id = $1 returning failed_attempts",
                challenge_id
            )
            .fetch_one(&mut *tx)
            .await?;
            return Ok(CodeCheck::Wrong {
                attempts_left: MAX_WRONG_CODES - failed,
            });
        }
        sqlx::query!(
            "update sign_in_challenges set consumed_at = $2 where id = $1",
            challenge_id,
            state.clock.now()
        )
        .execute(&mut *tx)
        .await?;
        let email = EmailAddress::parse(&challenge.email).map_err(AppError::internal)?;
        Ok(CodeCheck::Accepted { email })
    }

    pub async fn account_for_email(tx: &mut sqlx::PgConnection, email: &EmailAddress) -> Result<Uuid, AppError> {
        let existing = sqlx::query_scalar!("select id from accounts where email = $1", email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        // Two first sign-ins racing for one address both end with the same account.
        Ok(sqlx::query_scalar!(
            r#"insert into accounts (id, email) values ($1, $2)
               on conflict (email) do update set email = excluded.email returning id"#,
            Uuid::now_v7(),
            email.as_str()
        )
        .fetch_one(&mut *tx)
        .await?)
    }

    /// Removes challenges that can no longer be used (housekeeping).
    pub async fn delete_expired_challenges(
        executor: impl sqlx::PgExecutor<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, AppError> {
        Ok(sqlx::query!("delete from sign_in_challenges where expires_at <= $1 and id not in (select challenge_id from sessions where challenge_id is not null)", now - chrono::Duration::hours(1))
            .execute(executor)
            .await?
            .rows_affected())
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    crate::forms::loaded_page(
        "Masuk atau daftar — Prakerja",
        "Masuk atau daftar",
        load_sign_in_page,
        |page| view! { <EmailPageBody page/> },
    )
}

/// The first page, rendered by the server; the form's behaviour is the island.
#[component]
fn EmailPageBody(page: SignInPage) -> impl IntoView {
    let errors = RwSignal::new(page.errors.clone());
    view! {
        <p>"Masukkan alamat email Anda. Kami akan mengirim kode 6 angka untuk masuk — tanpa kata sandi."</p>
        {page.notice.map(|n| view! { <p class="notice">{n}</p> })}
        <EmailForm errors=page.errors>
            <TextField id="email" name="email".into() label="Alamat email" value=page.email errors
                input_type="email" autocomplete="email" inputmode="email"
                hint="Contoh: nama@contoh.com. Gunakan email yang bisa Anda buka sekarang."/>
            <div class="field choice">
                <input type="checkbox" id=SHARED_DEVICE name=SHARED_DEVICE value="ya"
                    checked=page.shared_device aria-describedby="shared_device-hint"/>
                <label for=SHARED_DEVICE>"Saya memakai perangkat bersama (warnet, HP pinjaman)"</label>
            </div>
            <p class="hint" id="shared_device-hint">
                "Biasanya isian formulir disimpan sementara di perangkat ini (paling lama 24 jam) supaya tidak hilang "
                "saat koneksi putus. Di perangkat bersama, tidak ada yang disimpan."
            </p>
            <button type="submit" class="button">"Kirim kode"</button>
        </EmailForm>
    }
}

/// The control that marks this device as shared.
const SHARED_DEVICE: &str = "shared_device";

/// The address form's behaviour (its fields are its children). Its code, like the code form's,
/// is fetched by the sign-in pages only.
#[island]
fn EmailForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let validate = Callback::new(|values: FormValues| {
        FieldErrors::of("email", crate::domain::EmailAddress::parse(values.get("email")))
    });
    // Ticking "shared device" forgets what this device kept, before anything more is typed.
    let on_change = Callback::new(|event: leptos::web_sys::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let ticked = event
                .target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
                .is_some_and(|input| input.name() == SHARED_DEVICE && input.checked());
            if ticked {
                crate::offline::become_shared_device();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    });
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=RequestCode::url() id=EMAIL_FORM state validate on_change>
            {children()}
        </ProgressiveForm>
    }
}

#[component]
pub fn CodePage() -> impl IntoView {
    crate::forms::loaded_page(
        "Masukkan kode — Prakerja",
        "Masukkan kode",
        load_code_page,
        |page| view! { <CodePageBody page/> },
    )
}

/// The code page, rendered by the server; the forms' behaviour is the island.
#[component]
fn CodePageBody(page: CodePage) -> impl IntoView {
    let errors = RwSignal::new(page.errors.clone());
    view! {
        <p>"Kami telah mengirim kode 6 angka ke " <strong>{page.masked_email}</strong> ". Kode berlaku "
            {CODE_LIFETIME_MINUTES} " menit."</p>
        {page.notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
        <CodeForm errors=page.errors>
            <TextField id="code" name="code".into() label="Kode dari email" value="" errors
                autocomplete="one-time-code" inputmode="numeric" maxlength=7/>
            <button type="submit" class="button">"Masuk"</button>
        </CodeForm>
        <p><a href=SIGN_IN_PATH>"Gunakan email lain"</a></p>
    }
}

/// The code form's behaviour (its field is its children), and the form asking for a new code.
#[island]
fn CodeForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let resend = FormState::new(FieldErrors::new());
    let validate = Callback::new(|values: FormValues| FieldErrors::of("code", OneTimeCode::parse(values.get("code"))));
    // A new code's problems (asked too soon) are shown with the main form.
    Effect::new(move |_| {
        let list = resend.errors.get();
        if !list.is_empty() {
            state.show(list);
        }
    });
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=VerifyCode::url() id=CODE_FORM state validate keep_draft=false>
            {children()}
        </ProgressiveForm>
        <ProgressiveForm action=ResendCode::url() id="sign-in-resend" state=resend keep_draft=false class="inline-form">
            <p>"Tidak menerima email? Periksa folder spam, atau "
                <button type="submit" class="link-button">"kirim kode baru"</button> "."</p>
        </ProgressiveForm>
    }
}

/// The sign-out button in the header (a form: signing out changes state, so it is a POST). It
/// also removes everything the portal kept on this device.
#[island]
pub fn SignOutButton() -> impl IntoView {
    let state = FormState::new(FieldErrors::new());
    view! {
        <ProgressiveForm action=SignOut::url() id="sign-out" state keep_draft=false forget_device_data=true class="inline-form">
            <button type="submit" class="link-button">"Keluar"</button>
        </ProgressiveForm>
    }
}

/// "Sign out of every device", on the dashboard. It also removes what the portal kept on this
/// device.
#[island]
pub fn SignOutEverywhereButton() -> impl IntoView {
    let state = FormState::new(FieldErrors::new());
    view! {
        <ProgressiveForm action=SignOutEverywhere::url() id="sign-out-everywhere" state keep_draft=false forget_device_data=true>
            <p class="hint">"Kehilangan ponsel atau lupa keluar di komputer lain? Semua perangkat yang masuk dengan akun ini akan keluar."</p>
            <button type="submit" class="button button-secondary">"Keluar dari semua perangkat"</button>
        </ProgressiveForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(OneTimeCode::parse("012345").unwrap().as_string(), "012345");
        assert_eq!(OneTimeCode::parse(" 123 456 ").unwrap().as_string(), "123456");
        assert_eq!(OneTimeCode::parse(""), Err(OneTimeCodeError::Empty));
        assert_eq!(OneTimeCode::parse("12345"), Err(OneTimeCodeError::Malformed));
        assert_eq!(OneTimeCode::parse("12345a"), Err(OneTimeCodeError::Malformed));
        assert_eq!(OneTimeCode::parse("1234567"), Err(OneTimeCodeError::Malformed));
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn every_six_digit_code_round_trips(n in 0u32..1_000_000) {
            let text = format!("{n:06}");
            proptest::prop_assert_eq!(OneTimeCode::parse(&text).unwrap().as_string(), text);
        }

        #[test]
        fn parse_never_panics(raw in ".{0,12}") {
            let _ = OneTimeCode::parse(&raw);
        }
    }
}
