//! Pengaduan: an applicant files a complaint from the page it is about (the wave's outcome, a
//! purchase, an installment …), the record attached by the server after checking it is theirs;
//! operators answer within five working days (WIB, the program's holidays skipped) and close it
//! with an outcome; the applicant reads every answer here and by email. A complaint posted
//! after the session expired is filed at the next sign-in, as it was typed; a resent form is
//! the same complaint. Every step is audited.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub use crate::domain::complaint::About;
use crate::{
    domain::{complaint::ComplaintCategory, FieldErrors},
    error::AppError,
    forms::{ErrorSummary, FormState, SelectField, Submitted, TextAreaField},
};

#[cfg(feature = "ssr")]
pub mod db;

/// The complaint form's name (its flash, and a form carried across a sign-in).
pub const FORM: &str = "pengaduan";

/// One message of a complaint's thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// "Anda" or "Petugas Prakerja" (operators are not named to applicants).
    pub from: String,
    pub written_at: String,
    pub body: String,
}

/// A complaint as its applicant (or an operator) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintView {
    pub reference: String,
    pub category: String,
    pub about: Option<String>,
    pub filed_at: String,
    pub answer_due: String,
    pub overdue: bool,
    /// "menunggu jawaban", "dijawab" or the outcome when closed.
    pub status: String,
    pub closed: bool,
    pub messages: Vec<Message>,
}

/// The complaint form as posted (all text: what was typed is kept whatever it is).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawComplaint {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub about: String,
    #[serde(default)]
    pub body: String,
    /// Made when the form was shown: a resent form carries the same.
    #[serde(default)]
    pub key: String,
}

/// The complaint form, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewComplaint {
    pub category: ComplaintCategory,
    pub about: Option<About>,
    pub body: crate::domain::complaint::ComplaintText,
    pub key: uuid::Uuid,
}

impl RawComplaint {
    pub fn parse(&self) -> Result<NewComplaint, FieldErrors> {
        let mut errors = FieldErrors::new();
        let category = errors.check("category", ComplaintCategory::parse(&self.category));
        let body = errors.check("body", crate::domain::complaint::ComplaintText::parse(&self.body));
        let key = uuid::Uuid::parse_str(self.key.trim()).ok();
        if key.is_none() {
            errors.push(
                crate::forms::FORM_ERROR,
                "Formulir ini tidak lengkap. Muat ulang halamannya.",
            );
        }
        match (category, body, key) {
            (Some(category), Some(body), Some(key)) => Ok(NewComplaint {
                category,
                about: About::parse(&self.about),
                body,
                key,
            }),
            _ => Err(errors),
        }
    }

    pub fn values(&self) -> std::collections::BTreeMap<String, String> {
        crate::forms::values([
            ("category", self.category.as_str()),
            ("about", self.about.as_str()),
            ("body", self.body.as_str()),
            ("key", self.key.as_str()),
        ])
    }
}

/// The new-complaint page: the form, and the record it is about as the server found it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewComplaintPage {
    pub typed: RawComplaint,
    /// What the attached record says, when it is the applicant's.
    pub about_summary: Option<String>,
    pub answer_within: String,
    pub errors: FieldErrors,
}

#[server(prefix = "/api", endpoint = "new-complaint-page")]
pub async fn load_new_complaint(about: String) -> Result<NewComplaintPage, AppError> {
    let state = crate::state::app_state()?;
    let return_to = format!("{}?tentang={about}", crate::paths::NEW_COMPLAINT_PATH);
    let (session, account_id) = crate::session::require_account(&state, &return_to).await?;
    let flash = session.flash_for(&state.pool, FORM).await?;
    let refused = !flash.errors.is_empty();
    let mut typed: RawComplaint =
        serde_json::from_value(serde_json::to_value(&flash.values).map_err(AppError::internal)?).unwrap_or_default();
    let about_record = if refused {
        About::parse(&typed.about)
    } else {
        About::parse(&about)
    };
    let summary = match &about_record {
        Some(record) => db::summary(&state.pool, account_id, record).await?,
        None => None,
    };
    if !refused {
        typed = RawComplaint {
            category: about_record
                .as_ref()
                .map(|a| a.category().code().to_owned())
                .unwrap_or_default(),
            about: summary
                .as_ref()
                .and(about_record.as_ref())
                .map(About::code)
                .unwrap_or_default(),
            body: String::new(),
            key: uuid::Uuid::new_v4().to_string(),
        };
    }
    Ok(NewComplaintPage {
        typed,
        about_summary: summary,
        answer_within: format!("{} hari kerja", crate::domain::complaint::ANSWER_WITHIN_WORKING_DAYS),
        errors: flash.errors,
    })
}

