//! The daily reconciliation: the ledger's transfers of a day (WIB) against the rail's statement
//! of the same day. Every difference is kept for operators: a transfer only the rail knows (or
//! whose outcome the ledger has not learnt yet), one only the ledger has, and one whose status
//! or amount differs. Run again for a day, its findings are replaced.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{
    rail::{PayoutRail, Transfer, TransferStatus},
    ReconciledDay,
};
use crate::error::AppError;

/// A kind of difference, as stored and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DifferenceKind {
    /// In the rail's statement; unknown to the ledger, or its outcome not recorded yet.
    OnlyAtRail,
    /// Settled in the ledger that day; not in the rail's statement.
    OnlyInLedger,
    StatusDiffers,
    AmountDiffers,
}

impl DifferenceKind {
    pub fn code(self) -> &'static str {
        match self {
            DifferenceKind::OnlyAtRail => "hanya-di-rail",
            DifferenceKind::OnlyInLedger => "hanya-di-buku",
            DifferenceKind::StatusDiffers => "status-beda",
            DifferenceKind::AmountDiffers => "jumlah-beda",
        }
    }

    pub fn label(code: &str) -> &'static str {
        match code {
            "hanya-di-rail" => "Hanya di rail (belum tercatat di buku)",
            "hanya-di-buku" => "Hanya di buku (tidak ada di mutasi rail)",
            "status-beda" => "Status berbeda",
            "jumlah-beda" => "Jumlah berbeda",
            _ => "Lainnya",
        }
    }
}

/// One difference: the reference, and what each side says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub reference: String,
    pub kind: DifferenceKind,
    pub ledger: Option<String>,
    pub rail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciliation {
    pub day: NaiveDate,
    pub rail_transfers: usize,
    pub ledger_transfers: usize,
    pub differences: Vec<Difference>,
}

/// What the ledger says of a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerTransfer {
    pub reference: String,
    pub amount: i64,
    /// `None` while the outcome is unknown.
    pub status: Option<TransferStatus>,
}

fn status_word(status: TransferStatus) -> &'static str {
    match status {
        TransferStatus::Paid => "dibayar",
        TransferStatus::Refused => "ditolak",
    }
}

fn describe_ledger(entry: &LedgerTransfer) -> String {
    format!(
        "{} · Rp{}",
        entry.status.map_or("belum diketahui", status_word),
        entry.amount
    )
}

fn describe_rail(transfer: &Transfer) -> String {
    format!("{} · Rp{}", status_word(transfer.status), transfer.amount)
}

/// The comparison itself: `settled` are the ledger's transfers settled that day, `known` what
/// the ledger says of any other reference the statement lists.
pub fn compare(
    statement: &[Transfer],
    settled: &[LedgerTransfer],
    known: &HashMap<String, LedgerTransfer>,
) -> Vec<Difference> {
    let settled_by_reference: HashMap<&str, &LedgerTransfer> =
        settled.iter().map(|t| (t.reference.as_str(), t)).collect();
    let mut differences = Vec::new();
    for transfer in statement {
        let ledger = settled_by_reference
            .get(transfer.reference.as_str())
            .copied()
            .or_else(|| known.get(&transfer.reference));
        let kind = match ledger {
            None => Some(DifferenceKind::OnlyAtRail),
            Some(entry) => match entry.status {
                None => Some(DifferenceKind::OnlyAtRail),
                Some(status) if status != transfer.status => Some(DifferenceKind::StatusDiffers),
                Some(_) if entry.amount != transfer.amount => Some(DifferenceKind::AmountDiffers),
                Some(_) => None,
            },
        };
        if let Some(kind) = kind {
            differences.push(Difference {
                reference: transfer.reference.clone(),
                kind,
                ledger: ledger.map(describe_ledger),
                rail: Some(describe_rail(transfer)),
            });
        }
    }
    let on_statement: std::collections::HashSet<&str> = statement.iter().map(|t| t.reference.as_str()).collect();
    for entry in settled {
        if !on_statement.contains(entry.reference.as_str()) {
            differences.push(Difference {
                reference: entry.reference.clone(),
                kind: DifferenceKind::OnlyInLedger,
                ledger: Some(describe_ledger(entry)),
                rail: None,
            });
        }
    }
    differences.sort_by(|a, b| a.reference.cmp(&b.reference));
    differences
}

/// The start of a day in WIB, and of the next.
fn parse_status(code: Option<&str>) -> Option<TransferStatus> {
    match code {
        Some("dibayar") => Some(TransferStatus::Paid),
        Some("ditolak") => Some(TransferStatus::Refused),
        _ => None,
    }
}

