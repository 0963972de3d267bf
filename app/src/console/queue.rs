//! The verification queue: applicants by status and reason, and an operator's decision on each.
//! Filters are in the URL (status and reason codes only: never personal data).

use crate::paths::QUEUE_PATH;
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, ConsolePage};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, Submitted},
    verification::{Reason, VerificationStatus},
};

#[cfg(feature = "ssr")]
const DECISION_FORM: &str = "verification-decision";
#[cfg(feature = "ssr")]
const PAGE_SIZE: i64 = 25;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub applicant_id: String,
    pub reference: String,
    pub full_name: String,
    pub nik: String,
    pub kk: String,
    pub birth_date: String,
    pub gender: String,
    pub registered_at: String,
    pub status: VerificationStatus,
    /// (title, explanation) of each reason.
    pub reasons: Vec<(String, String)>,
    pub decided_by: Option<String>,
    pub test_result: Option<String>,
    /// The applicant's answers beside the civil registry's record, when the checks kept it
    /// (a case sent to a person).
    pub registry: Option<Vec<ComparedField>>,
}

/// One line of the side-by-side view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedField {
    pub label: String,
    pub applicant: String,
    pub registry: String,
    pub same: bool,
}

/// The queue page's own content: its filters, and the rows they found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub status: VerificationStatus,
    pub reason: Option<String>,
    /// A registration number searched for (any status).
    pub reference: Option<String>,
    pub page: i64,
    pub rows: Vec<QueueRow>,
    pub has_more: bool,
    pub waiting_for_checks: i64,
}

#[server(prefix = "/api", endpoint = "verification-queue")]
pub async fn load_queue(
    status: Option<String>,
    reason: Option<String>,
    reference: Option<String>,
    page: Option<i64>,
) -> Result<ConsolePage<QueuePage>, AppError> {
    let (state, operator, flash) = super::open_page(super::ANY_OPERATOR, &[DECISION_FORM]).await?;
    let status = status
        .as_deref()
        .and_then(|s| VerificationStatus::parse(s).ok())
        .unwrap_or(VerificationStatus::Manual);
    let reason = reason.as_deref().and_then(Reason::parse).map(Reason::code);
    let reference = reference.map(|r| r.trim().to_uppercase()).filter(|r| !r.is_empty());
    let page = page.unwrap_or(1).max(1);
    // Verifiers compare the numbers digit by digit; program admins oversee, and see them masked.
    let full_numbers = operator.identity.role == crate::operators::OperatorRole::Verifier;
    let number = |digits: &str| {
        if full_numbers {
            digits.to_owned()
        } else {
            crate::domain::masked_registry_number(digits)
        }
    };
    let rows = sqlx::query!(
        r#"select a.id, a.reference, a.full_name, a.nik, a.kk, a.birth_date, a.gender, a.registered_at,
                  r.full_name as "registry_name?", r.kk as "registry_kk?", r.birth_date as "registry_birth_date?",
                  r.gender as "registry_gender?", r.alive as "registry_alive?",
                  v.status as row_status, v.reasons, o.display_name as "decided_by?",
                  (select case when t.passed then 'Lulus' else 'Belum lulus' end || ' (' || t.ability_score || '/' || t.ability_total || ')'
                   from test_attempts t where t.applicant_id = a.id and t.finished_at is not null
                   order by t.finished_at desc limit 1) as test_result
           from verifications v
           join applicants a on a.id = v.applicant_id
           left join operators o on o.id = v.decided_by
           left join registry_records r on r.applicant_id = a.id
           where (($5::text is null and v.status = $1) or a.reference = $5)
             and ($2::text is null or $2 = any (v.reasons))
           order by v.decided_at, a.id
           limit $3 offset $4"#,
        status.code(),
        reason,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
        reference
    )
    .fetch_all(&state.pool)
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<QueueRow> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| QueueRow {
            applicant_id: r.id.to_string(),
            reference: r.reference,
            registry: match (
                r.registry_name,
                r.registry_kk,
                r.registry_birth_date,
                r.registry_gender,
                r.registry_alive,
            ) {
                (Some(name), Some(kk), Some(birth_date), Some(gender), Some(alive)) => Some(compared(
                    (&r.full_name, &name),
                    (&number(&r.kk), &number(&kk), r.kk == kk),
                    (r.birth_date, birth_date),
                    (&r.gender, &gender),
                    alive,
                )),
                _ => None,
            },
            full_name: r.full_name,
            nik: number(&r.nik),
            kk: number(&r.kk),
            birth_date: r.birth_date.format("%d-%m-%Y").to_string(),
            gender: gender_label(&r.gender).to_owned(),
            registered_at: crate::domain::wib::format_wib(r.registered_at),
            // The row's own status: a search by registration number spans every status.
            status: VerificationStatus::parse(&r.row_status).unwrap_or(status),
            reasons: r
                .reasons
                .iter()
                .filter_map(|code| Reason::parse(code))
                .map(|reason| (reason.title(), reason.explanation()))
                .collect(),
            decided_by: r.decided_by,
            test_result: r.test_result,
        })
        .collect();
    // Who saw whose full NIK and KK is on record.
    if full_numbers && !rows.is_empty() {
        let references: Vec<&str> = rows.iter().map(|r| r.reference.as_str()).collect();
        crate::audit::record(
            &state.pool,
            &operator.actor(),
            "verification.view-full-numbers",
            "verification_queue",
            None,
            Some(serde_json::json!({ "references": references })),
        )
        .await?;
    }
    let waiting_for_checks = sqlx::query_scalar!(r#"select count(*) as "n!" from verification_jobs"#)
        .fetch_one(&state.pool)
        .await?;
    let content = QueuePage {
        status,
        reason,
        reference,
        page,
        rows,
        has_more,
        waiting_for_checks,
    };
    Ok(ConsolePage::new(operator.identity, flash, content))
}

