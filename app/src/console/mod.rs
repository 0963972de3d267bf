//! The operators' console: sign-in with a password, the verification queue and the funnel.
//!
//! Operator pages are server-rendered plain forms without islands: they work without
//! JavaScript and add nothing to the WASM bundle that applicants download. They are never kept
//! by the service worker (`x-prakerja-operator`), and every operator action goes to the audit
//! log.

pub mod audit;
pub mod catalogue;
pub mod complaints;
pub mod completion;
pub mod disputes;
pub mod exclusions;
pub mod funnel;
pub mod operators;
pub mod password;
pub mod payouts;
pub mod queue;
pub mod schedule;
pub mod second_factor;
pub mod waves;

use std::{collections::BTreeMap, future::Future};

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, FormState, Submitted, TextField},
    operators::OperatorRole,
};

#[cfg(feature = "ssr")]
const SIGN_IN: ConsoleForm = ConsoleForm::new("operator-sign-in", crate::paths::OPERATOR_SIGN_IN_PATH);

/// The operator who is signed in, as pages show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatorIdentity {
    pub username: String,
    pub display_name: String,
    pub role: OperatorRole,
}

#[cfg(feature = "ssr")]
pub struct Operator {
    pub id: uuid::Uuid,
    pub identity: OperatorIdentity,
    /// The session the operator is signed in with (its flash carries the console's notices).
    pub session: crate::session::Session,
}

