//! The incentive after the first training: once a participant's first finished training is
//! reviewed, they are owed a monthly amount for some months (Rp600.000 × 4 by default,
//! configurable). The ledger has two sides: installments (what is owed, and from when) and
//! payouts (what went to the payment rail). How the payouts reach a participant's account is
//! the `payouts` feature's.

use serde::{Deserialize, Serialize};

pub use crate::domain::IncentivePlan;
use crate::domain::Rupiah;

/// A participant's incentive, as their dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentiveStanding {
    pub monthly: Rupiah,
    pub months: i16,
    pub paid_installments: i64,
    /// Cancelled because the certificate that earned them was revoked.
    pub cancelled_installments: i64,
    pub paid: Rupiah,
    pub outstanding: Rupiah,
    /// The next installment's due date (WIB), while any is unpaid.
    pub next_due: Option<String>,
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Months, Utc};
    use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
    use uuid::Uuid;

    use super::{IncentivePlan, IncentiveStanding};
    use crate::{domain::Rupiah, error::AppError};

    /// Schedules a participant's installments, once: the first is due after the plan's holding
    /// period, the next a month apart. False when they already have a schedule (their first
    /// review came earlier).
    pub async fn schedule(
        tx: &mut Transaction<'_, Postgres>,
        applicant_id: Uuid,
        review_purchase: Uuid,
        plan: &IncentivePlan,
        now: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let made = sqlx::query!(
            "insert into incentive_schedules (applicant_id, review_purchase_id, monthly_amount, months, scheduled_at)
             values ($1, $2, $3, $4, $5) on conflict (applicant_id) do nothing",
            applicant_id,
            review_purchase,
            plan.monthly().whole(),
            plan.months(),
            now
        )
        .execute(&mut **tx)
        .await?;
        if made.rows_affected() == 0 {
            return Ok(false);
        }
        let first_due = now + chrono::Duration::days(i64::from(plan.holding_days()));
        let due: Vec<DateTime<Utc>> = (0..plan.months())
            .map(|month| {
                first_due
                    .checked_add_months(Months::new(u32::try_from(month).unwrap_or_default()))
                    .ok_or_else(|| AppError::internal("due date out of range"))
            })
            .collect::<Result<_, _>>()?;
        sqlx::query!(
            "insert into incentive_installments (applicant_id, installment, amount, due_at)
             select $1, n::smallint, $2, due from unnest($3::timestamptz[]) with ordinality as d(due, n)",
            applicant_id,
            plan.monthly().whole(),
            &due
        )
        .execute(&mut **tx)
        .await?;
        Ok(true)
    }

    /// When the certificate that earned the incentive is revoked and no other finished,
    /// reviewed training with a valid certificate earns it, what is not yet queued for payment
    /// is cancelled (in the revocation's transaction). Returns how many installments.
    pub async fn cancel_unqueued(
        tx: &mut Transaction<'_, Postgres>,
        revoked_purchase: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, AppError> {
        Ok(sqlx::query!(
            "update incentive_installments i set cancelled_at = $2, cancelled_reason = $3
             from incentive_schedules s
             where s.applicant_id = i.applicant_id and s.review_purchase_id = $1
               and i.queued_at is null and i.cancelled_at is null
               and not exists (
                   select 1 from reviews r
                   join purchases p on p.id = r.purchase_id
                   join cards k on k.id = p.card_id
                   join certificates c on c.purchase_id = p.id
                   where k.applicant_id = s.applicant_id and c.revoked_at is null)",
            revoked_purchase,
            now,
            reason
        )
        .execute(&mut **tx)
        .await?
        .rows_affected())
    }

    /// The participant's incentive, if scheduled.
    pub async fn standing(
        executor: impl PgExecutor<'_>,
        account_id: Uuid,
    ) -> Result<Option<IncentiveStanding>, AppError> {
        let row = sqlx::query!(
            r#"select s.monthly_amount, s.months,
                      count(p.sent_at) as "paid_installments!",
                      count(i.cancelled_at) as "cancelled_installments!",
                      coalesce(sum(p.amount) filter (where p.sent_at is not null), 0)::bigint as "paid!",
                      (coalesce(sum(i.amount) filter (where i.cancelled_at is null), 0)
                          - coalesce(sum(p.amount) filter (where p.sent_at is not null), 0))::bigint as "outstanding!",
                      min(i.due_at) filter (where p.sent_at is null and i.cancelled_at is null) as next_due
               from incentive_schedules s
               join applicants a on a.id = s.applicant_id
               join incentive_installments i on i.applicant_id = s.applicant_id
               left join incentive_payouts p on p.applicant_id = i.applicant_id and p.installment = i.installment
               where a.account_id = $1
               group by s.monthly_amount, s.months"#,
            account_id
        )
        .fetch_optional(executor)
        .await?;
        let amount = |value: i64| Rupiah::from_whole(value).ok_or_else(|| AppError::internal("amount out of range"));
        row.map(|r| {
            Ok(IncentiveStanding {
                monthly: amount(r.monthly_amount)?,
                months: r.months,
                paid_installments: r.paid_installments,
                cancelled_installments: r.cancelled_installments,
                paid: amount(r.paid)?,
                outstanding: amount(r.outstanding)?,
                next_due: r.next_due.map(crate::domain::wib::format_wib_date),
            })
        })
        .transpose()
    }

    /// The whole ledger, for operators: owed, paid, waiting in the outbox.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct LedgerTotals {
        pub participants: i64,
        pub scheduled: i64,
        pub paid: i64,
        pub outstanding: i64,
        pub cancelled: i64,
        /// Due but not yet in the outbox (the job takes them on its next pass).
        pub due_unqueued: i64,
        pub waiting_payouts: i64,
        pub failing_payouts: i64,
    }

    pub async fn totals(pool: &PgPool, now: DateTime<Utc>) -> Result<LedgerTotals, AppError> {
        let balances = sqlx::query!(
            r#"select count(*) as "participants!", coalesce(sum(scheduled), 0)::bigint as "scheduled!",
                      coalesce(sum(cancelled), 0)::bigint as "cancelled!",
                      coalesce(sum(paid), 0)::bigint as "paid!", coalesce(sum(outstanding), 0)::bigint as "outstanding!"
               from incentive_balances"#
        )
        .fetch_one(pool)
        .await?;
        let due_unqueued = sqlx::query_scalar!(
            r#"select count(*) as "n!" from incentive_installments
               where queued_at is null and cancelled_at is null and due_at <= $1"#,
            now
        )
        .fetch_one(pool)
        .await?;
        let outbox = sqlx::query!(
            r#"select count(*) filter (where sent_at is null) as "waiting!",
                      count(*) filter (where sent_at is null and attempts > 0) as "failing!"
               from incentive_payouts"#
        )
        .fetch_one(pool)
        .await?;
        Ok(LedgerTotals {
            participants: balances.participants,
            scheduled: balances.scheduled,
            paid: balances.paid,
            outstanding: balances.outstanding,
            cancelled: balances.cancelled,
            due_unqueued,
            waiting_payouts: outbox.waiting,
            failing_payouts: outbox.failing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_plan_is_the_programs_and_plans_stay_within_the_tables_rules() {
        let plan = IncentivePlan::default();
        assert_eq!(
            (plan.monthly().whole(), plan.months(), plan.total().whole()),
            (600_000, 4, 2_400_000)
        );
        let rupiah = |n| Rupiah::from_whole(n).unwrap();
        assert!(IncentivePlan::new(rupiah(0), 4).is_none());
        assert!(IncentivePlan::new(rupiah(1), 0).is_none());
        assert!(IncentivePlan::new(rupiah(1), 25).is_none());
        assert_eq!(
            IncentivePlan::new(rupiah(750_000), 6).map(|p| p.total().whole()),
            Some(4_500_000)
        );
    }
}