/// Complaints filed per account a day.
#[cfg(feature = "ssr")]
const COMPLAINTS_PER_DAY: crate::rate_limit::Limit = crate::rate_limit::Limit {
    name: "complaints-account",
    max_hits: 10,
    window: chrono::Duration::hours(24),
};

/// Files a complaint. Posted while signed out (the session expired while typing), it is kept
/// and filed at the next sign-in.
#[server(prefix = "/api", endpoint = "file-complaint")]
pub async fn file_complaint(complaint: RawComplaint) -> Result<Submitted, AppError> {
    let form_path = crate::paths::NEW_COMPLAINT_PATH;
    crate::forms::handle_post(FORM, form_path, async |state| {
        let parsed = match complaint.parse() {
            Ok(parsed) => parsed,
            Err(errors) => {
                return crate::forms::reply(state, FORM, form_path, Submitted::Invalid(errors), complaint.values())
                    .await
            }
        };
        let carried = || {
            let values = serde_json::to_value(&complaint).map_err(AppError::internal)?;
            Ok(Some(crate::session::CarriedForm {
                form: FORM.to_owned(),
                values,
            }))
        };
        let (session, account_id) =
            crate::session::require_account_carrying(state, crate::paths::COMPLAINTS_PATH, carried).await?;
        // Each complaint is read by a person and answered by email: a script does not file a
        // thousand.
        if let Some(wait) = crate::rate_limit::hit(state, &COMPLAINTS_PER_DAY, &account_id.to_string()).await? {
            let message = format!(
                "Anda sudah mengajukan {} pengaduan hari ini. Coba lagi dalam {} jam, atau tambahkan ke pengaduan yang ada.",
                COMPLAINTS_PER_DAY.max_hits,
                wait.div_ceil(3600)
            );
            let errors = FieldErrors::single("body", message);
            return crate::forms::reply(state, FORM, form_path, Submitted::Invalid(errors), complaint.values()).await;
        }
        let mut conn = state.pool.acquire().await?;
        let filed = db::file(&mut conn, account_id, &parsed, state.clock.now()).await?;
        let notice =
            format!("Pengaduan {filed} tercatat. Jawaban petugas tampil di halaman ini dan dikirim ke email Anda.");
        crate::forms::accepted_with_notice(
            state,
            &session,
            FORM,
            crate::paths::COMPLAINTS_PATH,
            notice,
            Default::default(),
        )
        .await
    })
    .await
}

/// A complaint carried across a sign-in is filed for the account that signed in.
#[cfg(feature = "ssr")]
pub async fn adopt_carried(
    conn: &mut sqlx::PgConnection,
    account_id: uuid::Uuid,
    carried: &crate::session::CarriedForm,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let Ok(raw) = serde_json::from_value::<RawComplaint>(carried.values.clone()) else {
        return Ok(());
    };
    if let Ok(parsed) = raw.parse() {
        db::file(conn, account_id, &parsed, now).await?;
    }
    Ok(())
}

/// The applicant's complaints, and what the last one filed left to say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintsPageData {
    pub notice: Option<String>,
    pub complaints: Vec<ComplaintView>,
}

#[server(prefix = "/api", endpoint = "complaints-page")]
pub async fn load_complaints() -> Result<ComplaintsPageData, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::COMPLAINTS_PATH).await?;
    let flash = session.flash_for(&state.pool, FORM).await?;
    Ok(ComplaintsPageData {
        notice: flash.notice,
        complaints: db::of_account(&state.pool, account_id, state.clock.now()).await?,
    })
}

