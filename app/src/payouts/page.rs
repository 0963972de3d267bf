//! The participant's incentive page: the payout account (linked or changed here) and each
//! installment, due, sent, paid, or refused with the rail's reason.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::account::{bank_options, wallet_options, AccountStatus, LinkedAccount, RawPayoutAccount};
use crate::{
    domain::{FieldErrors, Rupiah},
    error::AppError,
    forms::{
        ChoiceField, ErrorSummary, FormState, FormValues, ProgressiveForm, SelectField, SubmissionStatus, Submitted,
        TextField,
    },
};

#[cfg(feature = "ssr")]
const ACCOUNT_FORM: &str = "rekening-pencairan";

/// Where one installment stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstallmentState {
    NotYetDue,
    /// Due; and why it waits, if it does (no usable account, say).
    Due(Option<String>),
    /// Handed to the bank; its answer is awaited.
    Sent,
    /// Paid on this date (WIB).
    Paid(String),
    /// The bank refused the last transfer, for this reason; it is tried again.
    Refused(String),
    Cancelled(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentLine {
    pub number: i16,
    pub amount: Rupiah,
    pub due_on: String,
    pub state: InstallmentState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentivePageData {
    /// Holds a card: only participants link an account.
    pub participant: bool,
    pub account: Option<LinkedAccount>,
    pub installments: Vec<InstallmentLine>,
    pub cooling_off_hours: i64,
    pub notice: Option<String>,
    pub errors: FieldErrors,
    pub typed: RawPayoutAccount,
}

#[server(prefix = "/api", endpoint = "incentive-page")]
pub async fn load_incentive_page() -> Result<IncentivePageData, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::INCENTIVE_PATH).await?;
    let participant = super::account::db::participant(&state.pool, account_id).await?;
    let flash = session.flash_for(&state.pool, ACCOUNT_FORM).await?;
    let value = |name: &str| flash.values.get(name).cloned().unwrap_or_default();
    let now = state.clock.now();
    let (account, installments) = match &participant {
        Some(p) => (
            super::account::db::current(&state.pool, p.applicant_id)
                .await?
                .map(|a| a.shown(now)),
            db::installments(&state.pool, p.applicant_id, now).await?,
        ),
        None => (None, Vec::new()),
    };
    Ok(IncentivePageData {
        participant: participant.is_some_and(|p| p.has_card),
        account,
        installments,
        cooling_off_hours: state.settings.payout_cooling_off.num_hours(),
        notice: flash.notice.clone(),
        typed: RawPayoutAccount {
            kind: value("kind"),
            bank: value("bank"),
            number: value("number"),
            wallet: value("wallet"),
            wallet_number: value("wallet_number"),
        },
        errors: flash.errors,
    })
}

/// Payout-account inquiries per participant a day: each asks the rail for a holder's name, and
/// its answer (found or not, the same name or not) says something about someone's account.
#[cfg(feature = "ssr")]
pub const INQUIRIES_PER_ACCOUNT: crate::rate_limit::Limit = crate::rate_limit::Limit {
    name: "payout-inquiry-account",
    max_hits: 5,
    window: chrono::Duration::hours(24),
};

