//! Linking the account an incentive is paid into: a bank account (a bank from the code list and
//! the account number) or an e-wallet (its provider and the mobile number it is registered to).
//!
//! The payout rail is asked for the holder's name, which is matched against the applicant's
//! as the civil registry's is. The same name: the account is active. Anything else: an operator
//! compares both names and decides (the participant is never shown someone else's name: the
//! form would otherwise be an oracle of who holds which account). A change of account is
//! audited, told to the participant by email, and delays the next payout by a cooling-off
//! period, so a stolen session cannot redirect money at once.

use serde::{Deserialize, Serialize};

use crate::domain::{
    payout_account::{EWallet, PayoutBank, PayoutDestination, PayoutDestinationError},
    FieldErrors,
};

/// The form's fields as posted (missing ones are empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawPayoutAccount {
    /// "bank" or "dompet".
    pub kind: String,
    pub bank: String,
    pub number: String,
    pub wallet: String,
    pub wallet_number: String,
}

impl RawPayoutAccount {
    /// The one set of rules, run in the browser and on the server; each error beside its field.
    pub fn parse(&self) -> Result<PayoutDestination, FieldErrors> {
        PayoutDestination::parse(&self.kind, &self.bank, &self.number, &self.wallet, &self.wallet_number).map_err(
            |refusals| {
                let mut errors = FieldErrors::new();
                for refusal in refusals {
                    errors.push(field_of(refusal), refusal.to_string());
                }
                errors
            },
        )
    }
}

fn field_of(refusal: PayoutDestinationError) -> &'static str {
    match refusal {
        PayoutDestinationError::KindMissing => "kind",
        PayoutDestinationError::Bank(_) => "bank",
        PayoutDestinationError::Account(_) => "number",
        PayoutDestinationError::Wallet(_) => "wallet",
        PayoutDestinationError::WalletNumber(_) => "wallet_number",
    }
}

/// Where the account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    /// Payouts go here (from `usable_from`).
    Active,
    /// The holder's name is not the applicant's: an operator decides.
    Checking,
    /// An operator refused it: the participant links another.
    Refused,
}

impl AccountStatus {
    pub fn code(self) -> &'static str {
        match self {
            AccountStatus::Active => "aktif",
            AccountStatus::Checking => "diperiksa",
            AccountStatus::Refused => "ditolak",
        }
    }

    pub fn parse(code: &str) -> Option<AccountStatus> {
        [AccountStatus::Active, AccountStatus::Checking, AccountStatus::Refused]
            .into_iter()
            .find(|status| status.code() == code)
    }
}

/// The participant's current account, as their page shows it (the number masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAccount {
    pub described: String,
    pub status: AccountStatus,
    pub linked_on: String,
    /// While a change's cooling-off period runs: when payouts may go to it (WIB).
    pub usable_from: Option<String>,
    /// Why an operator refused it.
    pub refusal_note: Option<String>,
}

/// (value, label) options of the bank and e-wallet lists.
pub fn bank_options() -> Vec<(String, String)> {
    PayoutBank::ALL
        .iter()
        .map(|bank| (bank.code().to_owned(), format!("{} ({})", bank.label(), bank.code())))
        .collect()
}