#[cfg(feature = "ssr")]
impl Operator {
    /// How the audit log names this operator.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.identity.username)
    }

    pub fn require_role(&self, allowed: &[OperatorRole]) -> Result<(), AppError> {
        if allowed.contains(&self.identity.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// An operator session may last this long (a working day).
#[cfg(feature = "ssr")]
pub const OPERATOR_SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(8);

/// Pages and forms open to every operator.
#[cfg(feature = "ssr")]
pub const ANY_OPERATOR: &[OperatorRole] = OperatorRole::ALL;

/// Pages and forms for program admins only; any other role is refused (403).
#[cfg(feature = "ssr")]
pub const PROGRAM_ADMINS: &[OperatorRole] = &[OperatorRole::ProgramAdmin];

/// Opens a console page for a signed-in operator whose role is `allowed`: the state, the
/// operator, and what the last post of one of `forms` left for the page (a session keeps one
/// flash, the last post's, so at most one of them has left anything).
#[cfg(feature = "ssr")]
pub async fn open_page(
    allowed: &[OperatorRole],
    forms: &[&str],
) -> Result<(crate::state::AppState, Operator, crate::session::Flash), AppError> {
    let state = crate::state::app_state()?;
    let operator = require_operator(&state).await?;
    operator.require_role(allowed)?;
    let mut flash = crate::session::Flash::default();
    for form in forms {
        if let Some(found) = operator.session.take_flash(&state.pool, form).await? {
            flash = found;
            break;
        }
    }
    Ok((state, operator, flash))
}

/// A form of the console: the name its flash is kept under, and the page its post returns to.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug)]
pub struct ConsoleForm {
    pub id: &'static str,
    pub page: &'static str,
}

#[cfg(feature = "ssr")]
impl ConsoleForm {
    pub const fn new(id: &'static str, page: &'static str) -> ConsoleForm {
        ConsoleForm { id, page }
    }

    /// One post of this form by a signed-in operator whose role is `allowed`: `work` gets the
    /// state and the operator, and decides the answer.
    pub async fn handle(
        self,
        allowed: &[OperatorRole],
        work: impl AsyncFnOnce(&crate::state::AppState, Operator) -> Result<Submitted, AppError>,
    ) -> Result<Submitted, AppError> {
        crate::forms::handle_post(self.id, self.page, async move |state| {
            let operator = require_operator(state).await?;
            operator.require_role(allowed)?;
            work(state, operator).await
        })
        .await
    }

    /// Back to the page with the form's errors and what was typed.
    pub async fn refuse(
        self,
        state: &crate::state::AppState,
        errors: FieldErrors,
        values: BTreeMap<String, String>,
    ) -> Result<Submitted, AppError> {
        crate::forms::reply(state, self.id, self.page, Submitted::Invalid(errors), values).await
    }

    /// Back to the page with `notice` (and any values the page shows with it), kept in `session`.
    pub async fn accept(
        self,
        state: &crate::state::AppState,
        session: &crate::session::Session,
        notice: String,
        values: BTreeMap<String, String>,
    ) -> Result<Submitted, AppError> {
        crate::forms::accepted_with_notice(state, session, self.id, self.page, notice, values).await
    }

    /// Done: on to `next`.
    pub async fn proceed(self, state: &crate::state::AppState, next: &str) -> Result<Submitted, AppError> {
        let next = Submitted::Accepted { next: next.to_owned() };
        crate::forms::reply(state, self.id, self.page, next, BTreeMap::new()).await
    }
}

/// The signed-in operator, or a redirect to the operator sign-in page. Pages that call this are
/// never kept by the service worker (and, like every page, carry `Cache-Control: no-store`).
#[cfg(feature = "ssr")]
pub async fn require_operator(state: &crate::state::AppState) -> Result<Operator, AppError> {
    use crate::{request, session};
    // The service worker keeps no copy of the console's pages (they hold applicants' data).
    request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-operator"), "1");
    if let Some((session, operator_id)) = session::current(state)
        .await?
        .and_then(|s| s.operator_id.map(|id| (s, id)))
    {
        let row = sqlx::query!(
            r#"select username, display_name, role, totp_enrolled_at is not null as "enrolled!"
               from operators where id = $1 and disabled_at is null"#,
            operator_id
        )
        .fetch_optional(&state.pool)
        .await?;
        if let Some(row) = row {
            if !session.second_factor_done {
                // The password alone opens nothing: on to the second factor (or its enrolment).
                return Err(request::to_sign_in(second_factor::path_for(row.enrolled)));
            }
            return Ok(Operator {
                id: operator_id,
                identity: OperatorIdentity {
                    username: row.username,
                    display_name: row.display_name,
                    role: OperatorRole::parse(&row.role).map_err(AppError::internal)?,
                },
                session,
            });
        }
    }
    Err(request::to_sign_in(crate::paths::OPERATOR_SIGN_IN_PATH))
}

/// One listed thing (a training, a review) to hide: the number the list shows it under, and the
/// reason shown in its place, as posted.
#[cfg(feature = "ssr")]
pub struct Listed<'a> {
    pub number_field: &'static str,
    pub number: &'a str,
    /// What to write when the number is not one.
    pub number_hint: &'static str,
    /// What to say when nothing shown has the number.
    pub not_found: &'static str,
    pub reason_field: &'static str,
    pub reason: &'a str,
}

/// Hides a listed thing for a program admin, the same way for each list: `hide` it by its number
/// with the reason (false when nothing shown has that number), then back to the page with
/// `notice`.
#[cfg(feature = "ssr")]
pub async fn hide_listed<N>(
    form: ConsoleForm,
    listed: Listed<'_>,
    hide: impl AsyncFnOnce(
        &sqlx::PgPool,
        N,
        &crate::domain::OperatorReason,
        &str,
        chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, AppError>,
    notice: impl FnOnce(N) -> String,
) -> Result<Submitted, AppError>
where
    N: std::str::FromStr + PartialOrd + Default + Copy,
{
    form.handle(PROGRAM_ADMINS, async |state, operator| {
        let values = crate::forms::values([
            (listed.number_field, listed.number),
            (listed.reason_field, listed.reason),
        ]);
        let mut errors = FieldErrors::new();
        let number = crate::domain::parse_listed_number::<N>(listed.number);
        if number.is_none() {
            errors.push(listed.number_field, listed.number_hint);
        }
        let reason = errors.check(listed.reason_field, crate::domain::OperatorReason::parse(listed.reason));
        let (Some(number), Some(reason)) = (number, reason) else {
            return form.refuse(state, errors, values).await;
        };
        if !hide(&state.pool, number, &reason, &operator.actor(), state.clock.now()).await? {
            let errors = FieldErrors::single(listed.number_field, listed.not_found);
            return form.refuse(state, errors, values).await;
        }
        form.accept(state, &operator.session, notice(number), BTreeMap::new())
            .await
    })
    .await
}

/// What the last post on a page left for it, shown once: a notice, or the errors with what was
/// typed. Empty when nothing was posted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LastPost {
    pub notice: Option<String>,
    pub errors: FieldErrors,
    /// What was typed in a refused form, by field name.
    pub values: BTreeMap<String, String>,
}

impl LastPost {
    /// What was typed in `field` (empty when nothing was).
    pub fn typed(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }

    /// What the page's error summary and fields share, starting from these errors.
    pub fn form_state(&self) -> FormState {
        FormState::new(self.errors.clone())
    }

    /// The field `name` of one item in a list, whose id carries the item's.
    pub fn item_field(&self, name: &'static str, item: &str) -> ItemField {
        let id = format!("{name}-{item}");
        ItemField {
            name,
            error: self.errors.get(&id).map(str::to_owned),
            typed: self.typed(&id),
            id,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::session::Flash> for LastPost {
    fn from(flash: crate::session::Flash) -> LastPost {
        LastPost {
            notice: flash.notice,
            errors: flash.errors,
            values: flash.values,
        }
    }
}

/// A console page's data: the operator signed in (for the navigation), what the last post left
/// on the page, and the page's own content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsolePage<T> {
    pub operator: OperatorIdentity,
    pub last: LastPost,
    pub content: T,
}

#[cfg(feature = "ssr")]
impl<T> ConsolePage<T> {
    pub fn new(operator: OperatorIdentity, flash: crate::session::Flash, content: T) -> ConsolePage<T> {
        ConsolePage {
            operator,
            last: flash.into(),
            content,
        }
    }
}

/// A page of the console: where it is, its heading (also its link in the console's navigation)
/// and its title.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub path: &'static str,
    pub heading: &'static str,
    pub title: &'static str,
}

pub const QUEUE: Section = Section {
    path: crate::paths::QUEUE_PATH,
    heading: "Antrean verifikasi",
    title: "Antrean verifikasi — Konsol Prakerja",
};
pub const FUNNEL: Section = Section {
    path: crate::paths::FUNNEL_PATH,
    heading: "Corong pendaftar",
    title: "Corong pendaftar — Konsol Prakerja",
};
pub const DISPUTES: Section = Section {
    path: crate::paths::DISPUTES_CONSOLE_PATH,
    heading: "Sanggahan NIK",
    title: "Sanggahan NIK — Konsol Prakerja",
};
pub const PAYOUTS: Section = Section {
    path: crate::paths::PAYOUTS_CONSOLE_PATH,
    heading: "Pencairan insentif",
    title: "Pencairan insentif — Konsol Prakerja",
};
pub const AUDIT: Section = Section {
    path: crate::paths::AUDIT_CONSOLE_PATH,
    heading: "Log audit",
    title: "Log audit — Konsol Prakerja",
};
pub const COMPLAINTS: Section = Section {
    path: crate::paths::COMPLAINTS_CONSOLE_PATH,
    heading: "Pengaduan",
    title: "Pengaduan — Konsol Prakerja",
};
pub const EXCLUSIONS: Section = Section {
    path: crate::paths::EXCLUSIONS_CONSOLE_PATH,
    heading: "Daftar pengecualian",
    title: "Daftar pengecualian — Konsol Prakerja",
};
pub const SCHEDULE: Section = Section {
    path: crate::paths::SCHEDULE_CONSOLE_PATH,
    heading: "Jadwal pendaftaran",
    title: "Jadwal pendaftaran — Konsol Prakerja",
};
pub const CATALOGUE: Section = Section {
    path: crate::paths::CATALOGUE_CONSOLE_PATH,
    heading: "Katalog pelatihan",
    title: "Katalog — Konsol Prakerja",
};
pub const WAVES: Section = Section {
    path: crate::paths::WAVES_CONSOLE_PATH,
    heading: "Gelombang",
    title: "Gelombang — Konsol Prakerja",
};
pub const COMPLETION: Section = Section {
    path: crate::paths::COMPLETION_CONSOLE_PATH,
    heading: "Penyelesaian pelatihan",
    title: "Penyelesaian pelatihan — Konsol Prakerja",
};
pub const OPERATORS: Section = Section {
    path: crate::paths::OPERATORS_CONSOLE_PATH,
    heading: "Petugas",
    title: "Petugas — Konsol Prakerja",
};
pub const PASSWORD: Section = Section {
    path: crate::paths::PASSWORD_PATH,
    heading: "Ubah kata sandi",
    title: "Ubah kata sandi — Konsol Prakerja",
};

/// A console page of one load: its title and heading, the console's navigation, then `render`'s
/// view of what the last post left and of the page's content.
pub fn console_page<T, V, Fut>(
    section: Section,
    load: impl Fn() -> Fut + Send + Sync + 'static,
    render: impl Fn(LastPost, T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    Fut: Future<Output = Result<ConsolePage<T>, AppError>> + Send + 'static,
{
    crate::forms::loaded_page(section.title, section.heading, load, move |page: ConsolePage<T>| {
        view! {
            <ConsoleNav identity=page.operator/>
            {render(page.last, page.content)}
        }
    })
}

#[server(prefix = "/api", endpoint = "operator-sign-in-page")]
pub async fn load_operator_sign_in_page() -> Result<LastPost, AppError> {
    let state = crate::state::app_state()?;
    crate::request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-operator"), "1");
    let Some(session) = crate::session::current(&state).await? else {
        return Ok(LastPost::default());
    };
    Ok(session.flash_for(&state.pool, SIGN_IN.id).await?.into())
}

/// Signs an operator in with username and password. The password is checked with argon2id on
/// the blocking pool; an unknown username costs the same work, so timing tells nothing.
#[server(prefix = "/api", endpoint = "operator-sign-in")]
pub async fn operator_sign_in(username: String, password: String) -> Result<Submitted, AppError> {
    use crate::{
        operators::{db, Username},
        session,
    };

    crate::forms::handle_post(SIGN_IN.id, SIGN_IN.page, async |state| {
        // The password is never put back into the form, nor kept anywhere.
        let values = crate::forms::values([("username", username.as_str())]);
        let refuse = |message: &str| SIGN_IN.refuse(state, FieldErrors::single("password", message), values.clone());
        let name = username.trim().to_lowercase();
        let (guesser, wait) = password_try(state, &name).await?;
        if let Some(wait) = wait {
            let message = format!(
                "Terlalu banyak percobaan masuk. Coba lagi dalam {} menit.",
                wait.div_ceil(60)
            );
            return refuse(&message).await;
        }
        let account = match Username::parse(&username) {
            Ok(username) => sqlx::query!(
                r#"select id, password_hash, totp_enrolled_at is not null as "enrolled!"
                   from operators where username = $1 and disabled_at is null"#,
                username.as_str()
            )
            .fetch_optional(&state.pool)
            .await?
            .map(|r| (r.id, r.password_hash, r.enrolled)),
            Err(_) => None,
        };
        let stored = match &account {
            Some((_, hash, _)) => hash.clone(),
            None => db::stand_in_hash().await?,
        };
        let matches = db::password_matches(password, stored).await?;
        let Some((operator_id, _, enrolled)) = account.filter(|_| matches) else {
            tracing::info!("operator sign-in refused");
            count_wrong_password(state, &guesser).await?;
            return refuse("Nama pengguna atau kata sandi salah.").await;
        };
        // A new session under a new token (no session fixation); the old one ends.
        if let Some(old) = session::current(state).await? {
            session::end(state, &old).await?;
        }
        let mut tx = state.pool.begin().await?;
        let new = session::NewSession {
            operator_id: Some(operator_id),
            lifetime: OPERATOR_SESSION_LIFETIME,
            ..session::NewSession::anonymous()
        };
        session::start(&mut *tx, state, new).await?;
        crate::audit::record(
            &mut *tx,
            &format!("operator:{name}"),
            "operators.sign-in",
            &name,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        // The password is the first step: the second factor (or its enrolment) comes next.
        SIGN_IN.proceed(state, second_factor::path_for(enrolled)).await
    })
    .await
}

/// Counts a password try (sign-in or change) against the address's budget of tries, and says
/// how long to wait if that or the wrong-password budget is used up. Wrong passwords count per
/// username *and* address, so a stranger locks out only themselves; every try counts per
/// address first, so a burst of parallel guesses cannot all pass before one is counted.
/// Returns the key wrong passwords count under.
#[cfg(feature = "ssr")]
async fn password_try(state: &crate::state::AppState, username: &str) -> Result<(String, Option<u64>), AppError> {
    use crate::rate_limit;
    let network = crate::request::client_network(&state.settings);
    let guesser = format!("{username}@{network}");
    let mut wait = rate_limit::hit(state, &rate_limit::OPERATOR_SIGN_IN_PER_IP, &network).await?;
    for limit in [&rate_limit::WRONG_PASSWORDS_SHORT, &rate_limit::WRONG_PASSWORDS_LONG] {
        wait = wait.max(rate_limit::exhausted(state, limit, &guesser).await?);
    }
    Ok((guesser, wait))
}

/// Counts a wrong password under the key `password_try` gave.
#[cfg(feature = "ssr")]
async fn count_wrong_password(state: &crate::state::AppState, guesser: &str) -> Result<(), AppError> {
    use crate::rate_limit;
    for limit in [&rate_limit::WRONG_PASSWORDS_SHORT, &rate_limit::WRONG_PASSWORDS_LONG] {
        // Refused once over the budget, which the next attempt's check reports.
        let _over_budget = rate_limit::hit(state, limit, guesser).await?;
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "operator-sign-out")]
pub async fn operator_sign_out() -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    if let Some(session) = crate::session::current(&state).await? {
        crate::session::end(&state, &session).await?;
    }
    crate::request::redirect(crate::paths::OPERATOR_SIGN_IN_PATH);
    Ok(Submitted::Accepted {
        next: crate::paths::OPERATOR_SIGN_IN_PATH.to_owned(),
    })
}

#[component]
pub fn OperatorSignInPage() -> impl IntoView {
    crate::forms::loaded_page(
        "Masuk operator — Prakerja",
        "Masuk sebagai operator",
        load_operator_sign_in_page,
        |last| {
            let state = last.form_state();
            let username = last.typed("username");
            view! {
                <Notice notice=last.notice/>
                <p>"Halaman ini untuk petugas program. Pendaftar masuk lewat " <a href=crate::paths::SIGN_IN_PATH>"halaman masuk pendaftar"</a> "."</p>
                <ErrorSummary state/>
                <form method="post" action=OperatorSignIn::url() novalidate="">
                    <TextField id="username" name="username".into() label="Nama pengguna" value=username
                        errors=state.errors autocomplete="username"/>
                    <TextField id="password" name="password".into() label="Kata sandi" value=""
                        errors=state.errors input_type="password" autocomplete="current-password"/>
                    <button type="submit" class="button">"Masuk"</button>
                </form>
            }
        },
    )
}

/// A notice the last post left, above the page's forms.
#[component]
pub fn Notice(notice: Option<String>) -> impl IntoView {
    notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })
}

/// A console list: its items, or the sentence that says there are none.
pub fn item_list<T, V>(items: Vec<T>, none: &'static str, item: impl FnMut(T) -> V) -> AnyView
where
    V: IntoView + 'static,
{
    if items.is_empty() {
        view! { <p>{none}</p> }.into_any()
    } else {
        view! { <ul class="queue">{items.into_iter().map(item).collect_view()}</ul> }.into_any()
    }
}

/// A labelled input of a console form, marked invalid with its error after a refused post.
#[component]
pub fn ConsoleInput(
    /// The element id, also the field's name.
    id: &'static str,
    label: &'static str,
    value: String,
    errors: RwSignal<FieldErrors>,
    /// Whether the input names its error as its description.
    #[prop(optional)]
    described_by_error: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let invalid = errors.with_untracked(|e| e.get(id).is_some());
    let described_by = (described_by_error && invalid).then(|| format!("{id}-error"));
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            <FieldError id errors/>
            <input id=id name=id inputmode=inputmode value=value aria-invalid=invalid.then_some("true")
                aria-describedby=described_by autocomplete=autocomplete/>
        </div>
    }
}

/// The platform a console form acts for, the one chosen before a refused post selected.
#[component]
pub fn PlatformSelect(
    /// (code, name) of each platform.
    platforms: Vec<(String, String)>,
    chosen: String,
    errors: RwSignal<FieldErrors>,
    /// Whether the list names its error as its description.
    #[prop(optional)]
    described_by_error: bool,
) -> impl IntoView {
    let invalid = errors.with_untracked(|e| e.get("platform").is_some());
    let described_by = (described_by_error && invalid).then_some("platform-error");
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for="platform">"Platform"</label>
            <FieldError id="platform" errors/>
            <select id="platform" name="platform" aria-invalid=invalid.then_some("true") aria-describedby=described_by>
                <option value="">"Pilih platform"</option>
                {platforms.into_iter().map(|(code, name)| view! {
                    <option value=code.clone() selected={code == chosen}>{name}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// One item's field in a console list: its id carries the item's, so an error and what was
/// typed come back beside the right item.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemField {
    pub id: String,
    /// The name it is posted under.
    pub name: &'static str,
    pub error: Option<String>,
    pub typed: String,
}

/// The reason (or note) field of one item in a console list.
#[component]
fn ItemReasonField(field: ItemField, label: &'static str) -> impl IntoView {
    let ItemField { id, name, error, typed } = field;
    let invalid = error.is_some();
    let described_by = invalid.then(|| format!("{id}-error"));
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            {error.map(|message| view! {
                <p class="field-error" id=format!("{id}-error")>
                    <span class="visually-hidden">"Kesalahan: "</span>{message}
                </p>
            })}
            <input id=id name=name value=typed aria-invalid=invalid.then_some("true") aria-describedby=described_by/>
        </div>
    }
}

/// One item's decision in a console list: the item's id, its reason field and two buttons, for
/// and against (`ditolak`), posted to `action`.
#[component]
pub fn DecisionForm(
    action: &'static str,
    item_name: &'static str,
    item: String,
    reason: ItemField,
    reason_label: &'static str,
    accept_value: &'static str,
    accept_label: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=action>
            <input type="hidden" name=item_name value=item/>
            <ItemReasonField field=reason label=reason_label/>
            <button type="submit" name="decision" value=accept_value class="button">{accept_label}</button>
            " "
            <button type="submit" name="decision" value="ditolak" class="button button-secondary">"Tolak"</button>
        </form>
    }
}

/// A section's link in the console's navigation.
#[component]
fn SectionLink(section: Section) -> impl IntoView {
    view! { <li><a href=section.path>{section.heading}</a></li> }
}

/// The console's navigation and the sign-out form.
#[component]
pub fn ConsoleNav(identity: OperatorIdentity) -> impl IntoView {
    view! {
        <nav class="console-nav" aria-label="Menu operator">
            <p>{identity.display_name} " · " {identity.role.label()}</p>
            <ul>
                <SectionLink section=QUEUE/>
                <SectionLink section=FUNNEL/>
                <SectionLink section=DISPUTES/>
                <SectionLink section=PAYOUTS/>
                <SectionLink section=EXCLUSIONS/>
                <SectionLink section=COMPLAINTS/>
                {(identity.role == OperatorRole::ProgramAdmin).then(|| view! {
                    <SectionLink section=SCHEDULE/>
                    <SectionLink section=CATALOGUE/>
                    <SectionLink section=WAVES/>
                    <SectionLink section=COMPLETION/>
                    <SectionLink section=OPERATORS/>
                    <SectionLink section=AUDIT/>
                })}
                <SectionLink section=PASSWORD/>
            </ul>
            <form method="post" action=OperatorSignOut::url() class="inline-form">
                <button type="submit" class="link-button">"Keluar dari konsol"</button>
            </form>
        </nav>
    }
}
