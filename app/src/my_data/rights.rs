//! Correcting a contact detail and asking for deletion, from "Data saya".
//!
//! - Email: a code goes to the new address (only an HMAC of it is kept); the address changes when
//!   the code comes back, and the old address is told. Asking costs nothing that tells whether
//!   an address has an account: that is said only to whoever holds the code.
//! - Mobile number: changed at once (no SMS channel exists to confirm it), audited, and the
//!   email address is told.
//! - Deletion: recorded at once (twice is once), carried out by the housekeeping job; what the
//!   law lets go goes then, what it keeps is kept until the date the page states.
//!
//! Every step is audited; nothing personal goes into the log's words (numbers masked).

use serde::{Deserialize, Serialize};

/// Minutes a code for a new email address stays valid.
pub const EMAIL_CODE_MINUTES: i64 = 15;
/// Wrong codes before a change must be asked for again.
pub const MAX_WRONG_CODES: i16 = 5;
/// Years participants' records are kept after the last of them (the state's money: the card,
/// purchases, certificates and the incentive are its financial records).
pub const PARTICIPANT_YEARS_KEPT: i32 = 10;
/// Years an application that never became a participant is kept after it was made: its NIK, KK,
/// name and birth date stop the same person registering twice while the program runs.
pub const APPLICANT_YEARS_KEPT: i32 = 1;