#[cfg(feature = "ssr")]
fn gender_label(code: &str) -> &'static str {
    if code == "P" {
        "Perempuan"
    } else {
        "Laki-laki"
    }
}

/// The applicant's answers beside the registry's (numbers already masked as the role allows).
#[cfg(feature = "ssr")]
fn compared(
    name: (&str, &str),
    kk: (&str, &str, bool),
    birth_date: (chrono::NaiveDate, chrono::NaiveDate),
    gender: (&str, &str),
    alive: bool,
) -> Vec<ComparedField> {
    let line = |label: &str, applicant: String, registry: String, same: bool| ComparedField {
        label: label.to_owned(),
        applicant,
        registry,
        same,
    };
    let date = |d: chrono::NaiveDate| d.format("%d-%m-%Y").to_string();
    vec![
        line("Nama", name.0.to_owned(), name.1.to_owned(), name.0 == name.1),
        line(
            "Tanggal lahir",
            date(birth_date.0),
            date(birth_date.1),
            birth_date.0 == birth_date.1,
        ),
        line(
            "Jenis kelamin",
            gender_label(gender.0).to_owned(),
            gender_label(gender.1).to_owned(),
            gender.0 == gender.1,
        ),
        line("No. KK", kk.0.to_owned(), kk.1.to_owned(), kk.2),
        line(
            "Status hidup",
            "—".to_owned(),
            if alive { "Hidup" } else { "Meninggal" }.to_owned(),
            alive,
        ),
    ]
}

/// An operator approves or rejects one applicant. Recorded in the audit log with the decision
/// it replaced.
#[server(prefix = "/api", endpoint = "decide-verification")]
pub async fn decide_verification(
    applicant: String,
    decision: String,
    reason: Option<String>,
    return_to: Option<String>,
) -> Result<Submitted, AppError> {
    use crate::operators::OperatorRole;

    let back = back_to(return_to.as_deref())?;
    crate::forms::handle_post(DECISION_FORM, &back, async |state| {
        let (operator, applicant_id) =
            acting_on(state, &[OperatorRole::Verifier, OperatorRole::ProgramAdmin], &applicant).await?;
        let decision = match VerificationStatus::parse(&decision) {
            Ok(status @ (VerificationStatus::Verified | VerificationStatus::Rejected)) => status,
            _ => return Err(AppError::BadRequest),
        };
        let reasons = match (decision, reason.as_deref().and_then(Reason::parse)) {
            (VerificationStatus::Rejected, None) => {
                let message = "Pilih alasan penolakan: pendaftar berhak tahu mengapa ditolak.";
                return refuse(state, &back, &format!("reason-{applicant_id}"), message).await;
            }
            (VerificationStatus::Rejected, Some(reason)) => vec![reason.code()],
            _ => Vec::new(),
        };
        let mut tx = state.pool.begin().await?;
        let before = sqlx::query!(
            r#"select a.reference, v.status, v.reasons from verifications v join applicants a on a.id = v.applicant_id
               where v.applicant_id = $1 for update of v"#,
            applicant_id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        sqlx::query!(
            "update verifications set status = $2, reasons = $3, decided_by = $4, decided_at = $5 where applicant_id = $1",
            applicant_id,
            decision.code(),
            &reasons,
            operator.id,
            state.clock.now()
        )
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut *tx,
            &operator.actor(),
            "verification.decide",
            &before.reference,
            Some(serde_json::json!({ "status": before.status, "reasons": before.reasons })),
            Some(serde_json::json!({ "status": decision.code(), "reasons": reasons })),
        )
        .await?;
        let notice = format!(
            "Keputusan untuk {} disimpan: {}.",
            before.reference,
            decision.label().to_lowercase()
        );
        operator.session.set_flash(&mut *tx, &notice_flash(notice)).await?;
        tx.commit().await?;
        back_to_queue(state, &back).await
    })
    .await
}

