//! The append-only audit log of operator actions (the table refuses updates and deletes).

use sqlx::PgExecutor;

use crate::error::AppError;

pub async fn record(
    executor: impl PgExecutor<'_>,
    actor: &str,
    action: &str,
    subject: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into audit_log (actor, action, subject, before, after) values ($1, $2, $3, $4, $5)",
        actor,
        action,
        subject,
        before,
        after
    )
    .execute(executor)
    .await?;
    Ok(())
}
