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
    pub challenge_id: Option<Uuid>,
    pub return_to: Option<String>,
}

/// The session this request started (or `None` when it ended one), ahead of the cookie.
#[derive(Clone)]
struct ChangedInThisRequest(Option<Session>);

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session of the current request, if its cookie names a live one.
pub async fn current(state: &AppState) -> Result<Option<Session>, AppError> {
    // A session started or ended while serving this request is not in its cookie header yet.
    if let Some(ChangedInThisRequest(session)) =
        leptos::prelude::use_context::<ChangedInThisRequest>()
    {
        return Ok(session);
    }
    let Some(token) = request::cookie(cookie_name(&state.settings)) else {
        return Ok(None);
    };
    let token_hash = hash_token(&token);
    let row = sqlx::query!(
        r#"select account_id, challenge_id, return_to from sessions where token_hash = $1 and expires_at > $2"#,
        &token_hash,
        state.clock.now(),
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(|r| Session {
        token_hash,
        account_id: r.account_id,
        challenge_id: r.challenge_id,
        return_to: r.return_to,
    }))
}

/// The current session, or a new anonymous one (to carry a sign-in challenge or form errors).
pub async fn current_or_new(state: &AppState) -> Result<Session, AppError> {
    match current(state).await? {
        Some(session) => Ok(session),
        None => start(&state.pool, state, None, None, ANONYMOUS_LIFETIME).await,
    }
}

/// Creates a session and sets its cookie on the response.
pub async fn start(
    executor: impl PgExecutor<'_>,
    state: &AppState,
    account_id: Option<Uuid>,
    return_to: Option<String>,
    lifetime: Duration,
) -> Result<Session, AppError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let token_hash = hash_token(&token);
    let now = state.clock.now();
    sqlx::query!(
        "insert into sessions (token_hash, account_id, return_to, created_at, expires_at) values ($1, $2, $3, $4, $5)",
        &token_hash,
        account_id,
        return_to,
        now,
        now + lifetime,
    )
    .execute(executor)
    .await?;
    set_cookie(&state.settings, &token, lifetime.num_seconds());
    let session = Session {
        token_hash,
        account_id,
        challenge_id: None,
        return_to,
    };
    leptos::prelude::provide_context(ChangedInThisRequest(Some(session.clone())));
    Ok(session)
}

fn set_cookie(settings: &Settings, token: &str, max_age_secs: i64) {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let name = cookie_name(settings);
    request::set_response_header(
        header::SET_COOKIE,
        &format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"),
    );
}

/// Ends the session on the server and removes the cookie from the browser.
pub async fn end(state: &AppState, session: &Session) -> Result<(), AppError> {
    sqlx::query!(
        "delete from sessions where token_hash = $1",
        &session.token_hash
    )
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
    sqlx::query!(
        "delete from sessions where token_hash = $1",
        &old.token_hash
    )
    .execute(&mut *tx)
    .await?;
    start(
        &mut *tx,
        state,
        Some(account_id),
        old.return_to.clone(),
        SIGNED_IN_LIFETIME,
    )
    .await
}

impl Session {
    pub async fn attach_challenge(
        &self,
        executor: impl PgExecutor<'_>,
        challenge_id: Uuid,
    ) -> Result<(), AppError> {
        sqlx::query!(
            "update sessions set challenge_id = $2 where token_hash = $1",
            &self.token_hash,
            challenge_id
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    pub async fn set_return_to(
        &self,
        executor: impl PgExecutor<'_>,
        path: &str,
    ) -> Result<(), AppError> {
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

    pub async fn set_flash(
        &self,
        executor: impl PgExecutor<'_>,
        flash: &Flash,
    ) -> Result<(), AppError> {
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
    pub async fn take_flash(
        &self,
        executor: impl PgExecutor<'_>,
        form: &str,
    ) -> Result<Option<Flash>, AppError> {
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

/// Only a path on this site may be a return target (no open redirects).
pub fn local_path(path: &str) -> &str {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path
    } else {
        "/"
    }
}

/// The signed-in account, or a redirect to the sign-in page that returns to `return_to`.
pub async fn require_account(
    state: &AppState,
    return_to: &str,
) -> Result<(Session, Uuid), AppError> {
    if let Some(session) = current(state).await? {
        if let Some(account_id) = session.account_id {
            return Ok((session, account_id));
        }
        session.set_return_to(&state.pool, return_to).await?;
    } else {
        start(
            &state.pool,
            state,
            None,
            Some(local_path(return_to).to_owned()),
            ANONYMOUS_LIFETIME,
        )
        .await?;
    }
    request::redirect(crate::auth::SIGN_IN_PATH);
    Err(AppError::Unauthenticated)
}

/// Removes expired sessions (run by the server's housekeeping job).
pub async fn delete_expired(
    executor: impl PgExecutor<'_>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(
        sqlx::query!("delete from sessions where expires_at <= $1", now)
            .execute(executor)
            .await?
            .rows_affected(),
    )
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
    }
}
