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

/// Operator sign-in attempts per client address.
pub const OPERATOR_SIGN_IN_PER_IP: Limit = Limit {
    name: "operator-sign-in-ip",
    max_hits: 30,
    window: Duration::minutes(15),
};
/// Operator sign-in attempts per username, from anywhere (guessing one account's password).
pub const OPERATOR_SIGN_IN_PER_USERNAME: Limit = Limit {
    name: "operator-sign-in-username",
    max_hits: 10,
    window: Duration::minutes(15),
};

/// Counts one hit against `limit` for `subject`; `Err(seconds)` when the limit is reached.
/// The key stored is an HMAC of the subject, never the email or IP address itself.
pub async fn hit(state: &AppState, limit: &Limit, subject: &str) -> Result<Result<(), u64>, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&state.settings.secret).map_err(AppError::internal)?;
    mac.update(limit.name.as_bytes());
    mac.update(b":");
    mac.update(subject.as_bytes());
    let key = format!("{}:{}", limit.name, hex::encode(&mac.finalize().into_bytes()[..16]));
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
        Ok(Err(retry_after))
    } else {
        Ok(Ok(()))
    }
}