pub fn wallet_options() -> Vec<(String, String)> {
    EWallet::ALL
        .iter()
        .map(|wallet| (wallet.code().to_owned(), wallet.label().to_owned()))
        .collect()
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Duration, Utc};
    use sqlx::{PgExecutor, PgPool};
    use uuid::Uuid;

    use super::{AccountStatus, LinkedAccount};
    use crate::{
        domain::{name_match::NameMatch, payout_account::PayoutDestination},
        error::AppError,
    };

    /// The signed-in account's applicant, if they signed up.
    pub struct Participant {
        pub applicant_id: Uuid,
        pub reference: String,
        pub full_name: String,
        pub email: String,
        /// Holds a card that was not revoked: only participants link a payout account.
        pub has_card: bool,
    }

    pub async fn participant(executor: impl PgExecutor<'_>, account_id: Uuid) -> Result<Option<Participant>, AppError> {
        let row = sqlx::query!(
            r#"select a.id, a.reference, a.full_name, u.email,
                      exists (select 1 from cards k where k.applicant_id = a.id and k.revoked_at is null) as "has_card!"
               from applicants a join accounts u on u.id = a.account_id
               where a.account_id = $1"#,
            account_id
        )
        .fetch_optional(executor)
        .await?;
        Ok(row.map(|r| Participant {
            applicant_id: r.id,
            reference: r.reference,
            full_name: r.full_name,
            email: r.email,
            has_card: r.has_card,
        }))
    }

    /// A stored account row.
    pub struct StoredAccount {
        pub id: i64,
        pub destination: Option<PayoutDestination>,
        pub status: AccountStatus,
        pub linked_at: DateTime<Utc>,
        pub usable_from: DateTime<Utc>,
        pub decision_note: Option<String>,
    }

    impl StoredAccount {
        pub fn described(&self) -> String {
            self.destination
                .as_ref()
                .map(PayoutDestination::described)
                .unwrap_or_else(|| "Rekening yang tidak lagi dilayani".to_owned())
        }

        /// As the participant's page shows it at `now`.
        pub fn shown(&self, now: DateTime<Utc>) -> LinkedAccount {
            LinkedAccount {
                described: self.described(),
                status: self.status,
                linked_on: crate::domain::wib::format_wib_date(self.linked_at),
                usable_from: (self.status == AccountStatus::Active && self.usable_from > now)
                    .then(|| crate::domain::wib::format_wib(self.usable_from)),
                refusal_note: (self.status == AccountStatus::Refused)
                    .then(|| self.decision_note.clone())
                    .flatten(),
            }
        }
    }

    pub async fn current(executor: impl PgExecutor<'_>, applicant_id: Uuid) -> Result<Option<StoredAccount>, AppError> {
        let row = sqlx::query!(
            "select id, kind, provider, number, status, linked_at, usable_from, decision_note
             from payout_accounts where applicant_id = $1 and replaced_at is null",
            applicant_id
        )
        .fetch_optional(executor)
        .await?;
        row.map(|r| {
            Ok(StoredAccount {
                id: r.id,
                destination: PayoutDestination::from_stored(&r.kind, &r.provider, &r.number),
                status: AccountStatus::parse(&r.status).ok_or_else(|| AppError::internal("unknown account status"))?,
                linked_at: r.linked_at,
                usable_from: r.usable_from,
                decision_note: r.decision_note,
            })
        })
        .transpose()
    }

    /// What linking did.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Linked {
        /// The same account is already linked (a double click, a resent form): nothing changed.
        Unchanged(AccountStatus),
        Linked {
            status: AccountStatus,
            /// Set when this replaced an account that had been active: the cooling-off's end.
            cooling_off_until: Option<DateTime<Utc>>,
        },
    }

    fn name_match_code(matched: NameMatch) -> &'static str {
        match matched {
            NameMatch::Same => "sama",
            NameMatch::Near => "mirip",
            NameMatch::Different => "beda",
        }
    }

    /// Links `destination` (whose holder the rail named) as the participant's account, in one
    /// transaction: the previous account replaced, the change audited and, when money had been
    /// going elsewhere, a cooling-off period and an email to the participant.
    pub async fn link(
        pool: &PgPool,
        participant: &Participant,
        destination: &PayoutDestination,
        holder_name: &str,
        cooling_off: Duration,
        now: DateTime<Utc>,
    ) -> Result<Linked, AppError> {
        let matched = crate::domain::name_match::compare(&participant.full_name, holder_name);
        let mut tx = pool.begin().await?;
        // One link at a time per participant (two tabs, a double click).
        sqlx::query!(
            "select id from applicants where id = $1 for update",
            participant.applicant_id
        )
        .fetch_one(&mut *tx)
        .await?;
        let before = current(&mut *tx, participant.applicant_id).await?;
        if let Some(before) = &before {
            if before.destination.as_ref() == Some(destination) && before.status != AccountStatus::Refused {
                return Ok(Linked::Unchanged(before.status));
            }
        }
        let was_ever_active = sqlx::query_scalar!(
            r#"select exists (select 1 from payout_accounts where applicant_id = $1 and status = 'aktif') as "x!""#,
            participant.applicant_id
        )
        .fetch_one(&mut *tx)
        .await?;
        let usable_from = if was_ever_active { now + cooling_off } else { now };
        let status = if matched == NameMatch::Same {
            AccountStatus::Active
        } else {
            AccountStatus::Checking
        };
        sqlx::query!(
            "update payout_accounts set replaced_at = $2 where applicant_id = $1 and replaced_at is null",
            participant.applicant_id,
            now
        )
        .execute(&mut *tx)
        .await?;
        let (provider, number) = destination.provider_and_number();
        sqlx::query!(
            "insert into payout_accounts (applicant_id, kind, provider, number, holder_name, name_match, status,
                 linked_at, usable_from)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            participant.applicant_id,
            destination.kind_code(),
            provider,
            number,
            holder_name,
            name_match_code(matched),
            status.code(),
            now,
            usable_from
        )
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &format!("peserta:{}", participant.reference),
            if before.is_some() {
                "payout_accounts.change"
            } else {
                "payout_accounts.link"
            },
            &participant.reference,
            before
                .as_ref()
                .map(|b| serde_json::json!({ "account": b.described(), "status": b.status.code() })),
            Some(serde_json::json!({
                "account": destination.described(),
                "status": status.code(),
                "name_match": name_match_code(matched),
                "usable_from": usable_from,
            })),
        )
        .await?;
        if was_ever_active {
            let body = format!(
                "Rekening pencairan insentif Prakerja Anda ({}) diganti menjadi {} pada {}.\n\n\
                 Demi keamanan, insentif baru dikirim ke rekening ini mulai {}. Jika bukan Anda yang menggantinya, \
                 segera masuk ke Prakerja, ganti kembali rekening Anda, dan hubungi layanan pengaduan.",
                participant.reference,
                destination.described(),
                crate::domain::wib::format_wib(now),
                crate::domain::wib::format_wib(usable_from),
            );
            crate::outbox::db::enqueue_email(
                &mut *tx,
                &participant.email,
                "Rekening pencairan insentif Anda diganti",
                &body,
            )
            .await?;
        }
        if status == AccountStatus::Active {
            release_waiting_payouts(&mut *tx, participant.applicant_id, usable_from).await?;
        }
        tx.commit().await?;
        Ok(Linked::Linked {
            status,
            cooling_off_until: was_ever_active.then_some(usable_from),
        })
    }

    /// Payouts held for want of a usable account are taken again as soon as the account may be
    /// paid into (not a day later, when the job would have looked again).
    pub async fn release_waiting_payouts(
        executor: impl PgExecutor<'_>,
        applicant_id: Uuid,
        usable_from: DateTime<Utc>,
    ) -> Result<(), AppError> {
        sqlx::query!(
            "update incentive_payouts set available_at = $2
             where applicant_id = $1 and sent_at is null and lease_token is null",
            applicant_id,
            usable_from
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// An account waiting for an operator, with both names.
    pub struct AccountToCheck {
        pub id: i64,
        pub reference: String,
        pub applicant_name: String,
        pub holder_name: String,
        pub name_match: String,
        pub destination: Option<PayoutDestination>,
        pub linked_at: DateTime<Utc>,
        pub accounts_before: i64,
    }

    pub async fn to_check(pool: &PgPool, limit: i64) -> Result<Vec<AccountToCheck>, AppError> {
        let rows = sqlx::query!(
            r#"select p.id, a.reference, a.full_name, p.holder_name, p.name_match, p.kind, p.provider, p.number,
                      p.linked_at,
                      (select count(*) from payout_accounts e where e.applicant_id = p.applicant_id and e.id <> p.id)
                          as "accounts_before!"
               from payout_accounts p join applicants a on a.id = p.applicant_id
               where p.status = 'diperiksa' and p.replaced_at is null
               order by p.linked_at, p.id limit $1"#,
            limit
        )
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AccountToCheck {
                id: r.id,
                reference: r.reference,
                applicant_name: r.full_name,
                holder_name: r.holder_name,
                name_match: r.name_match,
                destination: PayoutDestination::from_stored(&r.kind, &r.provider, &r.number),
                linked_at: r.linked_at,
                accounts_before: r.accounts_before,
            })
            .collect())
    }

    /// An operator's decision on an account waiting for one (audited). `None` when it no longer
    /// waits (decided already, or replaced by the participant).
    pub async fn decide(
        pool: &PgPool,
        account_id: i64,
        approve: bool,
        note: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, AppError> {
        let mut tx = pool.begin().await?;
        let status = if approve {
            AccountStatus::Active
        } else {
            AccountStatus::Refused
        };
        let decided = sqlx::query!(
            r#"update payout_accounts p set status = $2, decided_by = $3, decided_at = $4, decision_note = $5
               from applicants a
               where p.id = $1 and a.id = p.applicant_id and p.status = 'diperiksa' and p.replaced_at is null
               returning a.reference, p.applicant_id, p.usable_from, p.name_match"#,
            account_id,
            status.code(),
            actor,
            now,
            note
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(decided) = decided else {
            return Ok(None);
        };
        crate::audit::record(
            &mut *tx,
            actor,
            "payout_accounts.decide",
            &decided.reference,
            Some(serde_json::json!({ "account": account_id, "status": "diperiksa", "name_match": decided.name_match })),
            Some(serde_json::json!({ "account": account_id, "status": status.code(), "note": note })),
        )
        .await?;
        if approve {
            release_waiting_payouts(&mut *tx, decided.applicant_id, decided.usable_from.max(now)).await?;
        }
        tx.commit().await?;
        Ok(Some(decided.reference))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_is_named_beside_its_own_field() {
        let raw = RawPayoutAccount {
            kind: "bank".into(),
            bank: "999".into(),
            number: "12ab".into(),
            ..Default::default()
        };
        let errors = raw.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["bank", "number"]);
        let raw = RawPayoutAccount {
            kind: "dompet".into(),
            wallet: "ovo".into(),
            wallet_number: "12".into(),
            ..Default::default()
        };
        let fields: Vec<String> = raw.parse().unwrap_err().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["wallet_number"]);
        assert_eq!(
            RawPayoutAccount::default().parse().unwrap_err().get("kind"),
            Some("Pilih rekening bank atau dompet digital.")
        );
    }

    #[test]
    fn statuses_read_back_from_their_codes() {
        for status in [AccountStatus::Active, AccountStatus::Checking, AccountStatus::Refused] {
            assert_eq!(AccountStatus::parse(status.code()), Some(status));
        }
        assert_eq!(AccountStatus::parse("dibayar"), None);
    }
}
