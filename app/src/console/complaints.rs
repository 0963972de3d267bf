//! The complaints queue (every operator): open complaints, soonest due first, each with the
//! record it is about and its thread; an operator replies, or closes it with an outcome and a
//! note the applicant reads. Each step audited and emailed to the applicant.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, ConsolePage, LastPost, Notice};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{
    complaints::{ComplaintItem, ComplaintView},
    domain::complaint::{ComplaintCategory, ComplaintOutcome},
    error::AppError,
    forms::{ErrorSummary, Submitted},
};

#[cfg(feature = "ssr")]
const HANDLE: super::ConsoleForm = super::ConsoleForm::new("complaint-handle", crate::paths::COMPLAINTS_CONSOLE_PATH);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintsConsole {
    pub category: String,
    pub open: Vec<ComplaintView>,
}

#[server(prefix = "/api", endpoint = "complaints-console")]
pub async fn load_complaints_console(category: String) -> Result<ConsolePage<ComplaintsConsole>, AppError> {
    let (state, operator, flash) = super::open_page(super::ANY_OPERATOR, &[HANDLE.id]).await?;
    let chosen = ComplaintCategory::parse(&category).ok();
    let open = crate::complaints::db::open_queue(&state.pool, chosen, state.clock.now()).await?;
    Ok(ConsolePage::new(
        operator.identity,
        flash,
        ComplaintsConsole {
            category: chosen.map(|c| c.code().to_owned()).unwrap_or_default(),
            open,
        },
    ))
}

/// A reply (`action` = `jawab`) or the close with an outcome (`action` = `tutup`).
#[server(prefix = "/api", endpoint = "handle-complaint")]
pub async fn handle_complaint(
    complaint: String,
    action: String,
    #[server(default)] text: String,
    #[server(default)] outcome: String,
) -> Result<Submitted, AppError> {
    use crate::{
        complaints::db::{self, Handling},
        domain::complaint::ComplaintText,
    };
    HANDLE
        .handle(super::ANY_OPERATOR, async |state, operator| {
            let reference = complaint.trim().to_owned();
            let text_field = format!("text-{reference}");
            let outcome_field = format!("outcome-{reference}");
            let values = crate::forms::values([
                (text_field.as_str(), text.as_str()),
                (outcome_field.as_str(), outcome.as_str()),
            ]);
            let mut errors = FieldErrors::new();
            let parsed_text = errors.check(&text_field, ComplaintText::parse(&text));
            let handling = match action.as_str() {
                "jawab" => parsed_text.map(Handling::Reply),
                "tutup" => {
                    let parsed_outcome = errors.check(&outcome_field, ComplaintOutcome::parse(&outcome));
                    parsed_text
                        .zip(parsed_outcome)
                        .map(|(text, outcome)| Handling::Close(outcome, text))
                }
                _ => return Err(AppError::BadRequest),
            };
            let Some(handling) = handling else {
                return HANDLE.refuse(state, errors, values).await;
            };
            let closing = matches!(handling, Handling::Close(..));
            if !db::handle(&state.pool, &reference, handling, &operator.actor(), state.clock.now()).await? {
                let errors =
                    FieldErrors::single(crate::forms::FORM_ERROR, "Pengaduan itu sudah ditutup atau tidak ada.");
                return HANDLE.refuse(state, errors, Default::default()).await;
            }
            let notice = if closing {
                format!("Pengaduan {reference} ditutup; peserta diberi tahu lewat email.")
            } else {
                format!("Jawaban untuk {reference} terkirim.")
            };
            HANDLE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

#[component]
pub fn ComplaintsConsolePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || query.with(|q| q.get("kategori").unwrap_or_default()),
        load_complaints_console,
    );
    view! {
        <Title text=super::COMPLAINTS.title/>
        <h1>{super::COMPLAINTS.heading}</h1>
        {crate::forms::loaded(page, |page| {
            let ConsolePage { operator, last, content } = page;
            view! {
                <ConsoleNav identity=operator/>
                <ComplaintsQueue last content/>
            }
        })}
    }
}

#[component]
fn ComplaintsQueue(last: LastPost, content: ComplaintsConsole) -> impl IntoView {
    let form = last.form_state();
    view! {
        <ErrorSummary state=form/>
        <Notice notice=last.notice.clone()/>
        <form method="get" action=crate::paths::COMPLAINTS_CONSOLE_PATH class="audit-filter">
            <div class="field">
                <label for="kategori">"Kategori"</label>
                <select id="kategori" name="kategori">
                    <option value="">"Semua"</option>
                    {ComplaintCategory::ALL.iter().map(|c| view! {
                        <option value=c.code() selected=c.code() == content.category>{c.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button button-secondary">"Saring"</button>
        </form>
        {if content.open.is_empty() {
            view! { <p>"Tidak ada pengaduan terbuka."</p> }.into_any()
        } else {
            view! {
                <ul class="complaints">
                    {content.open.into_iter().map(|c| {
                        let reference = c.reference.clone();
                        let text = last.item_field("text", &reference);
                        let outcome = last.item_field("outcome", &reference);
                        view! {
                            <ComplaintItem complaint=c/>
                            <li class="complaint-handling">
                                <form method="post" action=HandleComplaint::url()>
                                    <input type="hidden" name="complaint" value=reference.clone()/>
                                    <ItemTextArea field=text label=format!("Jawaban atau catatan penutup untuk {reference}")/>
                                    <ItemOutcome field=outcome/>
                                    <button type="submit" name="action" value="jawab" class="button">"Kirim jawaban"</button>
                                    " "
                                    <button type="submit" name="action" value="tutup" class="button button-secondary">"Tutup dengan hasil"</button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn ItemTextArea(field: super::ItemField, label: String) -> impl IntoView {
    let super::ItemField { id, error, typed, .. } = field;
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            {error.map(|message| view! {
                <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Kesalahan: "</span>{message}</p>
            })}
            <textarea id=id.clone() name="text" rows="4" maxlength="2000" aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{id}-error"))>{typed}</textarea>
        </div>
    }
}

#[component]
fn ItemOutcome(field: super::ItemField) -> impl IntoView {
    let super::ItemField { id, error, typed, .. } = field;
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>"Hasil (bila ditutup)"</label>
            {error.map(|message| view! {
                <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Kesalahan: "</span>{message}</p>
            })}
            <select id=id.clone() name="outcome" aria-invalid=invalid.then_some("true")>
                <option value="">"Pilih hasil"</option>
                {ComplaintOutcome::ALL.iter().map(|o| view! {
                    <option value=o.code() selected=o.code() == typed>{o.label()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