#[component]
pub fn ComplaintsPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_complaints());
    view! {
        <Title text="Pengaduan — Prakerja"/>
        <h1>"Pengaduan"</h1>
        <p>{format!(
            "Setiap pengaduan dijawab petugas paling lambat {} hari kerja (WIB, hari libur tidak dihitung). Jawaban juga dikirim ke email Anda.",
            crate::domain::complaint::ANSWER_WITHIN_WORKING_DAYS
        )}</p>
        <p><a class="button" href=crate::paths::NEW_COMPLAINT_PATH>"Ajukan pengaduan baru"</a></p>
        {crate::forms::loaded(page, |page: ComplaintsPageData| {
            let ComplaintsPageData { notice, complaints } = page;
            view! {
                {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                {if complaints.is_empty() {
                    view! { <p>"Anda belum pernah mengajukan pengaduan."</p> }.into_any()
                } else {
                    view! {
                        <ul class="complaints">
                            {complaints.into_iter().map(|c| view! { <ComplaintItem complaint=c/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            }
        })}
        <p><a href=crate::paths::DASHBOARD_PATH>"‹ Kembali ke dasbor"</a></p>
    }
}

/// A complaint and its thread (the applicant's page and the operators' queue show the same).
#[component]
pub fn ComplaintItem(complaint: ComplaintView) -> impl IntoView {
    let ComplaintView {
        reference,
        category,
        about,
        filed_at,
        answer_due,
        overdue,
        status,
        closed,
        messages,
    } = complaint;
    view! {
        <li class="complaint" id=reference.clone() data-complaint=reference.clone() data-closed=closed.to_string()>
            <h2>{format!("{reference} · {category}")}</h2>
            <p class="meta">
                {format!("Diajukan {filed_at} · ")}
                <span data-status="">{status}</span>
                {(!closed).then(|| format!(" · dijawab paling lambat {answer_due}"))}
                {(overdue && !closed).then(|| view! { <strong class="overdue">" · lewat tenggat"</strong> })}
            </p>
            {about.map(|about| view! { <p class="about"><strong>"Tentang: "</strong>{about}</p> })}
            <ol class="thread">
                {messages.into_iter().map(|m| view! {
                    <li class="message">
                        <p class="meta">{format!("{} · {}", m.from, m.written_at)}</p>
                        <p class="body">{m.body}</p>
                    </li>
                }).collect_view()}
            </ol>
        </li>
    }
}

#[component]
pub fn NewComplaintPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || query.with(|q| q.get("tentang").unwrap_or_default()),
        load_new_complaint,
    );
    view! {
        <Title text="Ajukan pengaduan — Prakerja"/>
        <h1>"Ajukan pengaduan"</h1>
        {crate::forms::loaded(page, |page: NewComplaintPage| {
            let NewComplaintPage { typed, about_summary, answer_within, errors } = page;
            let form = FormState::new(errors);
            let shown = form.errors;
            let categories: Vec<(String, String)> = ComplaintCategory::ALL
                .iter()
                .map(|c| (c.code().to_owned(), c.label().to_owned()))
                .collect();
            view! {
                <ErrorSummary state=form/>
                <form method="post" action=FileComplaint::url()>
                    <input type="hidden" name="complaint[key]" value=typed.key/>
                    <input type="hidden" name="complaint[about]" value=typed.about/>
                    {about_summary.map(|summary| view! {
                        <p class="about"><strong>"Tentang: "</strong><span data-about="">{summary}</span></p>
                    })}
                    <SelectField id="category" name="complaint[category]".into() label="Tentang apa pengaduan Anda"
                        value=typed.category options=categories errors=shown/>
                    <TextAreaField id="body" name="complaint[body]".into() label="Pengaduan Anda" value=typed.body
                        errors=shown maxlength=2000
                        hint="Ceritakan apa yang terjadi dan apa yang Anda harapkan. Jangan tulis kode masuk atau kata sandi."/>
                    <p class="hint">{format!("Petugas menjawab paling lambat {answer_within}.")}</p>
                    <button type="submit" class="button">"Kirim pengaduan"</button>
                </form>
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_needs_a_category_words_and_its_key() {
        let raw = RawComplaint {
            category: "hasil-undian".into(),
            about: "gelombang:3".into(),
            body: "Saya sudah lulus tes tetapi tidak terpilih.".into(),
            key: uuid::Uuid::new_v4().to_string(),
        };
        let parsed = raw.parse().unwrap();
        assert_eq!(parsed.about, Some(About::Wave(3)));
        let errors = RawComplaint::default().parse().unwrap_err();
        for field in ["category", "body", crate::forms::FORM_ERROR] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
