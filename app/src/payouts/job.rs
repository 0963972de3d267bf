//! The payout job: due installments into the outbox (`incentive_payouts`), then each one sent
//! to the payout rail as a transfer under a reference of its own.
//!
//! Nothing is paid twice, whatever the rail or the workers do:
//! - A transfer is written down (`incentive_transfers`, outcome unknown) before the rail is
//!   asked, so a worker that dies mid-call leaves a record of what may have happened.
//! - A transfer whose outcome is unknown (a timeout, a dropped connection, a crash) is resolved by
//!   asking the rail about its reference before anything else; it is sent again, under the same
//!   reference, only when the rail says it never received it. The rail pays a reference once.
//! - A new reference is made only after the rail refused the last one (the account closed,
//!   say): the participant sees the reason, and the next attempt follows, or their new account.
//! - The database allows one open and one paid transfer per installment, and a worker records
//!   an outcome only while it holds the payout's lease (fencing).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    account::AccountStatus,
    rail::{PayoutRail, Transfer, TransferRequest, TransferStatus, WireDestination},
};
use crate::{
    domain::{payout_account::PayoutDestination, Rupiah},
    error::AppError,
    state::Clock,
};

/// How long a worker holds the payouts it is handing to the rail before another may take
/// them (a worker that died mid-batch).
const PAYOUT_LEASE_MINUTES: i32 = 15;

