//! NIK disputes in the operators' console: each open dispute with the claimant's statement and
//! the record holding the NIK (NIKs masked), granted or refused with a note the claimant reads.
//! Verifiers and program admins; every decision is audited.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsolePage, DecisionForm, Notice};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{error::AppError, forms::Submitted};

#[cfg(feature = "ssr")]
const DECIDE: super::ConsoleForm = super::ConsoleForm::new("dispute-decide", crate::paths::DISPUTES_CONSOLE_PATH);
/// Open disputes listed, oldest first.
#[cfg(feature = "ssr")]
const LISTED: i64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeItem {
    pub id: String,
    pub reference: String,
    pub masked_nik: String,
    pub filed: String,
    pub claimant: String,
    pub statement: String,
    /// The record holding the NIK: reference, masked email, registered when; none if nobody.
    pub holder: Option<String>,
    pub over_same_nik: i64,
}

#[cfg(feature = "ssr")]
const ALLOWED: [crate::operators::OperatorRole; 2] = [
    crate::operators::OperatorRole::Verifier,
    crate::operators::OperatorRole::ProgramAdmin,
];

#[server(prefix = "/api", endpoint = "disputes-console")]
pub async fn load_disputes_console() -> Result<ConsolePage<Vec<DisputeItem>>, AppError> {
    use crate::domain::{EmailAddress, Nik};
    let (state, operator, flash) = super::open_page(&ALLOWED, &[DECIDE.id]).await?;
    let masked_email = |email: &str| EmailAddress::parse(email).map(|e| e.masked()).unwrap_or_default();
    let disputes = crate::signup::dispute::db::open(&state.pool, LISTED)
        .await?
        .into_iter()
        .map(|d| DisputeItem {
            id: d.id.to_string(),
            reference: d.reference,
            masked_nik: Nik::parse(&d.nik).map(|n| n.masked()).unwrap_or_default(),
            filed: crate::domain::wib::format_wib(d.filed_at),
            claimant: masked_email(&d.claimant_email),
            statement: d.statement,
            holder: d.holder_reference.map(|reference| {
                format!(
                    "{reference} · {} · terdaftar {}",
                    d.holder_email.as_deref().map(masked_email).unwrap_or_default(),
                    d.holder_registered_at
                        .map(crate::domain::wib::format_wib)
                        .unwrap_or_default()
                )
            }),
            over_same_nik: d.over_same_nik,
        })
        .collect();
    Ok(ConsolePage::new(operator.identity, flash, disputes))
}

/// Grants or refuses an open dispute, with a note for the claimant.
#[server(prefix = "/api", endpoint = "decide-dispute")]
pub async fn decide_dispute(
    dispute: String,
    decision: String,
    #[server(default)] note: String,
) -> Result<Submitted, AppError> {
    use crate::signup::dispute::db::{self, Decision};
    DECIDE
        .handle(&ALLOWED, async |state, operator| {
            let dispute_id = uuid::Uuid::parse_str(dispute.trim()).map_err(|_| AppError::BadRequest)?;
            let decision = match decision.as_str() {
                "dikabulkan" => Decision::Grant,
                "ditolak" => Decision::Refuse,
                _ => return Err(AppError::BadRequest),
            };
            let field = format!("note-{dispute_id}");
            let values = crate::forms::values([(field.as_str(), note.as_str())]);
            let refuse = |message: &str| DECIDE.refuse(state, FieldErrors::single(&field, message), values.clone());
            let note = match crate::domain::OperatorReason::parse(&note) {
                Ok(note) => note,
                Err(error) => return refuse(&error.to_string()).await,
            };
            let now = state.clock.now();
            let decided = db::decide(
                &state.pool,
                dispute_id,
                decision,
                note.as_str(),
                operator.id,
                &operator.actor(),
                now,
            )
            .await?;
            let Some(reference) = decided else {
                return refuse("Sanggahan ini sudah diputuskan.").await;
            };
            let notice = match decision {
                Decision::Grant => format!("Sanggahan {reference} dikabulkan: NIK dibebaskan untuk pemiliknya."),
                Decision::Refuse => format!("Sanggahan {reference} ditolak; penahanan data pemegang NIK berakhir."),
            };
            DECIDE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

#[component]
pub fn DisputesConsolePage() -> impl IntoView {
    super::console_page(super::DISPUTES, load_disputes_console, |last, disputes| {
        view! {
            <crate::forms::ErrorSummary state=last.form_state()/>
            <Notice notice=last.notice.clone()/>
            <p class="hint">
                "Pemilik NIK menyatakan NIK-nya didaftarkan orang lain. Selama sanggahan terbuka, pendaftaran "
                "pemegang NIK ditahan (tidak ikut diundi, insentif tidak dibayar). Kabulkan bila NIK terbukti milik "
                "pengaju (pendaftaran pemegang dicabut dan NIK dibebaskan); tolak bila milik pemegang."
            </p>
            {super::item_list(disputes, "Tidak ada sanggahan yang menunggu.", |d| view! {
                <li class="queue-item">
                    <strong>{format!("{} · NIK {}", d.reference, d.masked_nik)}</strong>
                    <br/>{format!("Diajukan {} oleh {}", d.filed, d.claimant)}
                    <br/>{match d.holder {
                        Some(holder) => format!("Pemegang NIK: {holder}"),
                        None => "Tidak ada pendaftaran yang memakai NIK ini.".to_owned(),
                    }}
                    {(d.over_same_nik > 1).then(|| view! {
                        <br/><em>{format!("{} sanggahan terbuka atas NIK ini", d.over_same_nik)}</em>
                    })}
                    <p class="review-body">{d.statement}</p>
                    <DecisionForm action=DecideDispute::url() item_name="dispute" item=d.id.clone()
                        reason=last.item_field("note", &d.id) reason_label="Catatan untuk pengaju (wajib)"
                        accept_value="dikabulkan" accept_label="Kabulkan"/>
                </li>
            })}
        }
    })
}
