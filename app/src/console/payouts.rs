//! Payouts in the operators' console: payout accounts whose holder's name is not the
//! participant's, shown side by side and approved or refused (audited), and the daily
//! reconciliations of the ledger with the rail's statement, with every difference.
//! Verifiers and program admins.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsolePage, DecisionForm, Notice};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{error::AppError, forms::Submitted};

#[cfg(feature = "ssr")]
const DECIDE: super::ConsoleForm = super::ConsoleForm::new("payout-account-decide", crate::paths::PAYOUTS_CONSOLE_PATH);
#[cfg(feature = "ssr")]
const LISTED: i64 = 50;
#[cfg(feature = "ssr")]
const RECONCILED_DAYS: i64 = 14;

#[cfg(feature = "ssr")]
const ALLOWED: [crate::operators::OperatorRole; 2] = [
    crate::operators::OperatorRole::Verifier,
    crate::operators::OperatorRole::ProgramAdmin,
];

/// An account waiting for a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountItem {
    pub id: String,
    pub reference: String,
    pub applicant_name: String,
    pub holder_name: String,
    /// "mirip" or "beda".
    pub name_match: String,
    pub account: String,
    pub linked: String,
    pub accounts_before: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutsConsole {
    pub accounts: Vec<AccountItem>,
    pub reconciliations: Vec<crate::payouts::ReconciledDay>,
}

#[server(prefix = "/api", endpoint = "payouts-console")]
pub async fn load_payouts_console() -> Result<ConsolePage<PayoutsConsole>, AppError> {
    let (state, operator, flash) = super::open_page(&ALLOWED, &[DECIDE.id]).await?;
    let accounts = crate::payouts::account::db::to_check(&state.pool, LISTED)
        .await?
        .into_iter()
        .map(|a| AccountItem {
            id: a.id.to_string(),
            reference: a.reference,
            applicant_name: a.applicant_name,
            holder_name: a.holder_name,
            name_match: a.name_match,
            account: a.destination.map(|d| d.described()).unwrap_or_else(|| "—".to_owned()),
            linked: crate::domain::wib::format_wib(a.linked_at),
            accounts_before: a.accounts_before,
        })
        .collect();
    let reconciliations = crate::payouts::reconciliation::recent(&state.pool, RECONCILED_DAYS).await?;
    Ok(ConsolePage::new(
        operator.identity,
        flash,
        PayoutsConsole {
            accounts,
            reconciliations,
        },
    ))
}

/// Approves or refuses a payout account whose holder's name is not the participant's.
#[server(prefix = "/api", endpoint = "decide-payout-account")]
pub async fn decide_payout_account(
    account: String,
    decision: String,
    #[server(default)] note: String,
) -> Result<Submitted, AppError> {
    DECIDE
        .handle(&ALLOWED, async |state, operator| {
            let account_id: i64 = account.trim().parse().map_err(|_| AppError::BadRequest)?;
            let approve = match decision.as_str() {
                "disetujui" => true,
                "ditolak" => false,
                _ => return Err(AppError::BadRequest),
            };
            let field = format!("note-{account_id}");
            let values = crate::forms::values([(field.as_str(), note.as_str())]);
            let refuse = |message: &str| DECIDE.refuse(state, FieldErrors::single(&field, message), values.clone());
            // A refusal says why (the participant reads it); an approval may.
            let note = match (approve, note.trim().is_empty()) {
                (true, true) => None,
                _ => match crate::domain::OperatorReason::parse(&note) {
                    Ok(note) => Some(note),
                    Err(error) => return refuse(&error.to_string()).await,
                },
            };
            let decided = crate::payouts::account::db::decide(
                &state.pool,
                account_id,
                approve,
                note.as_ref().map(|n| n.as_str()),
                &operator.actor(),
                state.clock.now(),
            )
            .await?;
            let Some(reference) = decided else {
                return refuse("Rekening ini sudah diputuskan atau sudah diganti peserta.").await;
            };
            let notice = if approve {
                format!("Rekening {reference} disetujui: insentif dibayar ke rekening ini.")
            } else {
                format!("Rekening {reference} ditolak; peserta diminta menautkan rekening lain.")
            };
            DECIDE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

#[component]
pub fn PayoutsConsolePage() -> impl IntoView {
    super::console_page(super::PAYOUTS, load_payouts_console, |last, content| {
        let PayoutsConsole {
            accounts,
            reconciliations,
        } = content;
        view! {
            <crate::forms::ErrorSummary state=last.form_state()/>
            <Notice notice=last.notice.clone()/>
            <h2>"Rekening yang perlu diperiksa"</h2>
            <p class="hint">
                "Nama pemilik rekening menurut bank tidak sama dengan nama peserta. Setujui bila keduanya orang yang sama "
                "(salah ketik, singkatan, gelar); tolak bila rekening milik orang lain. Keputusan dicatat."
            </p>
            {super::item_list(accounts, "Tidak ada rekening yang menunggu.", |a| view! {
                <li class="queue-item">
                    <strong>{format!("{} · {}", a.reference, a.account)}</strong>
                    <br/>{format!("Ditautkan {}", a.linked)}
                    {(a.accounts_before > 0).then(|| view! {
                        <br/><em>{format!("Peserta ini sudah {} kali menautkan rekening lain", a.accounts_before)}</em>
                    })}
                    <table class="side-by-side">
                        <thead><tr><th scope="col">""</th><th scope="col">"Peserta"</th><th scope="col">"Bank"</th></tr></thead>
                        <tbody>
                            <tr data-same="false">
                                <th scope="row">"Nama"</th><td>{a.applicant_name}</td><td>{a.holder_name}</td>
                            </tr>
                        </tbody>
                    </table>
                    <p>{if a.name_match == "mirip" { "Namanya mirip." } else { "Namanya berbeda." }}</p>
                    <DecisionForm action=DecidePayoutAccount::url() item_name="account" item=a.id.clone()
                        reason=last.item_field("note", &a.id) reason_label="Catatan (wajib bila ditolak; dibaca peserta)"
                        accept_value="disetujui" accept_label="Setujui"/>
                </li>
            })}
            <h2>"Rekonsiliasi harian dengan rail pembayaran"</h2>
            {if reconciliations.is_empty() {
                view! { <p>"Belum ada rekonsiliasi."</p> }.into_any()
            } else {
                view! {
                    <ul class="reconciliations">
                        {reconciliations.into_iter().map(|day| view! {
                            <li>
                                <strong>{day.day.clone()}</strong>
                                {format!(
                                    " · {} transfer di rail, {} di buku · dijalankan {} · ",
                                    day.rail_transfers, day.ledger_transfers, day.ran_at
                                )}
                                {if day.differences.is_empty() {
                                    view! { <span data-reconciliation="cocok">"cocok"</span> }.into_any()
                                } else {
                                    view! {
                                        <span data-reconciliation="selisih">{format!("{} selisih", day.differences.len())}</span>
                                        <div class="table-scroll">
                                            <table>
                                                <thead><tr><th scope="col">"Referensi"</th><th scope="col">"Selisih"</th><th scope="col">"Buku"</th><th scope="col">"Rail"</th></tr></thead>
                                                <tbody>
                                                    {day.differences.into_iter().map(|(reference, kind, ledger, rail)| view! {
                                                        <tr><td><code>{reference}</code></td><td>{kind}</td><td>{ledger}</td><td>{rail}</td></tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }
    })
}
