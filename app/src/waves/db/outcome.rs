//! An entry's outcome in a drawn wave.

use sqlx::PgConnection;

use super::super::FailedCheck;
use crate::error::AppError;

/// The rank of an entry in a drawn wave, or the check it failed.
pub(super) async fn outcome_of(
    conn: &mut PgConnection,
    wave_id: i32,
    draw_id: i64,
) -> Result<Option<Result<i64, FailedCheck>>, AppError> {
    let ranked = sqlx::query_scalar!(
        r#"select b.ranks[array_position(b.draw_ids, $2)] as "rank?"
           from wave_rank_blocks b where b.wave_id = $1 and b.first_draw_id <= $2
           order by b.first_draw_id desc limit 1"#,
        wave_id,
        draw_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    if let Some(rank) = ranked {
        return Ok(Some(Ok(i64::from(rank))));
    }
    let failed = sqlx::query_scalar!(
        "select failed_check from wave_ineligible where wave_id = $1 and draw_id = $2",
        wave_id,
        draw_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(failed.as_deref().and_then(FailedCheck::parse).map(Err))
}
