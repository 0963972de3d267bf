//! Joining a wave, and where an applicant stands with waves.

use chrono::{DateTime, Utc};
use draw::DrawId;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::super::{JoinOutcome, JoinableWave, WavePanelData, WaveStanding};
use super::outcome::outcome_of;
use crate::{domain::VerificationStatus, error::AppError};

/// A wave applicants can join now.
struct OpenWave {
    id: i32,
    name: String,
    closes_at: DateTime<Utc>,
    test_carries_over: bool,
}

/// Waves open for joining now (usually one), earliest first.
async fn open_waves(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<OpenWave>, AppError> {
    Ok(sqlx::query!(
        "select id, name, join_closes_at, test_carries_over from waves
         where join_opens_at <= $1 and join_closes_at > $1 and drawn_at is null
         order by join_opens_at, id limit 10",
        now
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|w| OpenWave {
        id: w.id,
        name: w.name,
        closes_at: w.join_closes_at,
        test_carries_over: w.test_carries_over,
    })
    .collect())
}

/// Why an applicant may not join `wave`, if they may not (already joined is not checked here).
async fn join_refusal(
    conn: &mut PgConnection,
    applicant_id: Uuid,
    wave_id: i32,
    test_carries_over: bool,
) -> Result<Option<JoinOutcome>, AppError> {
    let row = sqlx::query!(
        r#"select v.status as "status?",
                  exists (select 1 from cards c where c.applicant_id = $1) as "participant!",
                  (select t.passed from test_attempts t
                   where t.applicant_id = $1 and t.finished_at is not null and ($3 or t.wave_id = $2)
                   order by t.finished_at desc limit 1) as "passed?"
           from applicants a left join verifications v on v.applicant_id = a.id where a.id = $1"#,
        applicant_id,
        wave_id,
        test_carries_over
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(if row.participant {
        Some(JoinOutcome::AlreadyParticipant)
    } else if row.status.as_deref() != Some(VerificationStatus::Verified.code()) {
        Some(JoinOutcome::NotVerified)
    } else if row.passed != Some(true) {
        Some(JoinOutcome::TestNotPassed)
    } else {
        None
    })
}

async fn applicant_of(conn: &mut PgConnection, account_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(
        sqlx::query_scalar!("select id from applicants where account_id = $1", account_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Whether the applicant is among the wave's entries.
async fn has_joined(conn: &mut PgConnection, wave_id: i32, applicant_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from wave_entries where wave_id = $1 and applicant_id = $2) as "x!""#,
        wave_id,
        applicant_id
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// A fresh draw id: random, below 2^63.
fn new_draw_id() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Joins the wave `wave_id` if it is open and the applicant may; joining twice keeps the first
/// entry.
pub async fn join(pool: &PgPool, account_id: Uuid, wave_id: i32, now: DateTime<Utc>) -> Result<JoinOutcome, AppError> {
    let mut tx = pool.begin().await?;
    let Some(applicant_id) = applicant_of(&mut tx, account_id).await? else {
        return Ok(JoinOutcome::NotVerified);
    };
    let joined = sqlx::query_scalar!(
        "select w.name from wave_entries e join waves w on w.id = e.wave_id where e.wave_id = $1 and e.applicant_id = $2",
        wave_id,
        applicant_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(wave_name) = joined {
        return Ok(JoinOutcome::AlreadyJoined { wave_name });
    }
    let Some(wave) = open_waves(&mut tx, now).await?.into_iter().find(|w| w.id == wave_id) else {
        return Ok(JoinOutcome::NotOpen);
    };
    if let Some(refusal) = join_refusal(&mut tx, applicant_id, wave.id, wave.test_carries_over).await? {
        return Ok(refusal);
    }
    // A clash of random draw ids is rare (2^63 of them); draw another then.
    for _ in 0..5 {
        sqlx::query!(
            "insert into wave_entries (wave_id, applicant_id, draw_id, joined_at) values ($1, $2, $3, $4)
             on conflict do nothing",
            wave.id,
            applicant_id,
            new_draw_id(),
            now
        )
        .execute(&mut *tx)
        .await?;
        if has_joined(&mut tx, wave.id, applicant_id).await? {
            tx.commit().await?;
            return Ok(JoinOutcome::Joined { wave_name: wave.name });
        }
    }
    Err(AppError::internal("no free draw id after 5 tries"))
}

fn draw_id_text(draw_id: i64) -> String {
    DrawId::from_i64(draw_id).map(|id| id.to_string()).unwrap_or_default()
}

/// Where the applicant behind an account stands with waves, and which open waves they may join.
pub async fn standing(pool: &PgPool, account_id: Uuid, now: DateTime<Utc>) -> Result<WavePanelData, AppError> {
    let mut conn = pool.acquire().await?;
    let Some(applicant_id) = applicant_of(&mut conn, account_id).await? else {
        return Ok(WavePanelData::nothing());
    };
    let mut joinable = Vec::new();
    for wave in open_waves(&mut conn, now).await? {
        if !has_joined(&mut conn, wave.id, applicant_id).await?
            && join_refusal(&mut conn, applicant_id, wave.id, wave.test_carries_over)
                .await?
                .is_none()
        {
            joinable.push(JoinableWave {
                id: wave.id,
                name: wave.name,
                closes_at: crate::domain::wib::format_wib(wave.closes_at),
            });
        }
    }
    let latest = sqlx::query!(
        r#"select e.wave_id, w.name, e.draw_id, w.join_closes_at, w.drawn_at, w.selected_count, w.pool_size
           from wave_entries e join waves w on w.id = e.wave_id
           where e.applicant_id = $1 order by e.joined_at desc, e.wave_id desc limit 1"#,
        applicant_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(entry) = latest else {
        return Ok(WavePanelData {
            standing: WaveStanding::Nothing,
            joinable,
        });
    };
    let draw_id = draw_id_text(entry.draw_id);
    let standing = if entry.drawn_at.is_none() {
        WaveStanding::Joined {
            wave_id: entry.wave_id,
            wave_name: entry.name,
            draw_id,
            closes_at: crate::domain::wib::format_wib(entry.join_closes_at),
        }
    } else {
        match outcome_of(&mut conn, entry.wave_id, entry.draw_id)
            .await?
            .ok_or_else(|| AppError::internal("drawn entry without outcome"))?
        {
            Err(check) => WaveStanding::NotEligible {
                wave_id: entry.wave_id,
                wave_name: entry.name,
                check,
            },
            Ok(rank) => {
                drop(conn);
                let placing = Placing {
                    wave_id: entry.wave_id,
                    wave_name: entry.name,
                    draw_id,
                    rank,
                    cut_off: i64::from(entry.selected_count.unwrap_or(0)),
                    pool_size: i64::from(entry.pool_size.unwrap_or(0)),
                };
                ranked_standing(pool, account_id, now, placing).await?
            }
        }
    };
    Ok(WavePanelData { standing, joinable })
}

/// A drawn wave's place in it: who, where the cut-off fell, and how big the pool was.
struct Placing {
    wave_id: i32,
    wave_name: String,
    draw_id: String,
    rank: i64,
    cut_off: i64,
    pool_size: i64,
}

/// Selected (with the card, or the card coming) or not selected (with the rank and the cut-off).
async fn ranked_standing(
    pool: &PgPool,
    account_id: Uuid,
    now: DateTime<Utc>,
    placing: Placing,
) -> Result<WaveStanding, AppError> {
    if placing.rank > placing.cut_off {
        return Ok(WaveStanding::NotSelected {
            wave_id: placing.wave_id,
            wave_name: placing.wave_name,
            draw_id: placing.draw_id,
            rank: placing.rank,
            cut_off: placing.cut_off,
            pool_size: placing.pool_size,
        });
    }
    // The close commits the selection; the job issues the card moments later.
    let Some(card) = crate::card::card_of_account(pool, account_id, now).await? else {
        return Ok(WaveStanding::SelectedCardComing {
            wave_id: placing.wave_id,
            wave_name: placing.wave_name,
            draw_id: placing.draw_id,
            rank: placing.rank,
        });
    };
    Ok(WaveStanding::Selected {
        wave_id: placing.wave_id,
        wave_name: placing.wave_name,
        draw_id: placing.draw_id,
        rank: placing.rank,
        masked_card_number: card.masked_number,
        balance: card.balance,
    })
}