/// A program admin lets an applicant take the test once more in the open wave (audited).
#[server(prefix = "/api", endpoint = "grant-test-attempt")]
pub async fn grant_test_attempt(
    applicant: String,
    reason: String,
    return_to: Option<String>,
) -> Result<Submitted, AppError> {
    use crate::operators::OperatorRole;

    let back = back_to(return_to.as_deref())?;
    crate::forms::handle_post(DECISION_FORM, &back, async |state| {
        let (operator, applicant_id) = acting_on(state, &[OperatorRole::ProgramAdmin], &applicant).await?;
        let field = format!("grant-{applicant_id}");
        let reason = crate::domain::collapse_whitespace(&reason);
        if !(5..=500).contains(&reason.chars().count()) {
            return refuse(state, &back, &field, "Tulis alasan izin tes ulang (5-500 karakter).").await;
        }
        let granted = crate::assessment::db::grant_attempt(
            &state.pool,
            applicant_id,
            operator.id,
            &operator.actor(),
            &reason,
            state.clock.now(),
        )
        .await?;
        if let Err(refusal) = granted {
            return refuse(state, &back, &field, refusal.to_string()).await;
        }
        let flash = notice_flash("Izin tes ulang diberikan.".to_owned());
        operator.session.set_flash(&state.pool, &flash).await?;
        back_to_queue(state, &back).await
    })
    .await
}

/// Where a console form returns to: the queue as it was filtered. A return path that is not a
/// path on this site is refused before anything is written.
#[cfg(feature = "ssr")]
fn back_to(return_to: Option<&str>) -> Result<String, AppError> {
    match return_to {
        None => Ok(QUEUE_PATH.to_owned()),
        Some(raw) => crate::domain::LocalPath::parse(raw)
            .map(String::from)
            .map_err(|_| AppError::BadRequest),
    }
}

/// The signed-in operator, if their role allows the action, and the applicant acted on.
#[cfg(feature = "ssr")]
async fn acting_on(
    state: &crate::state::AppState,
    allowed: &[crate::operators::OperatorRole],
    applicant: &str,
) -> Result<(super::Operator, uuid::Uuid), AppError> {
    let operator = super::require_operator(state).await?;
    operator.require_role(allowed)?;
    let applicant_id = uuid::Uuid::parse_str(applicant.trim()).map_err(|_| AppError::BadRequest)?;
    Ok((operator, applicant_id))
}

/// Back to the queue with `message` beside the applicant's `field`.
#[cfg(feature = "ssr")]
async fn refuse(
    state: &crate::state::AppState,
    back: &str,
    field: &str,
    message: impl Into<String>,
) -> Result<Submitted, AppError> {
    let errors = FieldErrors::single(field, message);
    crate::forms::reply(
        state,
        DECISION_FORM,
        back,
        Submitted::Invalid(errors),
        Default::default(),
    )
    .await
}

#[cfg(feature = "ssr")]
fn notice_flash(notice: String) -> crate::session::Flash {
    crate::session::Flash {
        form: DECISION_FORM.to_owned(),
        notice: Some(notice),
        ..Default::default()
    }
}

