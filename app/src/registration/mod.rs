//! The weekly registration window (Monday to Thursday, 08:00-16:00 WIB by default).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

// Also in the browser build: the console's schedule forms name their fields with its types.
pub mod schedule;

/// Whether registration is open, and when that changes. Times are Unix seconds so the browser
/// needs no time-zone data; the labels are already in WIB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistrationStatus {
    pub open: bool,
    pub now: i64,
    pub next_change: Option<i64>,
    pub next_change_label: Option<String>,
    /// Today's date in WIB (YYYY-MM-DD): the registration date for the age rule.
    pub today: String,
    /// The weekly hours in words ("Senin sampai Kamis, pukul 08.00–16.00 WIB").
    pub weekly_hours: String,
}

#[server(prefix = "/api", endpoint = "registration-status")]
pub async fn load_registration_status() -> Result<RegistrationStatus, AppError> {
    status(&crate::state::app_state()?).await
}

/// The schedule as last read, for a few seconds: every signup checks the window, and during a
/// launch rush that must not cost two queries each. Operators' changes apply within the TTL.
#[cfg(feature = "ssr")]
#[derive(Default)]
pub struct ScheduleCache(std::sync::Mutex<Option<(std::time::Instant, schedule::Schedule)>>);

#[cfg(feature = "ssr")]
impl ScheduleCache {
    /// Drops the cached schedule (an operator changed it: this server shows it at once, the
    /// others within the TTL).
    pub fn forget(&self) {
        if let Ok(mut cache) = self.0.lock() {
            *cache = None;
        }
    }
}

