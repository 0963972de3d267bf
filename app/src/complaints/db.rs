//! Complaints in PostgreSQL.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{About, ComplaintView, Message, NewComplaint};
use crate::{
    domain::complaint::{answer_due, ComplaintCategory, ComplaintOutcome, ComplaintText, ANSWER_WITHIN_WORKING_DAYS},
    error::AppError,
};

/// What the record says, when it is this account's; `None` otherwise (another person's record,
/// or none such: nothing is attached, and nothing is said about it).
pub async fn summary(pool: &PgPool, account_id: Uuid, about: &About) -> Result<Option<String>, AppError> {
    let mut conn = pool.acquire().await?;
    summary_in(&mut conn, account_id, about).await
}

async fn summary_in(conn: &mut PgConnection, account_id: Uuid, about: &About) -> Result<Option<String>, AppError> {
    let rupiah = |amount: i64| crate::domain::Rupiah::from_whole(amount).map_or_else(String::new, |r| r.to_string());
    Ok(match about {
        About::Wave(wave_id) => sqlx::query!(
            r#"select w.name, w.drawn_at, w.selected_count,
                      exists (select 1 from cards c where c.applicant_id = a.id and c.wave_id = w.id) as "selected!",
                      (select b.ranks[array_position(b.draw_ids, e.draw_id)] from wave_rank_blocks b
                       where b.wave_id = e.wave_id and b.first_draw_id <= e.draw_id
                       order by b.first_draw_id desc limit 1) as rank,
                      (select i.failed_check from wave_ineligible i where i.wave_id = e.wave_id and i.draw_id = e.draw_id)
                          as failed_check
               from wave_entries e join applicants a on a.id = e.applicant_id join waves w on w.id = e.wave_id
               where a.account_id = $1 and e.wave_id = $2"#,
            account_id,
            wave_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|w| match (w.drawn_at, w.selected, w.rank, w.failed_check) {
            (None, ..) => format!("{}: bergabung, belum diundi", w.name),
            (Some(_), true, ..) => format!("{}: terpilih", w.name),
            (Some(_), false, _, Some(check)) => format!("{}: tidak diikutkan undian ({check})", w.name),
            (Some(_), false, Some(rank), None) => format!(
                "{}: tidak terpilih, peringkat {rank} (yang terpilih peringkat 1 sampai {})",
                w.name,
                w.selected_count.unwrap_or_default()
            ),
            (Some(_), false, None, None) => format!("{}: tidak terpilih", w.name),
        }),
        About::Purchase(voucher) => sqlx::query!(
            "select t.title, pl.name as platform, p.purchased_at from purchases p join cards c on c.id = p.card_id
             join applicants a on a.id = c.applicant_id join trainings t on t.id = p.training_id
             join platforms pl on pl.code = t.platform_code
             where a.account_id = $1 and p.voucher_code = $2",
            account_id,
            voucher
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|p| {
            format!(
                "{} di {}, dibeli {} (voucher {voucher})",
                p.title,
                p.platform,
                crate::domain::wib::format_wib_date(p.purchased_at)
            )
        }),
        About::Installment(installment) => sqlx::query!(
            "select i.amount, i.due_at from incentive_installments i join applicants a on a.id = i.applicant_id
             where a.account_id = $1 and i.installment = $2",
            account_id,
            installment
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|i| {
            format!(
                "Insentif angsuran ke-{installment}, {}, jatuh tempo {}",
                rupiah(i.amount),
                crate::domain::wib::format_wib_date(i.due_at)
            )
        }),
        About::Certificate(code) => sqlx::query!(
            "select t.title from certificates x join purchases p on p.id = x.purchase_id
             join cards c on c.id = p.card_id join applicants a on a.id = c.applicant_id
             join trainings t on t.id = p.training_id where a.account_id = $1 and x.code = $2",
            account_id,
            code
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|c| format!("Sertifikat {code}: {}", c.title)),
        About::Verification => sqlx::query!(
            "select v.status, v.reasons from verifications v join applicants a on a.id = v.applicant_id
             where a.account_id = $1",
            account_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|v| {
            if v.reasons.is_empty() {
                format!("Verifikasi: {}", v.status)
            } else {
                format!("Verifikasi: {} ({})", v.status, v.reasons.join(", "))
            }
        }),
        About::Test => sqlx::query!(
            "select t.passed, t.ability_score, t.ability_total, t.finished_at from test_attempts t
             join applicants a on a.id = t.applicant_id
             where a.account_id = $1 and t.finished_at is not null order by t.finished_at desc limit 1",
            account_id
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|t| {
            format!(
                "Tes terakhir {}: nilai {} dari {}, {}",
                t.finished_at.map(crate::domain::wib::format_wib_date).unwrap_or_default(),
                t.ability_score.unwrap_or_default(),
                t.ability_total.unwrap_or_default(),
                if t.passed == Some(true) { "lulus" } else { "belum lulus" }
            )
        }),
    })
}

