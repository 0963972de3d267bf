//! Fixed-window rate limits kept in PostgreSQL, so every app server shares them.

use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{error::AppError, state::AppState};

pub struct Limit {
    pub name: &'static str,
    pub max_hits: i32,
    pub window: Duration,
}

/// New sign-in codes per email address: one a minute (the issue's rule).
pub const CODE_PER_EMAIL: Limit = Limit {
    name: "code-email",
    max_hits: 1,
    window: Duration::seconds(60),
};
/// New sign-in codes per client address. Generous: mobile carriers put many people behind one
/// address (carrier-grade NAT).
pub const CODE_PER_IP: Limit = Limit {
    name: "code-ip",
    max_hits: 120,
    window: Duration::minutes(10),
};
/// Code attempts per client address, across all challenges.
pub const SIGN_IN_PER_IP: Limit = Limit {
    name: "sign-in-ip",
    max_hits: 300,
    window: Duration::minutes(10),
};

/// Wrong sign-in codes per email address, across all its codes (a new code does not buy new
/// guesses): past either budget, signing in with that address is locked for the rest of the
/// window and its owner is told by email.
pub const WRONG_CODES_PER_HOUR: Limit = Limit {
    name: "wrong-codes-hour",
    max_hits: 10,
    window: Duration::hours(1),
};
pub const WRONG_CODES_PER_DAY: Limit = Limit {
    name: "wrong-codes-day",
    max_hits: 20,
    window: Duration::hours(24),
};

/// Signups refused because the NIK is registered or the family card is full, per account and
/// per client address: each refusal says whether a NIK is registered, so past the budget the
/// refusal no longer says which.
pub const TAKEN_IDENTITY_PER_ACCOUNT: Limit = Limit {
    name: "taken-identity-account",
    max_hits: 5,
    window: Duration::hours(24),
};
pub const TAKEN_IDENTITY_PER_IP: Limit = Limit {
    name: "taken-identity-ip",
    max_hits: 30,
    window: Duration::hours(1),
};

/// NIK disputes filed per account and per client address: a dispute holds someone's record
/// until operators decide it, so filing one is not free.
pub const DISPUTES_PER_ACCOUNT: Limit = Limit {
    name: "disputes-account",
    max_hits: 3,
    window: Duration::days(30),
};
pub const DISPUTES_PER_IP: Limit = Limit {
    name: "disputes-ip",
    max_hits: 10,
    window: Duration::hours(24),
};

/// Exclusion-list lookups per operator: each answer says what a person is (a civil servant, a
/// soldier, a student), so a console session is not a way to sweep NIKs.
pub const EXCLUSION_SEARCHES: Limit = Limit {
    name: "exclusion-searches",
    max_hits: 60,
    window: Duration::hours(1),
};

/// Operator sign-in attempts per client address.
pub const OPERATOR_SIGN_IN_PER_IP: Limit = Limit {
    name: "operator-sign-in-ip",
    max_hits: 30,
    window: Duration::minutes(15),
};
/// Wrong operator passwords per username *and* client address: a stranger guessing from their
/// own address locks only themselves out, never the operator. Five in 15 minutes, then twenty
/// in a day: the wait grows with the guessing.
pub const WRONG_PASSWORDS_SHORT: Limit = Limit {
    name: "wrong-passwords-15min",
    max_hits: 5,
    window: Duration::minutes(15),
};
pub const WRONG_PASSWORDS_LONG: Limit = Limit {
    name: "wrong-passwords-day",
    max_hits: 20,
    window: Duration::hours(24),
};
/// Wrong second-factor codes per operator (after the right password): five in 15 minutes, then
/// twenty in a day. Per operator, not per address: whoever got this far holds the password.
pub const WRONG_SECOND_FACTOR_SHORT: Limit = Limit {
    name: "wrong-second-factor-15min",
    max_hits: 5,
    window: Duration::minutes(15),
};
pub const WRONG_SECOND_FACTOR_LONG: Limit = Limit {
    name: "wrong-second-factor-day",
    max_hits: 20,
    window: Duration::hours(24),
};

/// The stored key of `subject` under `limit`: an HMAC, never the email or address itself.
fn key(state: &AppState, limit: &Limit, subject: &str) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&state.settings.secret).map_err(AppError::internal)?;
    mac.update(limit.name.as_bytes());
    mac.update(b":");
    mac.update(subject.as_bytes());
    Ok(format!(
        "{}:{}",
        limit.name,
        hex::encode(&mac.finalize().into_bytes()[..16])
    ))
}

/// Seconds until `subject` may go on, when `limit` is used up; `None` otherwise. Counts nothing.
pub async fn exhausted(state: &AppState, limit: &Limit, subject: &str) -> Result<Option<u64>, AppError> {
    let key = key(state, limit, subject)?;
    let now = state.clock.now();
    let row = sqlx::query!(
        "select hits, window_started_at from rate_limit_windows where key = $1 and window_started_at > $2",
        key,
        now - limit.window,
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(row
        .filter(|row| row.hits >= limit.max_hits)
        .map(|row| (row.window_started_at + limit.window - now).num_seconds().max(1) as u64))
}

/// Counts one hit against `limit` for `subject`; the seconds to wait when this hit is past the
/// limit (as `exhausted` answers), `None` while within it.
pub async fn hit(state: &AppState, limit: &Limit, subject: &str) -> Result<Option<u64>, AppError> {
    Ok(hit_counting(state, limit, subject).await?.wait)
}

/// One hit counted: the hits in the window so far (this one included), and the wait when they
/// are past the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    pub hits: i32,
    pub wait: Option<u64>,
}

/// Like `hit`, with the hits counted in the window so far.
pub async fn hit_counting(state: &AppState, limit: &Limit, subject: &str) -> Result<Counted, AppError> {
    let key = key(state, limit, subject)?;
    let now = state.clock.now();
    let window_start_cutoff = now - limit.window;
    let row = sqlx::query!(
        r#"insert into rate_limit_windows as w (key, window_started_at, hits) values ($1, $2, 1)
           on conflict (key) do update set
             hits = case when w.window_started_at <= $3 then 1 else w.hits + 1 end,
             window_started_at = case when w.window_started_at <= $3 then $2 else w.window_started_at end
           returning hits, window_started_at"#,
        key,
        now,
        window_start_cutoff,
    )
    .fetch_one(&state.pool)
    .await?;
    if row.hits > limit.max_hits {
        let retry_after = (row.window_started_at + limit.window - now).num_seconds().max(1) as u64;
        Ok(Counted {
            hits: row.hits,
            wait: Some(retry_after),
        })
    } else {
        Ok(Counted {
            hits: row.hits,
            wait: None,
        })
    }
}