#[cfg(feature = "ssr")]
const SCHEDULE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether registration is open now, from the cached schedule.
#[cfg(feature = "ssr")]
pub async fn status(state: &crate::state::AppState) -> Result<RegistrationStatus, AppError> {
    let now = state.clock.now();
    let fresh = |cache: &Option<(std::time::Instant, schedule::Schedule)>| {
        cache
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < SCHEDULE_CACHE_TTL)
            .map(|(_, s)| s.clone())
    };
    let cache = state.services.get::<ScheduleCache>()?;
    let cached = cache.0.lock().ok().and_then(|cache| fresh(&cache));
    let schedule = match cached {
        Some(schedule) => schedule,
        None => {
            let schedule = db::load_schedule(&state.pool, now).await?;
            if let Ok(mut cache) = cache.0.lock() {
                *cache = Some((std::time::Instant::now(), schedule.clone()));
            }
            schedule
        }
    };
    Ok(db::status_of(&schedule, now))
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Duration, Utc};
    use sqlx::PgExecutor;

    use super::{
        schedule::{ExceptionKind, Schedule, ScheduleException, WeeklyHours},
        RegistrationStatus,
    };
    use crate::{
        domain::wib::{date_in_program_tz, format_wib},
        error::AppError,
    };

    /// The schedule as it applies around `at` (exceptions that ended long ago are left out).
    pub async fn load_schedule(executor: impl PgExecutor<'_> + Copy, at: DateTime<Utc>) -> Result<Schedule, AppError> {
        let weekly = sqlx::query!("select iso_weekday, opens_at, closes_at from registration_weekly_hours")
            .fetch_all(executor)
            .await?
            .into_iter()
            .map(|r| WeeklyHours {
                iso_weekday: r.iso_weekday as u32,
                opens_at: r.opens_at,
                closes_at: r.closes_at,
            })
            .collect();
        let exceptions = sqlx::query!(
            "select kind, starts_at, ends_at from registration_exceptions where ends_at > $1 order by starts_at",
            at - Duration::days(1),
        )
        .fetch_all(executor)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(ScheduleException {
                kind: ExceptionKind::from_code(&r.kind)?,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            })
        })
        .collect();
        Ok(Schedule { weekly, exceptions })
    }

    pub async fn status(
        executor: impl PgExecutor<'_> + Copy,
        at: DateTime<Utc>,
    ) -> Result<RegistrationStatus, AppError> {
        Ok(status_of(&load_schedule(executor, at).await?, at))
    }

    pub fn status_of(schedule: &Schedule, at: DateTime<Utc>) -> RegistrationStatus {
        let next_change = schedule.next_change(at);
        RegistrationStatus {
            open: schedule.is_open(at),
            now: at.timestamp(),
            next_change: next_change.map(|t| t.timestamp()),
            next_change_label: next_change.map(format_wib),
            today: date_in_program_tz(at).to_string(),
            weekly_hours: schedule.weekly_in_words(),
        }
    }

    /// Replaces the weekly hours (audited with what they were).
    pub async fn replace_weekly(
        tx: &mut sqlx::PgConnection,
        weekly: &[WeeklyHours],
        actor: &str,
    ) -> Result<(), AppError> {
        let described = |hours: &[(i16, chrono::NaiveTime, chrono::NaiveTime)]| {
            serde_json::json!(hours
                .iter()
                .map(|(day, opens, closes)| format!("{day} {}-{}", opens.format("%H:%M"), closes.format("%H:%M")))
                .collect::<Vec<_>>())
        };
        let before: Vec<(i16, chrono::NaiveTime, chrono::NaiveTime)> = sqlx::query!(
            "select iso_weekday, opens_at, closes_at from registration_weekly_hours order by iso_weekday, opens_at for update"
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.iso_weekday, r.opens_at, r.closes_at))
        .collect();
        sqlx::query!("delete from registration_weekly_hours")
            .execute(&mut *tx)
            .await?;
        let after: Vec<(i16, chrono::NaiveTime, chrono::NaiveTime)> = weekly
            .iter()
            .map(|w| (w.iso_weekday as i16, w.opens_at, w.closes_at))
            .collect();
        for (day, opens, closes) in &after {
            sqlx::query!(
                "insert into registration_weekly_hours (iso_weekday, opens_at, closes_at) values ($1, $2, $3)",
                day,
                opens,
                closes
            )
            .execute(&mut *tx)
            .await?;
        }
        crate::audit::record(
            &mut *tx,
            actor,
            "registration.weekly.set",
            "registration_weekly_hours",
            Some(described(&before)),
            Some(described(&after)),
        )
        .await
    }

    /// An exception not yet over, as the console lists it.
    pub struct ListedException {
        pub id: i64,
        pub kind: Option<ExceptionKind>,
        pub starts_at: DateTime<Utc>,
        pub ends_at: DateTime<Utc>,
        pub note: String,
    }

    pub async fn upcoming_exceptions(
        executor: impl PgExecutor<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ListedException>, AppError> {
        Ok(sqlx::query!(
            "select id, kind, starts_at, ends_at, note from registration_exceptions where ends_at > $1 order by starts_at, id",
            now
        )
        .fetch_all(executor)
        .await?
        .into_iter()
        .map(|r| ListedException {
            id: r.id,
            kind: ExceptionKind::from_code(&r.kind),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            note: r.note,
        })
        .collect())
    }

    /// Removes an exception that is not over yet (audited); false when there is none such.
    pub async fn remove_exception(
        tx: &mut sqlx::PgConnection,
        id: i64,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<bool, AppError> {
        let removed = sqlx::query!(
            "delete from registration_exceptions where id = $1 and ends_at > $2
             returning kind, starts_at, ends_at, note",
            id,
            now
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(removed) = removed else {
            return Ok(false);
        };
        crate::audit::record(
            &mut *tx,
            actor,
            "registration.exception.remove",
            &format!("registration_exceptions/{id}"),
            Some(serde_json::json!({
                "kind": removed.kind, "starts_at": removed.starts_at, "ends_at": removed.ends_at, "note": removed.note
            })),
            None,
        )
        .await?;
        Ok(true)
    }

    pub async fn add_exception(
        tx: &mut sqlx::PgConnection,
        kind: ExceptionKind,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        note: &str,
        actor: &str,
    ) -> Result<i64, AppError> {
        let id = sqlx::query_scalar!(
            "insert into registration_exceptions (kind, starts_at, ends_at, note) values ($1, $2, $3, $4) returning id",
            kind.code(),
            starts_at,
            ends_at,
            note,
        )
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            actor,
            "registration.exception.add",
            &format!("registration_exceptions/{id}"),
            None,
            Some(serde_json::json!({ "kind": kind.code(), "starts_at": starts_at, "ends_at": ends_at, "note": note })),
        )
        .await?;
        Ok(id)
    }
}

/// "Registration is open until …" or "closed, opens … (countdown)".
#[component]
pub fn RegistrationNotice(status: RegistrationStatus) -> impl IntoView {
    let label = status.next_change_label.clone().unwrap_or_default();
    if status.open {
        view! {
            <section class="notice notice-open" aria-labelledby="registration-status-title">
                <h2 id="registration-status-title">"Pendaftaran sedang dibuka"</h2>
                {(!label.is_empty()).then(|| view! { <p>"Ditutup " <strong>{label}</strong> "."</p> })}
            </section>
        }
        .into_any()
    } else {
        view! {
            <section class="notice notice-closed" aria-labelledby="registration-status-title">
                <h2 id="registration-status-title">"Pendaftaran sedang ditutup"</h2>
                <p>{format!("Pendaftaran dibuka setiap {}.", status.weekly_hours)}</p>
                {match (status.next_change, label.is_empty()) {
                    (Some(opens_at), false) => view! {
                        <p>"Dibuka lagi " <strong class="next-opening">{label}</strong> "."</p>
                        <Countdown target=opens_at server_now=status.now/>
                    }.into_any(),
                    _ => view! { <p>"Jadwal pembukaan berikutnya belum ditetapkan."</p> }.into_any(),
                }}
            </section>
        }
        .into_any()
    }
}

/// Time left until `target`, ticking every second once the WASM has loaded. The phone's clock
/// may be wrong, so the count runs from the server's time at render plus time elapsed here.
#[island]
fn Countdown(target: i64, server_now: i64) -> impl IntoView {
    let (remaining, set_remaining) = signal(target - server_now);
    #[cfg(feature = "hydrate")]
    {
        let started_ms = js_sys::Date::now();
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let elapsed = ((js_sys::Date::now() - started_ms) / 1000.0) as i64;
                set_remaining.set(target - server_now - elapsed);
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_remaining;
    view! {
        <p class="countdown" aria-live="off">
            {move || {
                let seconds = remaining.get();
                if seconds <= 0 {
                    view! { "Pendaftaran sudah dibuka. " <a href="/">"Muat ulang halaman"</a> }.into_any()
                } else {
                    view! { "Dibuka dalam " <span class="countdown-value">{format_remaining(seconds)}</span> }.into_any()
                }
            }}
        </p>
    }
}

/// "2 hari 3 jam 4 menit 5 detik"
pub fn format_remaining(seconds: i64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, rest) = (rest / 3_600, rest % 3_600);
    let (minutes, secs) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} hari"));
    }
    if days > 0 || hours > 0 {
        parts.push(format!("{hours} jam"));
    }
    if days > 0 || hours > 0 || minutes > 0 {
        parts.push(format!("{minutes} menit"));
    }
    parts.push(format!("{secs} detik"));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(super::format_remaining(5), "5 detik");
        assert_eq!(super::format_remaining(65), "1 menit 5 detik");
        assert_eq!(
            super::format_remaining(2 * 86_400 + 3 * 3_600 + 4 * 60 + 5),
            "2 hari 3 jam 4 menit 5 detik"
        );
        assert_eq!(super::format_remaining(86_400), "1 hari 0 jam 0 menit 0 detik");
    }
}