#[cfg(feature = "ssr")]
async fn back_to_queue(state: &crate::state::AppState, back: &str) -> Result<Submitted, AppError> {
    let done = Submitted::Accepted { next: back.to_owned() };
    crate::forms::reply(state, DECISION_FORM, back, done, Default::default()).await
}

/// The queue's URL with its filters (codes and a registration number: never personal data).
fn queue_url(page: &QueuePage, number: i64) -> String {
    let mut url = format!("{QUEUE_PATH}?status={}", page.status.code());
    if let Some(reason) = &page.reason {
        url.push_str(&format!("&alasan={reason}"));
    }
    // Registration numbers are A-Z, 0-9 and '-': nothing to escape. Anything else is dropped.
    if let Some(reference) = page
        .reference
        .as_ref()
        .filter(|r| r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        url.push_str(&format!("&nomor={reference}"));
    }
    let page = number;
    if page > 1 {
        url.push_str(&format!("&halaman={page}"));
    }
    url
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new_blocking(
        move || {
            query.with(|q| {
                (
                    q.get("status"),
                    q.get("alasan"),
                    q.get("nomor"),
                    q.get("halaman").and_then(|p| p.parse::<i64>().ok()),
                )
            })
        },
        |(status, reason, reference, page)| load_queue(status, reason, reference, page),
    );
    view! {
        <Title text=super::QUEUE.title/>
        <h1>{super::QUEUE.heading}</h1>
        {crate::forms::loaded(page, |page| view! { <Queue page/> })}
    }
}

