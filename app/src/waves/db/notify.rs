//! The outcome emails of closed waves.

use chrono::Utc;
use sqlx::PgPool;

use super::super::FailedCheck;
use super::outcome::outcome_of;
use crate::error::AppError;

/// Queues the outcome emails of closed waves whose cards are all issued (the email says the card
/// is active), one batch per transaction; the wave remembers
/// how far it got, so a crash or a second worker sends nobody two messages. Returns how many
/// were queued.
pub async fn notify_outcomes(pool: &PgPool, batch: i64) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let wave = sqlx::query!(
        "select id, name, notified_through, selected_count from waves
         where drawn_at is not null and notified_at is null
           and not exists (select 1 from wave_pending_cards p where p.wave_id = waves.id)
         order by drawn_at limit 1 for update skip locked"
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(wave) = wave else {
        return Ok(0);
    };
    let rows = sqlx::query!(
        r#"select e.applicant_id, e.draw_id, c.email
           from wave_entries e
           join applicants a on a.id = e.applicant_id
           join accounts c on c.id = a.account_id
           where e.wave_id = $1 and e.applicant_id > coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid)
           order by e.applicant_id limit $3"#,
        wave.id,
        wave.notified_through,
        batch
    )
    .fetch_all(&mut *tx)
    .await?;
    let cut_off = i64::from(wave.selected_count.unwrap_or(0));
    let mut recipients = Vec::with_capacity(rows.len());
    let mut subjects = Vec::with_capacity(rows.len());
    let mut bodies = Vec::with_capacity(rows.len());
    for row in &rows {
        let outcome = outcome_of(&mut tx, wave.id, row.draw_id).await?;
        let (subject, body) = outcome_message(&wave.name, outcome, cut_off);
        recipients.push(row.email.clone());
        subjects.push(subject);
        bodies.push(body);
    }
    sqlx::query!(
        "insert into outbox_messages (channel, recipient, subject, body)
         select 'email', r, s, b from unnest($1::text[], $2::text[], $3::text[]) as m (r, s, b)",
        &recipients,
        &subjects,
        &bodies
    )
    .execute(&mut *tx)
    .await?;
    let last = rows.last().map(|r| r.applicant_id);
    let done = (rows.len() as i64) < batch;
    sqlx::query!(
        "update waves set notified_through = coalesce($2, notified_through),
                          notified_at = case when $3 then $4::timestamptz end
         where id = $1",
        wave.id,
        last,
        done,
        Utc::now()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// The outcome email: no NIK, no card number; the dashboard has the details.
fn outcome_message(wave: &str, outcome: Option<Result<i64, FailedCheck>>, cut_off: i64) -> (String, String) {
    let dashboard = "Lihat rinciannya di dasbor portal Prakerja (menu Dasbor).";
    match outcome {
        Some(Ok(rank)) if rank <= cut_off => (
            format!("Selamat, Anda terpilih di {wave}"),
            format!("Anda terpilih sebagai peserta Kartu Prakerja di {wave}. Kartu dan saldo pelatihan Anda sudah aktif. {dashboard}"),
        ),
        Some(Ok(rank)) => (
            format!("Hasil undian {wave}"),
            format!(
                "Anda belum terpilih di {wave}: peringkat Anda {} sedangkan kuota terisi sampai peringkat {}. Anda dapat bergabung lagi di gelombang berikutnya. {dashboard}",
                crate::domain::group_thousands(rank as u64),
                crate::domain::group_thousands(cut_off as u64)
            ),
        ),
        Some(Err(check)) => (
            format!("Hasil pemeriksaan {wave}"),
            format!("Anda tidak diikutkan dalam undian {wave}: {}. {dashboard}", check.title()),
        ),
        None => (
            format!("Hasil pemeriksaan {wave}"),
            format!(
                "Hasil undian {wave} sudah diumumkan. {dashboard}"
            ),
        ),
    }
}
