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

/// How the audit log names a person, as actor and as subject: by their registration number, or
/// by their account before they signed up.
pub async fn person(executor: impl PgExecutor<'_>, account_id: uuid::Uuid) -> Result<(String, String), AppError> {
    let reference = sqlx::query_scalar!("select reference from applicants where account_id = $1", account_id)
        .fetch_optional(executor)
        .await?;
    Ok(match reference {
        Some(reference) => (format!("peserta:{reference}"), reference),
        None => (format!("akun:{account_id}"), format!("akun:{account_id}")),
    })
}