/// Links (or changes) the participant's payout account. A resent form for the account already
/// linked changes nothing.
#[server(prefix = "/api", endpoint = "link-payout-account")]
pub async fn link_payout_account(account: RawPayoutAccount) -> Result<Submitted, AppError> {
    use super::account::db::{self as accounts, Linked};
    let form_path = crate::paths::INCENTIVE_PATH;
    crate::forms::handle_post(ACCOUNT_FORM, form_path, async |state| {
        let (session, account_id) = crate::session::require_account(state, form_path).await?;
        let values = crate::forms::values([
            ("kind", account.kind.as_str()),
            ("bank", account.bank.as_str()),
            ("number", account.number.as_str()),
            ("wallet", account.wallet.as_str()),
            ("wallet_number", account.wallet_number.as_str()),
        ]);
        let refuse = async |errors: FieldErrors| {
            crate::forms::reply(
                state,
                ACCOUNT_FORM,
                form_path,
                Submitted::Invalid(errors),
                values.clone(),
            )
            .await
        };
        let participant = match accounts::participant(&state.pool, account_id).await? {
            Some(p) if p.has_card => p,
            _ => {
                let message = "Rekening pencairan hanya untuk peserta yang sudah menerima Kartu Prakerja.";
                return refuse(FieldErrors::single(crate::forms::FORM_ERROR, message)).await;
            }
        };
        let destination = match account.parse() {
            Ok(destination) => destination,
            Err(errors) => return refuse(errors).await,
        };
        let number_field = if destination.kind_code() == "bank" {
            "number"
        } else {
            "wallet_number"
        };
        // The same account again (a double click, a resent form) is not asked about again.
        let current = accounts::current(&state.pool, participant.applicant_id).await?;
        let unchanged = current
            .as_ref()
            .is_some_and(|c| c.destination.as_ref() == Some(&destination) && c.status != AccountStatus::Refused);
        if !unchanged {
            let subject = participant.applicant_id.to_string();
            if let Some(wait) = crate::rate_limit::hit(state, &INQUIRIES_PER_ACCOUNT, &subject).await? {
                let hours = wait.div_ceil(3600);
                let message = format!(
                    "Anda sudah {} kali mencoba menautkan rekening hari ini. Coba lagi dalam {hours} jam.",
                    INQUIRIES_PER_ACCOUNT.max_hits
                );
                return refuse(FieldErrors::single(number_field, message)).await;
            }
        }
        let holder = if unchanged {
            None
        } else {
            let rail = state.services.get::<super::rail::HttpRail>()?;
            match super::rail::PayoutRail::inquire(rail, &destination).await {
                Ok(Some(holder)) => Some(holder),
                Ok(None) => {
                    let message = if number_field == "number" {
                        "Rekening ini tidak ditemukan di bank yang dipilih. Periksa nomor rekening dan banknya."
                    } else {
                        "Dompet digital dengan nomor ini tidak ditemukan. Periksa nomornya dan penyedianya."
                    };
                    return refuse(FieldErrors::single(number_field, message)).await;
                }
                Err(error) => {
                    tracing::warn!(%error, "payout rail inquiry failed");
                    let message = "Layanan bank sedang tidak dapat dihubungi, jadi rekening belum tersimpan. \
                                   Coba lagi beberapa menit lagi.";
                    return refuse(FieldErrors::single(crate::forms::FORM_ERROR, message)).await;
                }
            }
        };
        let now = state.clock.now();
        let outcome = match holder {
            None => Linked::Unchanged(current.map_or(AccountStatus::Active, |c| c.status)),
            Some(holder) => {
                accounts::link(
                    &state.pool,
                    &participant,
                    &destination,
                    &holder,
                    state.settings.payout_cooling_off,
                    now,
                )
                .await?
            }
        };
        let described = destination.described();
        let notice = match outcome {
            Linked::Unchanged(_) => format!("Rekening {described} sudah tersambung; tidak ada yang berubah."),
            Linked::Linked {
                status: AccountStatus::Active,
                cooling_off_until,
            } => match cooling_off_until {
                None => format!("Rekening {described} tersambung atas nama Anda. Insentif dibayar ke rekening ini."),
                Some(until) => format!(
                    "Rekening diganti menjadi {described}. Demi keamanan, insentif dibayar ke rekening ini mulai {}; \
                     kami juga mengirim pemberitahuan ke email Anda.",
                    crate::domain::wib::format_wib(until)
                ),
            },
            Linked::Linked { .. } => format!(
                "Nama pemilik rekening {described} tidak sama dengan nama Anda di Prakerja, jadi petugas memeriksanya \
                 dulu (biasanya 1-2 hari kerja). Insentif dibayar setelah rekening disetujui."
            ),
        };
        crate::forms::accepted_with_notice(state, &session, ACCOUNT_FORM, form_path, notice, Default::default()).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Utc};
    use sqlx::PgExecutor;
    use uuid::Uuid;

    use super::{InstallmentLine, InstallmentState};
    use crate::{domain::Rupiah, error::AppError};

    pub async fn installments(
        executor: impl PgExecutor<'_>,
        applicant_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<InstallmentLine>, AppError> {
        let rows = sqlx::query!(
            r#"select i.installment, i.amount, i.due_at, i.cancelled_reason, p.applicant_id as "queued?",
                      p.sent_at as "paid_at?", p.held_reason as "held_reason?",
                      exists (select 1 from incentive_transfers t
                              where t.applicant_id = i.applicant_id and t.installment = i.installment
                                and t.outcome is null) as "in_flight!",
                      (select t.refusal_reason from incentive_transfers t
                       where t.applicant_id = i.applicant_id and t.installment = i.installment and t.outcome = 'ditolak'
                       order by t.settled_at desc limit 1) as last_refusal
               from incentive_installments i
               left join incentive_payouts p on p.applicant_id = i.applicant_id and p.installment = i.installment
               where i.applicant_id = $1
               order by i.installment"#,
            applicant_id
        )
        .fetch_all(executor)
        .await?;
        rows.into_iter()
            .map(|r| {
                let state = if let Some(reason) = r.cancelled_reason {
                    InstallmentState::Cancelled(reason)
                } else if let Some(paid_at) = r.paid_at {
                    InstallmentState::Paid(crate::domain::wib::format_wib_date(paid_at))
                } else if r.in_flight {
                    InstallmentState::Sent
                } else if let Some(reason) = r.last_refusal {
                    InstallmentState::Refused(reason)
                } else if r.queued.is_some() || r.due_at <= now {
                    InstallmentState::Due(r.held_reason)
                } else {
                    InstallmentState::NotYetDue
                };
                Ok(InstallmentLine {
                    number: r.installment,
                    amount: Rupiah::from_whole(r.amount).ok_or_else(|| AppError::internal("amount out of range"))?,
                    due_on: crate::domain::wib::format_wib_date(r.due_at),
                    state,
                })
            })
            .collect()
    }
}

#[component]
pub fn IncentivePage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_incentive_page());
    view! {
        <Title text="Insentif dan rekening — Prakerja"/>
        <h1>"Insentif dan rekening pencairan"</h1>
        {crate::forms::loaded(page, |page| {
            let IncentivePageData { participant, account, installments, cooling_off_hours, notice, errors, typed } = page;
            view! {
                {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                {if participant {
                    view! {
                        <AccountSection account cooling_off_hours/>
                        <AccountFormBody errors typed/>
                    }.into_any()
                } else {
                    view! {
                        // A post from someone without a card (a stale tab, a script) is answered here.
                        {errors.iter().map(|e| view! { <p class="notice" role="alert">{e.message.clone()}</p> }).collect_view()}
                        <p>"Rekening pencairan ditautkan setelah Anda menerima Kartu Prakerja."</p>
                    }.into_any()
                }}
                <Installments installments/>
                <p><a href=crate::paths::DASHBOARD_PATH>"‹ Kembali ke dasbor"</a></p>
            }
        })}
    }
}

#[component]
fn AccountSection(account: Option<LinkedAccount>, cooling_off_hours: i64) -> impl IntoView {
    view! {
        <section aria-labelledby="rekening-heading">
            <h2 id="rekening-heading">"Rekening pencairan"</h2>
            {match account {
                None => view! {
                    <p data-account="belum-ada">"Belum ada rekening. Tautkan rekening bank atau dompet digital atas nama Anda sendiri: insentif hanya dibayar ke rekening yang nama pemiliknya sama dengan nama Anda di Prakerja."</p>
                }.into_any(),
                Some(account) => {
                    let status = match account.status {
                        AccountStatus::Active => match &account.usable_from {
                            None => "Aktif: insentif dibayar ke rekening ini.".to_owned(),
                            Some(from) => format!("Aktif mulai {from} (masa tunggu setelah rekening diganti)."),
                        },
                        AccountStatus::Checking => "Sedang diperiksa petugas, karena nama pemiliknya tidak sama dengan nama Anda.".to_owned(),
                        AccountStatus::Refused => format!(
                            "Ditolak petugas: {}. Tautkan rekening lain atas nama Anda.",
                            account.refusal_note.clone().unwrap_or_default()
                        ),
                    };
                    view! {
                        <dl class="facts">
                            <div><dt>"Rekening"</dt><dd>{account.described.clone()}</dd></div>
                            <div><dt>"Ditautkan"</dt><dd>{account.linked_on.clone()}</dd></div>
                            <div><dt>"Status"</dt><dd data-account=account.status.code()>{status}</dd></div>
                        </dl>
                        <p class="hint">{format!(
                            "Mengganti rekening menunda pembayaran berikutnya {cooling_off_hours} jam, dan kami mengirim pemberitahuan ke email Anda."
                        )}</p>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Installments(installments: Vec<InstallmentLine>) -> impl IntoView {
    view! {
        <section aria-labelledby="angsuran-heading">
            <h2 id="angsuran-heading">"Pembayaran insentif"</h2>
            {if installments.is_empty() {
                view! { <p>"Insentif dijadwalkan setelah pelatihan pertama Anda selesai dan Anda menulis ulasannya."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="installments">
                            <thead><tr><th scope="col">"Ke-"</th><th scope="col">"Jumlah"</th><th scope="col">"Jatuh tempo"</th><th scope="col">"Status"</th></tr></thead>
                            <tbody>
                                {installments.into_iter().map(|line| {
                                    let (code, words) = match line.state {
                                        InstallmentState::NotYetDue => ("belum", "Belum jatuh tempo".to_owned()),
                                        InstallmentState::Due(None) => ("jatuh-tempo", "Jatuh tempo: segera dikirim".to_owned()),
                                        InstallmentState::Due(Some(reason)) => ("jatuh-tempo", format!("Jatuh tempo, menunggu: {reason}")),
                                        InstallmentState::Sent => ("dikirim", "Dikirim ke bank, menunggu konfirmasi".to_owned()),
                                        InstallmentState::Paid(on) => ("dibayar", format!("Dibayar {on}")),
                                        InstallmentState::Refused(reason) => ("ditolak", format!("Ditolak bank: {reason} Dicoba lagi; periksa rekening Anda.")),
                                        InstallmentState::Cancelled(reason) => ("dibatalkan", format!("Dibatalkan: {reason}")),
                                    };
                                    let about = crate::domain::complaint::About::Installment(line.number);
                                    view! {
                                        <tr data-installment=line.number data-state=code>
                                            <td>{line.number}</td>
                                            <td>{line.amount.to_string()}</td>
                                            <td>{line.due_on}</td>
                                            <td>{words}" "<a href=crate::paths::new_complaint_path(&about)>"Adukan"</a></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The account form, rendered by the server; its behaviour is the island.
#[component]
fn AccountFormBody(errors: FieldErrors, typed: RawPayoutAccount) -> impl IntoView {
    let shown = RwSignal::new(errors.clone());
    let chosen = if typed.kind.is_empty() {
        vec![]
    } else {
        vec![typed.kind.clone()]
    };
    view! {
        <section aria-labelledby="tautkan-heading">
            <h2 id="tautkan-heading">"Tautkan atau ganti rekening"</h2>
            <AccountForm errors>
                <ChoiceField id="kind" name="account[kind]".into() legend="Jenis rekening"
                    options=vec![("bank".to_owned(), "Rekening bank".to_owned()), ("dompet".to_owned(), "Dompet digital (e-wallet)".to_owned())]
                    chosen errors=shown/>
                <fieldset class="group">
                    <legend>"Rekening bank"</legend>
                    <SelectField id="bank" name="account[bank]".into() label="Bank" value=typed.bank options=bank_options() errors=shown/>
                    <TextField id="number" name="account[number]".into() label="Nomor rekening" value=typed.number
                        hint="8 sampai 16 angka, seperti tertulis di buku tabungan." inputmode="numeric" autocomplete="off" maxlength=24 errors=shown/>
                </fieldset>
                <fieldset class="group">
                    <legend>"Dompet digital"</legend>
                    <SelectField id="wallet" name="account[wallet]".into() label="Penyedia" value=typed.wallet options=wallet_options() errors=shown/>
                    <TextField id="wallet_number" name="account[wallet_number]".into() label="Nomor HP yang terdaftar" value=typed.wallet_number
                        hint="Contoh: 0812 3456 7890." input_type="tel" inputmode="tel" autocomplete="off" maxlength=20 errors=shown/>
                </fieldset>
                <button type="submit" class="button">"Periksa dan tautkan"</button>
            </AccountForm>
        </section>
    }
}

/// The account form's behaviour: with WASM its fields are checked as they are filled, by the
/// same `RawPayoutAccount::parse` the server runs. Fetched by this page only.
#[island(lazy)]
fn AccountForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let validate = Callback::new(|values: FormValues| {
        let raw = RawPayoutAccount {
            kind: values.get("account[kind]").to_owned(),
            bank: values.get("account[bank]").to_owned(),
            number: values.get("account[number]").to_owned(),
            wallet: values.get("account[wallet]").to_owned(),
            wallet_number: values.get("account[wallet_number]").to_owned(),
        };
        raw.parse().err().unwrap_or_default()
    });
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=LinkPayoutAccount::url() id="rekening" state validate>
            {children()}
        </ProgressiveForm>
    }
}
