//! Outgoing messages. Written in the transaction of the change that causes them; a worker in
//! the server sends them (SMTP) or, in development, leaves them for the mailbox page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
}

/// The development mailbox: messages the portal has sent, newest first. Only when enabled
/// (development and tests); elsewhere it does not exist.
#[server(prefix = "/api", endpoint = "dev-mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    let state = crate::state::app_state()?;
    if !state.settings.dev_mailbox {
        return Err(AppError::NotFound);
    }
    let rows = sqlx::query!(
        r#"select id, recipient, subject, coalesce(body, '') as "body!", created_at from outbox_messages
           order by id desc limit 100"#
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MailboxMessage {
            id: r.id,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            created_at: crate::domain::wib::format_wib(r.created_at),
        })
        .collect())
}

#[cfg(feature = "ssr")]
pub mod db {
    use sqlx::PgExecutor;

    use crate::error::AppError;

    pub async fn enqueue_email(
        executor: impl PgExecutor<'_>,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), AppError> {
        sqlx::query!(
            "insert into outbox_messages (channel, recipient, subject, body) values ('email', $1, $2, $3)",
            recipient,
            subject,
            body
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Queues an email to the address the account has now (in the caller's transaction).
    pub async fn enqueue_email_to_account(
        executor: impl PgExecutor<'_>,
        account_id: uuid::Uuid,
        subject: &str,
        body: &str,
    ) -> Result<(), AppError> {
        sqlx::query!(
            "insert into outbox_messages (channel, recipient, subject, body)
             select 'email', email, $2, $3 from accounts where id = $1",
            account_id,
            subject,
            body
        )
        .execute(executor)
        .await?;
        Ok(())
    }
}

#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let messages = Resource::new_blocking(|| (), |_| dev_mailbox());
    view! {
        <leptos_meta::Title text="Kotak surat pengembangan"/>
        <h1>"Kotak surat pengembangan"</h1>
        <p class="hint">"Pesan yang dikirim portal. Halaman ini hanya ada di mode pengembangan dan pengujian."</p>
        {crate::forms::loaded(messages, |list| if list.is_empty() {
            view! { <p>"Belum ada pesan."</p> }.into_any()
        } else {
            view! {
                <ol class="mailbox">
                    {list.into_iter().map(|m| { let recipient = m.recipient.clone(); view! {
                        <li class="mail" data-recipient=recipient>
                            <p><strong>"Kepada: "</strong>{m.recipient}</p>
                            <p><strong>"Perihal: "</strong><span class="mail-subject">{m.subject}</span></p>
                            <p class="hint">{m.created_at}</p>
                            <pre class="mail-body">{m.body}</pre>
                        </li>
                    }}).collect_view()}
                </ol>
            }.into_any()
        })}
    }
}