/// Whole WIB days registration is closed for (the program's holidays), from `from` on.
async fn holidays(conn: &mut PgConnection, from: DateTime<Utc>) -> Result<Vec<NaiveDate>, AppError> {
    let closed = sqlx::query!(
        "select starts_at, ends_at from registration_exceptions
         where kind = 'closed' and ends_at > $1 and starts_at < $1 + interval '60 days'",
        from
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut days = Vec::new();
    for exception in closed {
        let mut day = crate::domain::wib::date_in_program_tz(exception.starts_at);
        while let Some((start, end)) = crate::domain::wib::day_span(day) {
            if start >= exception.ends_at {
                break;
            }
            if start >= exception.starts_at && end <= exception.ends_at {
                days.push(day);
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
    }
    Ok(days)
}

fn new_reference() -> String {
    crate::secrets::random_grouped(crate::domain::card_number::VOUCHER_ALPHABET, 2, 4)
}

/// Files a complaint for `account_id` (a resent form finds the one filed). Its reference.
pub async fn file(
    conn: &mut PgConnection,
    account_id: Uuid,
    complaint: &NewComplaint,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    if let Some(existing) = sqlx::query_scalar!(
        "select reference from complaints where account_id = $1 and idempotency_key = $2",
        account_id,
        complaint.key
    )
    .fetch_optional(&mut *conn)
    .await?
    {
        return Ok(existing);
    }
    let (about, about_summary) = match &complaint.about {
        Some(record) => match summary_in(conn, account_id, record).await? {
            Some(summary) => (Some(record.code()), Some(summary)),
            None => (None, None),
        },
        None => (None, None),
    };
    let due = answer_due(now, ANSWER_WITHIN_WORKING_DAYS, &holidays(conn, now).await?);
    let id = Uuid::now_v7();
    let reference = format!("PGD-{}", new_reference());
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let inserted = sqlx::query_scalar!(
        "insert into complaints (id, reference, account_id, category, about, about_summary, body, idempotency_key,
                                 filed_at, answer_due_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict (account_id, idempotency_key) do nothing returning reference",
        id,
        reference,
        account_id,
        complaint.category.code(),
        about,
        about_summary,
        complaint.body.as_str(),
        complaint.key,
        now,
        due
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(reference) = inserted else {
        // The same form, resent while this one was being written: that one stands.
        tx.rollback().await?;
        return Ok(sqlx::query_scalar!(
            "select reference from complaints where account_id = $1 and idempotency_key = $2",
            account_id,
            complaint.key
        )
        .fetch_one(&mut *conn)
        .await?);
    };
    sqlx::query!(
        "insert into complaint_messages (complaint_id, author, body, written_at) values ($1, 'peserta', $2, $3)",
        id,
        complaint.body.as_str(),
        now
    )
    .execute(&mut *tx)
    .await?;
    let (actor, _) = crate::audit::person(&mut *tx, account_id).await?;
    crate::audit::record(
        &mut *tx,
        &actor,
        "complaints.file",
        &reference,
        None,
        Some(serde_json::json!({ "category": complaint.category.code(), "about": about })),
    )
    .await?;
    crate::outbox::db::enqueue_email_to_account(
        &mut *tx,
        account_id,
        &format!("Pengaduan {reference} kami terima"),
        &format!(
            "Pengaduan Anda ({}) tercatat dengan nomor {reference}. Petugas menjawab paling lambat {}.\n\n\
             Jawaban dapat dibaca di halaman Pengaduan pada dasbor Anda.",
            complaint.category.label(),
            crate::domain::wib::format_wib(due)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(reference)
}

struct Row {
    id: Uuid,
    reference: String,
    category: String,
    about_summary: Option<String>,
    filed_at: DateTime<Utc>,
    answer_due_at: DateTime<Utc>,
    first_answered_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
}

async fn views(
    pool: &PgPool,
    rows: Vec<Row>,
    now: DateTime<Utc>,
    name_operators: bool,
) -> Result<Vec<ComplaintView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let messages = sqlx::query!(
        "select complaint_id, author, body, written_at from complaint_messages where complaint_id = any($1) order by id",
        &ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let closed = r.outcome.is_some();
            let status = match (&r.outcome, r.first_answered_at) {
                (Some(outcome), _) => format!(
                    "selesai: {}",
                    ComplaintOutcome::parse(outcome).map_or(outcome.as_str(), |o| o.label())
                ),
                (None, Some(_)) => "dijawab".to_owned(),
                (None, None) => "menunggu jawaban".to_owned(),
            };
            ComplaintView {
                category: ComplaintCategory::parse(&r.category).map_or(r.category.clone(), |c| c.label().to_owned()),
                about: r.about_summary,
                filed_at: crate::domain::wib::format_wib(r.filed_at),
                answer_due: crate::domain::wib::format_wib(r.answer_due_at),
                overdue: r.first_answered_at.unwrap_or(now) > r.answer_due_at,
                status,
                closed,
                messages: messages
                    .iter()
                    .filter(|m| m.complaint_id == r.id)
                    .map(|m| Message {
                        from: match m.author.as_str() {
                            "peserta" if name_operators => "Peserta".to_owned(),
                            "peserta" => "Anda".to_owned(),
                            operator if name_operators => operator.to_owned(),
                            _ => "Petugas Prakerja".to_owned(),
                        },
                        written_at: crate::domain::wib::format_wib(m.written_at),
                        body: m.body.clone(),
                    })
                    .collect(),
                reference: r.reference,
            }
        })
        .collect())
}

/// The account's complaints, newest first.
pub async fn of_account(pool: &PgPool, account_id: Uuid, now: DateTime<Utc>) -> Result<Vec<ComplaintView>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        "select id, reference, category, about_summary, filed_at, answer_due_at, first_answered_at, outcome
         from complaints where account_id = $1 order by filed_at desc limit 100",
        account_id
    )
    .fetch_all(pool)
    .await?;
    views(pool, rows, now, false).await
}

/// The operators' queue: open complaints, soonest due first (optionally of one category).
pub async fn open_queue(
    pool: &PgPool,
    category: Option<ComplaintCategory>,
    now: DateTime<Utc>,
) -> Result<Vec<ComplaintView>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        "select id, reference, category, about_summary, filed_at, answer_due_at, first_answered_at, outcome
         from complaints where closed_at is null and ($1::text is null or category = $1)
         order by answer_due_at limit 100",
        category.map(|c| c.code())
    )
    .fetch_all(pool)
    .await?;
    views(pool, rows, now, true).await
}

