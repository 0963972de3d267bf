//! Server-side sessions in PostgreSQL. The cookie holds 256 random bits; the table holds their
//! SHA-256. Cookies are HttpOnly, SameSite=Lax, and Secure with the `__Host-` prefix outside
//! plain-HTTP development.

use axum::http::header;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{
    domain::FieldErrors,
    error::AppError,
    request,
    state::{AppState, Settings},
};

/// A signed-in session lasts this long, however active (ASVS 3.3: absolute lifetime).
pub const SIGNED_IN_LIFETIME: Duration = Duration::hours(12);
/// A session that is only carrying a sign-in challenge or a form's errors.
pub const ANONYMOUS_LIFETIME: Duration = Duration::hours(2);

/// A signed-in session unused for this long has ended (ASVS 3.3.2), besides its absolute
/// lifetime: operators see applicants' data, so theirs is shorter.
pub const OPERATOR_IDLE_TIMEOUT: Duration = Duration::minutes(15);
pub const APPLICANT_IDLE_TIMEOUT: Duration = Duration::minutes(30);

/// The idle timeout of a session, and how stale its last use may be before it is recorded again
/// (a write per request would cost the launch surge a write per page). Anonymous sessions only
/// carry a sign-in under way: their short lifetime is enough.
fn idle_rule(account_id: Option<Uuid>, operator_id: Option<Uuid>) -> Option<(Duration, Duration)> {
    match (account_id, operator_id) {
        (_, Some(_)) => Some((OPERATOR_IDLE_TIMEOUT, Duration::minutes(1))),
        (Some(_), None) => Some((APPLICANT_IDLE_TIMEOUT, Duration::minutes(5))),
        (None, None) => None,
    }
}

pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-prakerja"
    } else {
        "prakerja"
    }
}

/// Errors and values of a form posted without JavaScript, shown once on the page it returns to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    #[serde(default)]
    pub errors: FieldErrors,
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Session {
    token_hash: Vec<u8>,
    pub account_id: Option<Uuid>,
    /// Signed in as an operator (a session is an applicant's or an operator's, never both).
    pub operator_id: Option<Uuid>,
    pub challenge_id: Option<Uuid>,
    pub return_to: Option<String>,
    /// "This is a shared device": nothing personal is kept in the browser or its caches.
    pub shared_device: bool,
    /// A form posted after the previous session expired, to put back after sign-in.
    pub carried_form: Option<CarriedForm>,
    /// An operator's session counts once the second factor is given (`console::second_factor`).
    pub second_factor_done: bool,
}

/// Puts a form posted while signed out back where its feature keeps it, at sign-in, in the
/// sign-in's transaction. The feature whose forms are carried (the signup) provides it in
/// `AppState::services`, so signing in needs to know no feature.
pub trait CarriedFormAdopter: Send + Sync + 'static {
    fn adopt<'a>(
        &'a self,
        tx: &'a mut sqlx::PgConnection,
        account_id: Uuid,
        carried: &'a CarriedForm,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AppError>>;
}

/// The values of a form posted by a signed-out browser (JavaScript off), kept across sign-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarriedForm {
    pub form: String,
    pub values: serde_json::Value,
}

/// The session this request started (or `None` when it ended one), ahead of the cookie.
#[derive(Clone)]
struct ChangedInThisRequest(Option<Session>);

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The hash of the session token this request's cookie presents, for a caller that checks the
/// session inside its own database call (the final signup, in its batch) instead of asking
/// `current` first. `None` when there is no cookie or this request already changed the session.
pub fn presented_token_hash(state: &AppState) -> Option<Vec<u8>> {
    if leptos::prelude::use_context::<ChangedInThisRequest>().is_some() {
        return None;
    }
    request::cookie(cookie_name(&state.settings)).map(|token| hash_token(&token))
}

/// The session of the current request, if its cookie names a live one.
pub async fn current(state: &AppState) -> Result<Option<Session>, AppError> {
    // A session started or ended while serving this request is not in its cookie header yet.
    if let Some(ChangedInThisRequest(session)) = leptos::prelude::use_context::<ChangedInThisRequest>() {
        return Ok(session);
    }
    let Some(token) = request::cookie(cookie_name(&state.settings)) else {
        return Ok(None);
    };
    load(state, hash_token(&token)).await
}