#[component]
fn Queue(page: ConsolePage<QueuePage>) -> impl IntoView {
    let ConsolePage {
        operator,
        last,
        content: page,
    } = page;
    let state = last.form_state();
    let here = queue_url(&page, page.page);
    let previous = queue_url(&page, page.page - 1);
    let next = queue_url(&page, page.page + 1);
    let can_grant = operator.role == crate::operators::OperatorRole::ProgramAdmin;
    let status = page.status;
    let reason_filter = page.reason.clone().unwrap_or_default();
    view! {
        <ConsoleNav identity=operator/>
        {last.notice.map(|n| view! { <p class="notice notice-open" role="status">{n}</p> })}
        <ErrorSummary state/>
        <form method="get" action=QUEUE_PATH class="filters">
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status">
                    {VerificationStatus::ALL.iter().map(|s| view! {
                        <option value=s.code() selected=*s == status>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="alasan">"Alasan"</label>
                <select id="alasan" name="alasan">
                    <option value="" selected=reason_filter.is_empty()>"Semua alasan"</option>
                    {Reason::all().into_iter().map(|r| {
                        let code = r.code();
                        let selected = code == reason_filter;
                        view! { <option value=code selected=selected>{r.title()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="nomor">"Nomor pendaftaran"</label>
                <input type="text" id="nomor" name="nomor" value=page.reference.clone().unwrap_or_default()
                    autocomplete="off" aria-describedby="nomor-hint"/>
                <p class="hint" id="nomor-hint">"Bila diisi, dicari di semua status."</p>
            </div>
            <button type="submit" class="button">"Tampilkan"</button>
        </form>
        <p>{format!("{} pendaftar menunggu pemeriksaan otomatis.", page.waiting_for_checks)}</p>
        {if page.rows.is_empty() {
            view! { <p class="empty">"Tidak ada pendaftar dengan status dan alasan ini."</p> }.into_any()
        } else {
            view! {
                <ul class="queue">
                    {page.rows.into_iter().map(|row| view! {
                        <QueueItem row return_to=here.clone() errors=state.errors can_grant/>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <nav class="pagination" aria-label="Halaman antrean">
            {(page.page > 1).then(|| view! {
                <a href=previous>"Sebelumnya"</a>
            })}
            {page.has_more.then(|| view! {
                <a href=next>"Berikutnya"</a>
            })}
        </nav>
    }
}

#[component]
fn QueueItem(row: QueueRow, return_to: String, errors: RwSignal<FieldErrors>, can_grant: bool) -> impl IntoView {
    let reason_field = format!("reason-{}", row.applicant_id);
    let grant_field = format!("grant-{}", row.applicant_id);
    let reason_error = {
        let field = reason_field.clone();
        move || errors.with(|e| e.get(&field).map(str::to_owned))
    };
    let grant_error = {
        let field = grant_field.clone();
        move || errors.with(|e| e.get(&field).map(str::to_owned))
    };
    let heading = format!("heading-{}", row.applicant_id);
    let labelled_by = heading.clone();
    let verified = row.status == VerificationStatus::Verified;
    let reference = row.reference.clone();
    view! {
        <li class="queue-item">
            <article aria-labelledby=labelled_by>
                <h2 id=heading>{row.full_name.clone()} " · " <span class="reference">{row.reference.clone()}</span></h2>
                <dl class="summary">
                    <div><dt>"NIK"</dt><dd>{row.nik}</dd></div>
                    <div><dt>"No. KK"</dt><dd>{row.kk}</dd></div>
                    <div><dt>"Tanggal lahir"</dt><dd>{row.birth_date}</dd></div>
                    <div><dt>"Jenis kelamin"</dt><dd>{row.gender}</dd></div>
                    <div><dt>"Terdaftar"</dt><dd>{row.registered_at}</dd></div>
                    {row.decided_by.map(|name| view! { <div><dt>"Diputuskan oleh"</dt><dd>{name}</dd></div> })}
                    {row.test_result.map(|result| view! { <div><dt>"Tes"</dt><dd>{result}</dd></div> })}
                </dl>
                {row.registry.map(|fields| {
                    let caption = format!("Data pendaftar dan data Dukcapil: {}", row.reference);
                    view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label=caption.clone()>
                            <table class="side-by-side">
                                <caption>"Data pendaftar dan data Dukcapil"</caption>
                                <thead><tr>
                                    <th scope="col">"Data"</th><th scope="col">"Diisi pendaftar"</th>
                                    <th scope="col">"Dukcapil"</th><th scope="col">"Hasil"</th>
                                </tr></thead>
                                <tbody>
                                    {fields.into_iter().map(|f| view! {
                                        <tr class:differs=!f.same>
                                            <th scope="row">{f.label}</th>
                                            <td>{f.applicant}</td>
                                            <td>{f.registry}</td>
                                            <td>{if f.same { "Sama" } else { "Berbeda" }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                })}
                {(!row.reasons.is_empty()).then(|| view! {
                    <ul class="reasons">
                        {row.reasons.into_iter().map(|(title, explanation)| view! {
                            <li><strong>{title}</strong> ": " {explanation}</li>
                        }).collect_view()}
                    </ul>
                })}
                <form method="post" action=DecideVerification::url() class="decision">
                    <input type="hidden" name="applicant" value=row.applicant_id.clone()/>
                    <input type="hidden" name="return_to" value=return_to.clone()/>
                    {move || reason_error().map(|message| view! { <p class="field-error" id=format!("{reason_field}-error")>{message}</p> })}
                    <div class="field">
                        <label for=reason_field_id(&row.applicant_id)>"Alasan bila ditolak"</label>
                        <select id=reason_field_id(&row.applicant_id) name="reason">
                            <option value="">"— Pilih alasan —"</option>
                            {Reason::all().into_iter().filter(|r| !r.is_doubt() && *r != Reason::NikBelongsToAnother).map(|r| view! {
                                <option value=r.code()>{r.title()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button" name="decision" value="terverifikasi">
                        "Setujui" <span class="visually-hidden">{format!(" {reference}")}</span>
                    </button>
                    " "
                    <button type="submit" class="button button-secondary" name="decision" value="ditolak">
                        "Tolak" <span class="visually-hidden">{format!(" {reference}")}</span>
                    </button>
                </form>
                {(verified && can_grant).then(|| view! {
                    <form method="post" action=GrantTestAttempt::url() class="grant">
                        <input type="hidden" name="applicant" value=row.applicant_id.clone()/>
                        <input type="hidden" name="return_to" value=return_to.clone()/>
                        {move || grant_error().map(|message| view! { <p class="field-error">{message}</p> })}
                        <div class="field">
                            <label for=grant_field.clone()>"Alasan izin tes ulang"</label>
                            <input type="text" id=grant_field.clone() name="reason" maxlength="500"/>
                        </div>
                        <button type="submit" class="button button-secondary">"Beri izin tes ulang"</button>
                    </form>
                })}
            </article>
        </li>
    }
}

fn reason_field_id(applicant_id: &str) -> String {
    format!("reason-{applicant_id}")
}