/// The deletion request as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deletion {
    None,
    Requested { on: String },
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Datelike, NaiveDate, Utc};
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use super::{APPLICANT_YEARS_KEPT, EMAIL_CODE_MINUTES, MAX_WRONG_CODES, PARTICIPANT_YEARS_KEPT};
    use crate::{
        domain::{EmailAddress, OneTimeCode},
        error::AppError,
    };

    fn code_hash(secret: &[u8], change_id: Uuid, code: &str) -> Result<Hmac<Sha256>, AppError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(AppError::internal)?;
        mac.update(b"email-change:");
        mac.update(change_id.as_bytes());
        mac.update(code.as_bytes());
        Ok(mac)
    }

    /// Starts a change to `new_email`: the code goes there (a change asked before is replaced).
    pub async fn request_email_change(
        pool: &PgPool,
        secret: &[u8],
        account_id: Uuid,
        new_email: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let id = Uuid::new_v4();
        let code = OneTimeCode::random().as_string();
        let hash = code_hash(secret, id, &code)?.finalize().into_bytes().to_vec();
        let mut tx = pool.begin().await?;
        sqlx::query!(
            "delete from email_changes where account_id = $1 and confirmed_at is null",
            account_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "insert into email_changes (id, account_id, new_email, code_hash, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6)",
            id,
            account_id,
            new_email.as_str(),
            hash,
            now,
            now + chrono::Duration::minutes(EMAIL_CODE_MINUTES)
        )
        .execute(&mut *tx)
        .await?;
        crate::outbox::db::enqueue_email(
            &mut *tx,
            new_email.as_str(),
            "Kode perubahan email Prakerja",
            &format!(
                "Kode untuk memakai alamat ini di akun Prakerja Anda: {code}\n\nKode berlaku {EMAIL_CODE_MINUTES} \
                 menit. Jangan berikan kode ini kepada siapa pun.\n\nJika Anda tidak meminta perubahan ini, abaikan \
                 email ini: alamat ini tidak dipakai tanpa kode tersebut."
            ),
        )
        .await?;
        let (actor, subject) = crate::audit::person(&mut *tx, account_id).await?;
        crate::audit::record(
            &mut *tx,
            &actor,
            "data_subject.email-change-request",
            &subject,
            None,
            Some(serde_json::json!({ "email": new_email.masked() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The address a change waits on, if one does.
    pub async fn pending_email(
        pool: &PgPool,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar!(
            "select new_email from email_changes where account_id = $1 and confirmed_at is null and expires_at > $2
               and failed_attempts < $3",
            account_id,
            now,
            MAX_WRONG_CODES
        )
        .fetch_optional(pool)
        .await?)
    }

    pub enum EmailConfirmation {
        Changed {
            old: String,
            new: String,
        },
        Wrong {
            attempts_left: i16,
        },
        /// Expired, used up, or never asked.
        NothingPending,
        /// The new address has an account of its own.
        Taken,
    }

    pub async fn confirm_email_change(
        pool: &PgPool,
        secret: &[u8],
        account_id: Uuid,
        code: OneTimeCode,
        now: DateTime<Utc>,
    ) -> Result<EmailConfirmation, AppError> {
        let mut tx = pool.begin().await?;
        let Some(change) = sqlx::query!(
            "select id, new_email, code_hash, failed_attempts from email_changes
             where account_id = $1 and confirmed_at is null and expires_at > $2 for update",
            account_id,
            now
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(EmailConfirmation::NothingPending);
        };
        if change.failed_attempts >= MAX_WRONG_CODES {
            return Ok(EmailConfirmation::NothingPending);
        }
        // verify_slice compares in constant time.
        if code_hash(secret, change.id, &code.as_string())?
            .verify_slice(&change.code_hash)
            .is_err()
        {
            let failed = sqlx::query_scalar!(
                "update email_changes set failed_attempts = failed_attempts + 1 where id = $1 returning failed_attempts",
                change.id
            )
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(EmailConfirmation::Wrong {
                attempts_left: MAX_WRONG_CODES - failed,
            });
        }
        let taken = sqlx::query_scalar!(
            r#"select exists (select 1 from accounts where email = $1 and id <> $2) as "taken!""#,
            change.new_email,
            account_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if taken {
            return Ok(EmailConfirmation::Taken);
        }
        let old = sqlx::query_scalar!(
            "update accounts a set email = $2 from accounts before
             where a.id = $1 and before.id = a.id returning before.email",
            account_id,
            change.new_email
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            "update email_changes set confirmed_at = $2 where id = $1",
            change.id,
            now
        )
        .execute(&mut *tx)
        .await?;
        crate::outbox::db::enqueue_email(
            &mut *tx,
            &old,
            "Email akun Prakerja Anda diganti",
            &format!(
                "Email akun Prakerja Anda baru saja diganti ke {}. Mulai sekarang kode masuk dikirim ke alamat itu.\n\n\
                 Jika bukan Anda yang menggantinya, segera hubungi layanan pengaduan Prakerja.",
                EmailAddress::parse(&change.new_email).map_or_else(|_| change.new_email.clone(), |e| e.masked())
            ),
        )
        .await?;
        let (actor, subject) = crate::audit::person(&mut *tx, account_id).await?;
        let masked = |email: &str| EmailAddress::parse(email).map_or_else(|_| "?".to_owned(), |e| e.masked());
        crate::audit::record(
            &mut *tx,
            &actor,
            "data_subject.email-change",
            &subject,
            Some(serde_json::json!({ "email": masked(&old) })),
            Some(serde_json::json!({ "email": masked(&change.new_email) })),
        )
        .await?;
        tx.commit().await?;
        Ok(EmailConfirmation::Changed {
            old,
            new: change.new_email,
        })
    }

    /// Changes the applicant's mobile number; `false` without an application (or after its
    /// erasure).
    pub async fn change_mobile(
        pool: &PgPool,
        account_id: Uuid,
        mobile: &crate::domain::MobileNumber,
    ) -> Result<bool, AppError> {
        let mut tx = pool.begin().await?;
        let before = sqlx::query!(
            "update applicants a set mobile = $2 from applicants before
             where a.account_id = $1 and before.id = a.id and a.erased_at is null
             returning before.mobile, a.reference",
            account_id,
            mobile.as_str()
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before else {
            return Ok(false);
        };
        let masked =
            |raw: &str| crate::domain::MobileNumber::parse(raw).map_or_else(|_| "?".to_owned(), |m| m.masked());
        if before.mobile != mobile.as_str() {
            crate::audit::record(
                &mut *tx,
                &format!("peserta:{}", before.reference),
                "data_subject.mobile-change",
                &before.reference,
                Some(serde_json::json!({ "mobile": masked(&before.mobile) })),
                Some(serde_json::json!({ "mobile": mobile.masked() })),
            )
            .await?;
            crate::outbox::db::enqueue_email_to_account(
                &mut *tx,
                account_id,
                "Nomor ponsel di Prakerja diganti",
                &format!(
                    "Nomor ponsel pendaftaran Prakerja Anda diganti menjadi {}.\n\nJika bukan Anda yang menggantinya, \
                     segera hubungi layanan pengaduan Prakerja.",
                    mobile.masked()
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records a request to delete the account's data; asked again while it waits, it is the
    /// same request.
    pub async fn request_deletion(pool: &PgPool, account_id: Uuid, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut tx = pool.begin().await?;
        let inserted = sqlx::query!(
            "insert into deletion_requests (account_id, requested_at) values ($1, $2)
             on conflict (account_id) where carried_out_at is null do nothing",
            account_id,
            now
        )
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            let (actor, subject) = crate::audit::person(&mut *tx, account_id).await?;
            crate::audit::record(&mut *tx, &actor, "data_subject.deletion-request", &subject, None, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn open_deletion(pool: &PgPool, account_id: Uuid) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(sqlx::query_scalar!(
            "select requested_at from deletion_requests where account_id = $1 and carried_out_at is null",
            account_id
        )
        .fetch_optional(pool)
        .await?)
    }

    /// Until when the records the law keeps are kept: ten years after a participant's last
    /// record, the end of the year after an application's; nothing without an application.
    pub async fn kept_until(conn: &mut PgConnection, account_id: Uuid) -> Result<Option<NaiveDate>, AppError> {
        let row = sqlx::query!(
            r#"select a.registered_at,
                      (select max(greatest(c.accepted_at, c.revoked_at, p.purchased_at, p.completed_at, t.settled_at))
                       from cards c left join purchases p on p.card_id = c.id
                       left join incentive_transfers t on t.applicant_id = c.applicant_id
                       where c.applicant_id = a.id) as last_participant_record
               from applicants a where a.account_id = $1"#,
            account_id
        )
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.map(|row| {
            let (from, years) = match row.last_participant_record {
                Some(last) => (last, PARTICIPANT_YEARS_KEPT),
                None => (row.registered_at, APPLICANT_YEARS_KEPT),
            };
            let year = crate::domain::wib::date_in_program_tz(from).year() + years;
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
        }))
    }

    /// Carries out the deletion requests waiting (the housekeeping job), each in its own
    /// transaction: the account's email, sessions, drafts, pending changes and unsent messages
    /// go; the application's contact and profile details are blanked; review texts are
    /// withdrawn. What the law keeps stays until `kept_until`. Returns how many were done.
    pub async fn carry_out_deletions(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, AppError> {
        let waiting = sqlx::query_scalar!(
            "select id from deletion_requests where carried_out_at is null order by requested_at limit 100"
        )
        .fetch_all(pool)
        .await?;
        let mut done = 0;
        for request_id in waiting {
            let mut tx = pool.begin().await?;
            let Some(account_id) = sqlx::query_scalar!(
                "select account_id from deletion_requests where id = $1 and carried_out_at is null for update skip locked",
                request_id
            )
            .fetch_optional(&mut *tx)
            .await?
            else {
                continue;
            };
            let (_, subject) = crate::audit::person(&mut *tx, account_id).await?;
            let kept_until = kept_until(&mut tx, account_id).await?;
            let email = crate::session::account_email(&mut *tx, account_id)
                .await?
                .unwrap_or_default();
            // Nobody can sign in to an address under .invalid (RFC 2606).
            sqlx::query!(
                "update accounts set email = 'dihapus-' || id || '@dihapus.invalid' where id = $1",
                account_id
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!("delete from sessions where account_id = $1", account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query!("delete from signup_drafts where account_id = $1", account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query!("delete from email_changes where account_id = $1", account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query!(
                "delete from outbox_messages where recipient = $1 and sent_at is null",
                email
            )
            .execute(&mut *tx)
            .await?;
            // Blanks where the details were: the columns stay well-formed for the rows kept.
            sqlx::query!(
                "update applicants set mobile = '+62800000000', birth_place = '-', city = '-',
                                      interests = '{dihapus}', erased_at = $2
                 where account_id = $1 and erased_at is null",
                account_id,
                now
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "update reviews r set body = 'Ulasan ini ditarik oleh penulisnya atas permintaan penghapusan data.'
                 from purchases p join cards c on c.id = p.card_id join applicants a on a.id = c.applicant_id
                 where r.purchase_id = p.id and a.account_id = $1",
                account_id
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "update deletion_requests set carried_out_at = $2, kept_until = $3 where id = $1",
                request_id,
                now,
                kept_until
            )
            .execute(&mut *tx)
            .await?;
            crate::audit::record(
                &mut *tx,
                "sistem",
                "data_subject.deletion",
                &subject,
                None,
                Some(serde_json::json!({
                    "removed": ["email", "sesi", "draf", "ponsel", "tempat lahir", "kota", "minat", "teks ulasan"],
                    "kept_until": kept_until,
                })),
            )
            .await?;
            tx.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}