/// A payout's reference for its `attempt`: the same for every request of that attempt (the
/// rail's idempotency key), and a new one only after the rail refused the last.
pub fn reference(applicant_id: Uuid, installment: i16, attempt: i16) -> String {
    format!("PRK-INS-{}-{installment}-{attempt}", applicant_id.simple())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PayoutRun {
    pub queued: u64,
    /// Paid by the rail (told in answer to the transfer, or to a question about it).
    pub paid: usize,
    /// Refused by the rail: a new reference next time.
    pub refused: usize,
    /// No answer, or none that could be read: asked about before anything else next time.
    pub unknown: usize,
    /// Transfers whose outcome was unknown, settled by asking the rail.
    pub asked: usize,
    /// Not sent: the participant is no longer eligible, or has no account that may be paid into.
    pub held: usize,
    /// The rail's answer came after this worker's lease had expired or passed to another
    /// worker: not recorded by this one (the other asks the rail about the same reference).
    pub fenced: usize,
}

impl PayoutRun {
    /// Whether the pass did anything (the job goes straight on while it does).
    pub fn did_work(&self) -> bool {
        self.queued > 0 || self.paid > 0 || self.refused > 0 || self.asked > 0
    }
}

/// A payout this worker leased.
struct Leased {
    applicant_id: Uuid,
    installment: i16,
    amount: i64,
    next_attempt: i16,
    held_reason: Option<String>,
}

struct AccountRow {
    applicant_id: Uuid,
    id: i64,
    destination: Option<PayoutDestination>,
    status: Option<AccountStatus>,
    usable_from: DateTime<Utc>,
}

struct OpenTransfer {
    reference: String,
    applicant_id: Uuid,
    installment: i16,
    destination: Option<PayoutDestination>,
}

/// One pass of the payout job. Any number of workers may run it at once: rows are taken with
/// `skip locked` and leased to the worker under a token of its own; the rail is called outside
/// any transaction. Eligibility is checked again as a payout is taken: a revoked certificate or
/// card, a NIK on the exclusion list or an open dispute over it holds the payout, and so does
/// the want of an account that may be paid into (none, one an operator has not yet approved,
/// one refused, or one still in a change's cooling-off).
pub async fn run_payouts<R: PayoutRail>(
    pool: &PgPool,
    rail: &R,
    clock: &dyn Clock,
    batch: i64,
) -> Result<PayoutRun, AppError> {
    let now = clock.now();
    let queued = sqlx::query!(
        "with due as (
             update incentive_installments set queued_at = $1
             where (applicant_id, installment) in (
                 select applicant_id, installment from incentive_installments
                 where queued_at is null and cancelled_at is null and due_at <= $1
                 order by due_at limit $2 for update skip locked)
             returning applicant_id, installment, amount)
         insert into incentive_payouts (applicant_id, installment, amount, queued_at, available_at)
         select applicant_id, installment, amount, $1, $1 from due",
        now,
        batch
    )
    .execute(pool)
    .await?
    .rows_affected();
    let lease = Uuid::new_v4();
    let leased: Vec<Leased> = sqlx::query!(
        r#"update incentive_payouts o set available_at = $1 + make_interval(mins => $3), lease_token = $4
           where (applicant_id, installment) in (
               select applicant_id, installment from incentive_payouts
               where sent_at is null and available_at <= $1
               order by available_at limit $2 for update skip locked)
           returning applicant_id, installment, amount, next_attempt,
               case
                   when exists (select 1 from applicants a join exclusions e on e.nik = a.nik
                                where a.id = o.applicant_id)
                       then 'NIK ada di daftar pengecualian'
                   when exists (select 1 from applicants a join nik_disputes d on d.nik = a.nik and d.status = 'terbuka'
                                where a.id = o.applicant_id)
                       then 'NIK sedang disanggah'
                   when exists (select 1 from cards k where k.applicant_id = o.applicant_id and k.revoked_at is not null)
                       then 'kartu dicabut'
                   when not exists (select 1 from reviews r
                                    join purchases p on p.id = r.purchase_id
                                    join cards k on k.id = p.card_id
                                    join certificates c on c.purchase_id = p.id
                                    where k.applicant_id = o.applicant_id and c.revoked_at is null)
                       then 'tidak ada sertifikat yang berlaku'
               end as held_reason"#,
        now,
        batch,
        PAYOUT_LEASE_MINUTES,
        lease
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Leased {
        applicant_id: r.applicant_id,
        installment: r.installment,
        amount: r.amount,
        next_attempt: r.next_attempt,
        held_reason: r.held_reason,
    })
    .collect();
    let mut run = PayoutRun {
        queued,
        ..PayoutRun::default()
    };
    if leased.is_empty() {
        return Ok(run);
    }
    let applicants: Vec<Uuid> = leased.iter().map(|p| p.applicant_id).collect();
    let accounts: Vec<AccountRow> = sqlx::query!(
        "select applicant_id, id, kind, provider, number, status, usable_from
         from payout_accounts where applicant_id = any($1) and replaced_at is null",
        &applicants
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| AccountRow {
        applicant_id: r.applicant_id,
        id: r.id,
        destination: PayoutDestination::from_stored(&r.kind, &r.provider, &r.number),
        status: AccountStatus::parse(&r.status),
        usable_from: r.usable_from,
    })
    .collect();
    let open: Vec<OpenTransfer> = sqlx::query!(
        "select t.reference, t.applicant_id, t.installment, p.kind, p.provider, p.number
         from incentive_transfers t join payout_accounts p on p.id = t.payout_account_id
         where t.applicant_id = any($1) and t.outcome is null",
        &applicants
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| OpenTransfer {
        reference: r.reference,
        applicant_id: r.applicant_id,
        installment: r.installment,
        destination: PayoutDestination::from_stored(&r.kind, &r.provider, &r.number),
    })
    .collect();

    for payout in leased {
        let key = PayoutKey {
            applicant_id: payout.applicant_id,
            installment: payout.installment,
            lease,
        };
        let amount = Rupiah::from_whole(payout.amount).ok_or_else(|| AppError::internal("amount out of range"))?;
        // What may already have happened comes first: ask, and send again only what the rail
        // never received.
        if let Some(doubt) = open
            .iter()
            .find(|t| t.applicant_id == payout.applicant_id && t.installment == payout.installment)
        {
            let outcome = match rail.transfer_status(&doubt.reference).await {
                Ok(Some(transfer)) => Ok(transfer),
                Ok(None) => match &doubt.destination {
                    Some(destination) => {
                        let request = TransferRequest {
                            reference: doubt.reference.clone(),
                            amount: amount.whole(),
                            destination: WireDestination::from(destination),
                        };
                        rail.transfer(&request).await.map_err(|e| e.to_string())
                    }
                    None => Err("the transfer's account no longer parses".to_owned()),
                },
                Err(error) => Err(error.to_string()),
            };
            record(pool, &key, &doubt.reference, outcome, clock.now(), &mut run).await?;
            run.asked += 1;
            continue;
        }
        let account = accounts.iter().find(|a| a.applicant_id == payout.applicant_id);
        let hold = match (&payout.held_reason, account) {
            (Some(reason), _) => Some((reason.clone(), None)),
            (None, None) => Some(("belum ada rekening pencairan".to_owned(), None)),
            (None, Some(account)) => match (account.status, &account.destination) {
                (Some(AccountStatus::Checking), _) => Some(("rekening sedang diperiksa petugas".to_owned(), None)),
                (Some(AccountStatus::Refused) | None, _) | (_, None) => {
                    Some(("rekening tidak dapat dipakai; tautkan rekening lain".to_owned(), None))
                }
                (Some(AccountStatus::Active), Some(_)) if account.usable_from > now => Some((
                    "masa tunggu setelah rekening diganti".to_owned(),
                    Some(account.usable_from),
                )),
                (Some(AccountStatus::Active), Some(_)) => None,
            },
        };
        if let Some((reason, until)) = hold {
            hold_payout(pool, &key, &reason, until.unwrap_or(now + chrono::Duration::days(1))).await?;
            run.held += 1;
            continue;
        }
        let Some((account_id, destination)) = account.and_then(|a| a.destination.as_ref().map(|d| (a.id, d))) else {
            continue;
        };
        let request = TransferRequest {
            reference: reference(payout.applicant_id, payout.installment, payout.next_attempt),
            amount: amount.whole(),
            destination: WireDestination::from(destination),
        };
        if !begin_transfer(pool, &key, &request, account_id, clock.now()).await? {
            run.fenced += 1;
            continue;
        }
        let outcome = rail.transfer(&request).await.map_err(|e| e.to_string());
        record(pool, &key, &request.reference, outcome, clock.now(), &mut run).await?;
    }
    Ok(run)
}