/// Reconciles one day and stores what was found (replacing an earlier run's findings).
pub async fn reconcile<R: PayoutRail>(
    pool: &PgPool,
    rail: &R,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Reconciliation, AppError> {
    let statement = rail
        .statement(day)
        .await
        .map_err(|error| AppError::internal(format!("the rail's statement: {error}")))?;
    let (start, end) = crate::domain::wib::day_span(day).ok_or_else(|| AppError::internal("day out of range"))?;
    let settled: Vec<LedgerTransfer> = sqlx::query!(
        "select reference, amount, outcome from incentive_transfers where settled_at >= $1 and settled_at < $2",
        start,
        end
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| LedgerTransfer {
        reference: r.reference,
        amount: r.amount,
        status: parse_status(r.outcome.as_deref()),
    })
    .collect();
    let listed: Vec<String> = statement.transfers.iter().map(|t| t.reference.clone()).collect();
    let known: HashMap<String, LedgerTransfer> = sqlx::query!(
        "select reference, amount, outcome from incentive_transfers where reference = any($1)",
        &listed
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.reference.clone(),
            LedgerTransfer {
                reference: r.reference,
                amount: r.amount,
                status: parse_status(r.outcome.as_deref()),
            },
        )
    })
    .collect();
    let differences = compare(&statement.transfers, &settled, &known);
    let mut tx = pool.begin().await?;
    sqlx::query!("delete from reconciliations where day = $1", day)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "insert into reconciliations (day, ran_at, rail_transfers, ledger_transfers, differences)
         values ($1, $2, $3, $4, $5)",
        day,
        now,
        i32::try_from(statement.transfers.len()).unwrap_or(i32::MAX),
        i32::try_from(settled.len()).unwrap_or(i32::MAX),
        i32::try_from(differences.len()).unwrap_or(i32::MAX)
    )
    .execute(&mut *tx)
    .await?;
    for difference in &differences {
        sqlx::query!(
            "insert into reconciliation_differences (day, reference, kind, ledger, rail) values ($1, $2, $3, $4, $5)",
            day,
            difference.reference,
            difference.kind.code(),
            difference.ledger,
            difference.rail
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Reconciliation {
        day,
        rail_transfers: statement.transfers.len(),
        ledger_transfers: settled.len(),
        differences,
    })
}

/// The last day reconciled, if any (the daily job reconciles yesterday once).
pub async fn last_reconciled(pool: &PgPool) -> Result<Option<NaiveDate>, AppError> {
    Ok(sqlx::query_scalar!("select max(day) from reconciliations")
        .fetch_one(pool)
        .await?)
}

pub async fn recent(pool: &PgPool, days: i64) -> Result<Vec<ReconciledDay>, AppError> {
    let runs = sqlx::query!(
        "select day, ran_at, rail_transfers, ledger_transfers from reconciliations order by day desc limit $1",
        days
    )
    .fetch_all(pool)
    .await?;
    let found = sqlx::query!(
        "select day, reference, kind, ledger, rail from reconciliation_differences
         where day = any($1) order by day desc, reference",
        &runs.iter().map(|r| r.day).collect::<Vec<_>>()
    )
    .fetch_all(pool)
    .await?;
    Ok(runs
        .into_iter()
        .map(|run| ReconciledDay {
            day: crate::domain::wib::format_date(run.day),
            ran_at: crate::domain::wib::format_wib(run.ran_at),
            rail_transfers: run.rail_transfers,
            ledger_transfers: run.ledger_transfers,
            differences: found
                .iter()
                .filter(|d| d.day == run.day)
                .map(|d| {
                    (
                        d.reference.clone(),
                        DifferenceKind::label(&d.kind).to_owned(),
                        d.ledger.clone().unwrap_or_else(|| "—".to_owned()),
                        d.rail.clone().unwrap_or_else(|| "—".to_owned()),
                    )
                })
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rail(reference: &str, amount: i64, status: TransferStatus) -> Transfer {
        Transfer {
            reference: reference.into(),
            amount,
            status,
            reason: None,
            rail_reference: format!("RAIL-{reference}"),
            at: Utc::now(),
        }
    }

    fn ledger(reference: &str, amount: i64, status: Option<TransferStatus>) -> LedgerTransfer {
        LedgerTransfer {
            reference: reference.into(),
            amount,
            status,
        }
    }

    #[test]
    fn every_kind_of_difference_is_found_and_agreement_is_clean() {
        use TransferStatus::{Paid, Refused};
        let statement = [
            rail("A", 600_000, Paid),
            rail("B", 600_000, Paid),
            rail("C", 600_000, Refused),
            rail("D", 500_000, Paid),
            rail("E", 600_000, Paid),
        ];
        let settled = [
            ledger("A", 600_000, Some(Paid)),
            ledger("C", 600_000, Some(Paid)),
            ledger("D", 600_000, Some(Paid)),
            ledger("F", 600_000, Some(Paid)),
        ];
        // E is in the ledger, its outcome not learnt yet; B is unknown to it.
        let known = HashMap::from([("E".to_owned(), ledger("E", 600_000, None))]);
        let found: Vec<(String, DifferenceKind)> = compare(&statement, &settled, &known)
            .into_iter()
            .map(|d| (d.reference, d.kind))
            .collect();
        assert_eq!(
            found,
            [
                ("B".to_owned(), DifferenceKind::OnlyAtRail),
                ("C".to_owned(), DifferenceKind::StatusDiffers),
                ("D".to_owned(), DifferenceKind::AmountDiffers),
                ("E".to_owned(), DifferenceKind::OnlyAtRail),
                ("F".to_owned(), DifferenceKind::OnlyInLedger),
            ]
        );
        assert!(compare(&statement[..1], &settled[..1], &HashMap::new()).is_empty());
    }
}