/// What an operator does with a complaint.
pub enum Handling {
    Reply(ComplaintText),
    Close(ComplaintOutcome, ComplaintText),
}

/// An operator's reply, or the close with its outcome (the note is the last message), audited
/// and emailed to the applicant. `false` when no open complaint has that reference.
pub async fn handle(
    pool: &PgPool,
    reference: &str,
    handling: Handling,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let Some(complaint) = sqlx::query!(
        "select c.id, u.email from complaints c join accounts u on u.id = c.account_id
         where c.reference = $1 and c.closed_at is null for update of c",
        reference
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let (text, outcome) = match &handling {
        Handling::Reply(text) => (text, None),
        Handling::Close(outcome, text) => (text, Some(*outcome)),
    };
    sqlx::query!(
        "insert into complaint_messages (complaint_id, author, body, written_at) values ($1, $2, $3, $4)",
        complaint.id,
        actor,
        text.as_str(),
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update complaints set first_answered_at = coalesce(first_answered_at, $2),
                               closed_at = case when $3::text is null then null else $2 end, outcome = $3
         where id = $1",
        complaint.id,
        now,
        outcome.map(|o| o.code())
    )
    .execute(&mut *tx)
    .await?;
    let action = if outcome.is_some() {
        "complaints.close"
    } else {
        "complaints.reply"
    };
    crate::audit::record(
        &mut *tx,
        actor,
        action,
        reference,
        None,
        Some(serde_json::json!({ "outcome": outcome.map(|o| o.code()) })),
    )
    .await?;
    let subject = match outcome {
        Some(_) => format!("Pengaduan {reference} selesai ditangani"),
        None => format!("Pengaduan {reference} dijawab"),
    };
    crate::outbox::db::enqueue_email(
        &mut *tx,
        &complaint.email,
        &subject,
        &format!(
            "Jawaban petugas Prakerja atas pengaduan {reference}:\n\n{}\n\n{}Jawaban ini juga dapat dibaca di halaman \
             Pengaduan pada dasbor Anda.",
            text.as_str(),
            outcome.map_or(String::new(), |o| format!("Hasil: {}.\n\n", o.label()))
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The account's complaints in words for the dashboard: how many wait for an answer, were
/// answered and are closed (`None` without any).
pub async fn standing(pool: &PgPool, account_id: Uuid) -> Result<Option<String>, AppError> {
    let counts = sqlx::query!(
        r#"select count(*) filter (where closed_at is null and first_answered_at is null) as "waiting!",
                  count(*) filter (where closed_at is null and first_answered_at is not null) as "answered!",
                  count(*) filter (where closed_at is not null) as "closed!"
           from complaints where account_id = $1"#,
        account_id
    )
    .fetch_one(pool)
    .await?;
    let parts: Vec<String> = [
        (counts.waiting, "menunggu jawaban"),
        (counts.answered, "dijawab"),
        (counts.closed, "selesai"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, words)| format!("{n} {words}"))
    .collect();
    Ok((!parts.is_empty()).then(|| parts.join(", ")))
}