/// A leased payout: its key and this worker's lease token.
struct PayoutKey {
    applicant_id: Uuid,
    installment: i16,
    lease: Uuid,
}

async fn hold_payout(pool: &PgPool, key: &PayoutKey, reason: &str, until: DateTime<Utc>) -> Result<(), AppError> {
    sqlx::query!(
        "update incentive_payouts set held_reason = $3, lease_token = null, available_at = $4
         where applicant_id = $1 and installment = $2 and lease_token = $5",
        key.applicant_id,
        key.installment,
        reason,
        until,
        key.lease
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Writes the transfer down, outcome unknown, while the lease holds; false when it no longer does.
async fn begin_transfer(
    pool: &PgPool,
    key: &PayoutKey,
    request: &TransferRequest,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let held = sqlx::query!(
        "update incentive_payouts set held_reason = null
         where applicant_id = $1 and installment = $2 and lease_token = $3 and available_at > $4",
        key.applicant_id,
        key.installment,
        key.lease,
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if held == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into incentive_transfers (reference, applicant_id, installment, amount, payout_account_id, requested_at)
         values ($1, $2, $3, $4, $5, $6)",
        request.reference,
        key.applicant_id,
        key.installment,
        request.amount,
        account_id,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records what the rail said of `reference` (or that it said nothing), while the lease holds.
async fn record(
    pool: &PgPool,
    key: &PayoutKey,
    reference: &str,
    outcome: Result<Transfer, String>,
    now: DateTime<Utc>,
    run: &mut PayoutRun,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let held = sqlx::query_scalar!(
        "select attempts from incentive_payouts
         where applicant_id = $1 and installment = $2 and lease_token = $3 and available_at > $4 for update",
        key.applicant_id,
        key.installment,
        key.lease,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    if held.is_none() {
        tracing::warn!(
            installment = key.installment,
            "payout outcome not recorded: this worker's lease expired or passed to another"
        );
        run.fenced += 1;
        return Ok(());
    }
    match outcome {
        Ok(transfer) if transfer.reference == reference => {
            let (code, refusal) = match transfer.status {
                TransferStatus::Paid => ("dibayar", None),
                TransferStatus::Refused => (
                    "ditolak",
                    Some(
                        transfer
                            .reason
                            .clone()
                            .unwrap_or_else(|| "Ditolak tanpa alasan dari bank.".to_owned())
                            .chars()
                            .take(500)
                            .collect::<String>(),
                    ),
                ),
            };
            sqlx::query!(
                "update incentive_transfers set outcome = $2, settled_at = $3, rail_reference = $4, refusal_reason = $5
                 where reference = $1 and outcome is null",
                reference,
                code,
                transfer.at,
                transfer.rail_reference,
                refusal
            )
            .execute(&mut *tx)
            .await?;
            match transfer.status {
                TransferStatus::Paid => {
                    sqlx::query!(
                        "update incentive_payouts set sent_at = $3, rail_reference = $4, last_error = null,
                             held_reason = null, lease_token = null
                         where applicant_id = $1 and installment = $2",
                        key.applicant_id,
                        key.installment,
                        transfer.at,
                        transfer.rail_reference
                    )
                    .execute(&mut *tx)
                    .await?;
                    run.paid += 1;
                }
                TransferStatus::Refused => {
                    tracing::warn!(installment = key.installment, "incentive transfer refused by the rail");
                    let reason = refusal.unwrap_or_default();
                    try_again_later(&mut tx, key, &reason, NextReference::New, now).await?;
                    run.refused += 1;
                }
            }
        }
        outcome => {
            let error = match outcome {
                Ok(other) => format!("the rail answered about another reference ({})", other.reference),
                Err(error) => error,
            };
            tracing::warn!(installment = key.installment, %error, "incentive transfer outcome unknown; the rail is asked first next time");
            try_again_later(&mut tx, key, &error, NextReference::Same, now).await?;
            run.unknown += 1;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the next attempt is sent under a new reference (after a refusal) or settles the same
/// one (after an unknown outcome).
#[derive(Clone, Copy, PartialEq, Eq)]
enum NextReference {
    New,
    Same,
}

/// Takes the payout up again after 1, 2, 4 … minutes, at most a day apart (the exponent is
/// capped: 2^attempts minutes overflows an interval after a few dozen failures).
async fn try_again_later(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    key: &PayoutKey,
    error: &str,
    next: NextReference,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query!(
        "update incentive_payouts set next_attempt = next_attempt + $5, attempts = attempts + 1,
             last_error = $3, lease_token = null, held_reason = null,
             available_at = $4::timestamptz
                 + least(interval '1 day', interval '1 minute' * power(2, least(attempts, 20)))
         where applicant_id = $1 and installment = $2",
        key.applicant_id,
        key.installment,
        error,
        now,
        i16::from(next == NextReference::New)
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