/// The account signed in with these request headers' session cookie, for a handler outside the
/// server functions (a file download).
pub async fn account_of_headers(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Option<Uuid>, AppError> {
    let Some(token) = request::cookie_in(headers, cookie_name(&state.settings)) else {
        return Ok(None);
    };
    Ok(load(state, hash_token(&token))
        .await?
        .and_then(|session| session.account_id))
}

/// The operator signed in (both factors) with these request headers' session cookie: their
/// audit actor and role; for a handler outside the server functions (an export).
pub async fn operator_of_headers(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<(String, crate::operators::OperatorRole)>, AppError> {
    let Some(token) = request::cookie_in(headers, cookie_name(&state.settings)) else {
        return Ok(None);
    };
    let Some((operator_id, true)) = load(state, hash_token(&token))
        .await?
        .and_then(|session| session.operator_id.map(|id| (id, session.second_factor_done)))
    else {
        return Ok(None);
    };
    let row = sqlx::query!(
        "select username, role from operators where id = $1 and disabled_at is null",
        operator_id
    )
    .fetch_optional(&state.pool)
    .await?;
    row.map(|r| {
        let role = crate::operators::OperatorRole::parse(&r.role).map_err(AppError::internal)?;
        Ok((format!("operator:{}", r.username), role))
    })
    .transpose()
}

async fn load(state: &AppState, token_hash: Vec<u8>) -> Result<Option<Session>, AppError> {
    let now = state.clock.now();
    let row = sqlx::query!(
        r#"select account_id, operator_id, challenge_id, return_to, shared_device, carried_form, last_seen_at,
                  second_factor_at is not null as "second_factor_done!"
           from sessions where token_hash = $1 and expires_at > $2"#,
        &token_hash,
        now,
    )
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if let Some((idle_timeout, record_every)) = idle_rule(row.account_id, row.operator_id) {
        let unused_for = now - row.last_seen_at;
        if unused_for >= idle_timeout {
            return Ok(None);
        }
        if unused_for >= record_every {
            sqlx::query!(
                "update sessions set last_seen_at = $2 where token_hash = $1",
                &token_hash,
                now
            )
            .execute(&state.pool)
            .await?;
        }
    }
    Ok(Some(row).map(|r| Session {
        token_hash,
        account_id: r.account_id,
        operator_id: r.operator_id,
        challenge_id: r.challenge_id,
        return_to: r.return_to,
        shared_device: r.shared_device,
        carried_form: r.carried_form.and_then(|v| serde_json::from_value(v).ok()),
        second_factor_done: r.second_factor_done,
    }))
}

/// The current session, or a new anonymous one (to carry a sign-in challenge or form errors).
pub async fn current_or_new(state: &AppState) -> Result<Session, AppError> {
    match current(state).await? {
        Some(session) => Ok(session),
        None => start(&state.pool, state, NewSession::anonymous()).await,
    }
}

/// What a new session starts with.
pub struct NewSession {
    pub account_id: Option<Uuid>,
    pub operator_id: Option<Uuid>,
    pub return_to: Option<String>,
    pub shared_device: bool,
    pub carried_form: Option<CarriedForm>,
    pub lifetime: Duration,
}

impl NewSession {
    pub fn anonymous() -> NewSession {
        NewSession {
            account_id: None,
            operator_id: None,
            return_to: None,
            shared_device: false,
            carried_form: None,
            lifetime: ANONYMOUS_LIFETIME,
        }
    }
}

/// Creates a session and sets its cookie on the response.
pub async fn start(executor: impl PgExecutor<'_>, state: &AppState, new: NewSession) -> Result<Session, AppError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let token_hash = hash_token(&token);
    let now = state.clock.now();
    let carried = new
        .carried_form
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(AppError::internal)?;
    sqlx::query!(
        r#"insert into sessions (token_hash, account_id, operator_id, return_to, shared_device, carried_form, created_at,
                                 expires_at, last_seen_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $7)"#,
        &token_hash,
        new.account_id,
        new.operator_id,
        new.return_to,
        new.shared_device,
        carried,
        now,
        now + new.lifetime,
    )
    .execute(executor)
    .await?;
    set_cookie(&state.settings, &token, new.lifetime.num_seconds());
    let session = Session {
        token_hash,
        account_id: new.account_id,
        operator_id: new.operator_id,
        challenge_id: None,
        return_to: new.return_to,
        shared_device: new.shared_device,
        carried_form: new.carried_form,
        second_factor_done: false,
    };
    leptos::prelude::provide_context(ChangedInThisRequest(Some(session.clone())));
    Ok(session)
}

fn set_cookie(settings: &Settings, token: &str, max_age_secs: i64) {
    let secure = if settings.secure_cookies { "; Secure" } else { "" };
    let name = cookie_name(settings);
    request::set_response_header(
        header::SET_COOKIE,
        &format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"),
    );
}

/// Ends the session on the server and removes the cookie from the browser.
pub async fn end(state: &AppState, session: &Session) -> Result<(), AppError> {
    sqlx::query!("delete from sessions where token_hash = $1", &session.token_hash)
        .execute(&state.pool)
        .await?;
    set_cookie(&state.settings, "", 0);
    leptos::prelude::provide_context(ChangedInThisRequest(None));
    Ok(())
}

/// Replaces the session with a signed-in one under a new token (no session fixation).
pub async fn sign_in(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    old: &Session,
    account_id: Uuid,
) -> Result<Session, AppError> {
    sqlx::query!("delete from sessions where token_hash = $1", &old.token_hash)
        .execute(&mut *tx)
        .await?;
    let new = NewSession {
        account_id: Some(account_id),
        operator_id: None,
        return_to: old.return_to.clone(),
        shared_device: old.shared_device,
        // Put back by the sign-in, in the same transaction.
        carried_form: None,
        lifetime: SIGNED_IN_LIFETIME,
    };
    start(&mut *tx, state, new).await
}

impl Session {
    pub async fn mark_shared_device(&self, executor: impl PgExecutor<'_>) -> Result<(), AppError> {
        sqlx::query!(
            "update sessions set shared_device = true where token_hash = $1",
            &self.token_hash
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn attach_challenge(&self, executor: impl PgExecutor<'_>, challenge_id: Uuid) -> Result<(), AppError> {
        sqlx::query!(
            "update sessions set challenge_id = $2 where token_hash = $1",
            &self.token_hash,
            challenge_id
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn set_carried_form(&self, executor: impl PgExecutor<'_>, carried: &CarriedForm) -> Result<(), AppError> {
        let value = serde_json::to_value(carried).map_err(AppError::internal)?;
        sqlx::query!(
            "update sessions set carried_form = $2 where token_hash = $1",
            &self.token_hash,
            value
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn set_return_to(&self, executor: impl PgExecutor<'_>, path: &str) -> Result<(), AppError> {
        let path = local_path(path);
        sqlx::query!(
            "update sessions set return_to = $2 where token_hash = $1",
            &self.token_hash,
            path
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// The operator gave their second factor: the session now counts.
    pub async fn mark_second_factor_done(
        &self,
        executor: impl PgExecutor<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        sqlx::query!(
            "update sessions set second_factor_at = $2 where token_hash = $1",
            &self.token_hash,
            now
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn set_flash(&self, executor: impl PgExecutor<'_>, flash: &Flash) -> Result<(), AppError> {
        let value = serde_json::to_value(flash).map_err(AppError::internal)?;
        sqlx::query!(
            "update sessions set flash = $2 where token_hash = $1",
            &self.token_hash,
            value
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Takes the flash left by `form`'s last plain post, so it is shown once.
    /// What was left for `form`'s page (empty when nothing was), taken: it shows once.
    pub async fn flash_for(&self, executor: impl PgExecutor<'_>, form: &str) -> Result<Flash, AppError> {
        Ok(self.take_flash(executor, form).await?.unwrap_or_default())
    }

    pub async fn take_flash(&self, executor: impl PgExecutor<'_>, form: &str) -> Result<Option<Flash>, AppError> {
        let previous = sqlx::query_scalar!(
            r#"with previous as (select flash from sessions where token_hash = $1 and flash ->> 'form' = $2 for update)
               update sessions set flash = null from previous where token_hash = $1
               returning previous.flash as "flash!""#,
            &self.token_hash,
            form,
        )
        .fetch_optional(executor)
        .await?;
        Ok(previous.and_then(|value| serde_json::from_value(value).ok()))
    }
}

/// Only a path on this site may be a return target (no open redirects); anything else
/// returns to the home page. For a return path a person sent, parse `LocalPath` and refuse.
pub fn local_path(path: &str) -> &str {
    match crate::domain::LocalPath::parse(path) {
        Ok(_) => path,
        Err(_) => "/",
    }
}

/// The signed-in account, or a redirect to the sign-in page that returns to `return_to`.
pub async fn require_account(state: &AppState, return_to: &str) -> Result<(Session, Uuid), AppError> {
    require_account_carrying(state, return_to, || Ok(None)).await
}

/// Like `require_account`, for a form's post: when the session has expired, what was posted is
/// kept across the sign-in and put back into the form (nothing typed is lost, even without
/// JavaScript).
pub async fn require_account_carrying(
    state: &AppState,
    return_to: &str,
    // Only worked out when the session has expired (not on every post).
    carried: impl FnOnce() -> Result<Option<CarriedForm>, AppError>,
) -> Result<(Session, Uuid), AppError> {
    let return_to = local_path(return_to).to_owned();
    match current(state).await? {
        Some(session) if session.account_id.is_some() => {
            let account_id = session.account_id.unwrap_or_default();
            return Ok((session, account_id));
        }
        Some(session) => {
            session.set_return_to(&state.pool, &return_to).await?;
            if let Some(carried) = carried()? {
                session.set_carried_form(&state.pool, &carried).await?;
            }
        }
        None => {
            let new = NewSession {
                return_to: Some(return_to),
                carried_form: carried()?,
                ..NewSession::anonymous()
            };
            start(&state.pool, state, new).await?;
        }
    }
    Err(request::to_sign_in(crate::paths::SIGN_IN_PATH))
}

/// The account's email address now.
pub async fn account_email(executor: impl PgExecutor<'_>, account_id: Uuid) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar!("select email from accounts where id = $1", account_id)
            .fetch_optional(executor)
            .await?,
    )
}

/// Whether the account has signed up (where sign-in sends it, whether the signup form still
/// applies).
pub async fn has_applicant(executor: impl PgExecutor<'_>, account_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from applicants where account_id = $1) as "exists!""#,
        account_id
    )
    .fetch_one(executor)
    .await?)
}

/// Removes expired sessions (run by the server's housekeeping job).
pub async fn delete_expired(executor: impl PgExecutor<'_>, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from sessions where expires_at <= $1", now)
        .execute(executor)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_targets_stay_on_this_site() {
        assert_eq!(local_path("/daftar/identitas"), "/daftar/identitas");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("/\t/evil.example"), "/");
    }
}
