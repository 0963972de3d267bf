//! One mechanism for every form of the portal.
//!
//! - Without JavaScript a form is a plain `<form method="post">` to its server function. The
//!   server answers with a redirect (post/redirect/get): to the next page, or back to the form
//!   with its errors kept in the session (never in the URL: the values are personal data).
//! - With WASM the same form is submitted by the client after the same `parse` the server runs
//!   has passed, and errors appear without a round trip.

use std::collections::BTreeMap;

use leptos::{html::Div, prelude::*};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{domain::FieldErrors, error::AppError};

/// The error-summary entry for a problem that belongs to no single field.
pub const FORM_ERROR: &str = "formulir";

/// What a form's server function answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Submitted {
    /// Something must be corrected; the form stays, with what was typed.
    Invalid(FieldErrors),
    /// Done; the browser goes to `next`.
    Accepted { next: String },
}

/// Answers a form's post: a redirect to the next page, or (without JavaScript) back to the form
/// with the errors and values carried in the session.
#[cfg(feature = "ssr")]
pub async fn reply(
    state: &crate::state::AppState,
    form: &str,
    form_path: &str,
    outcome: Submitted,
    values: BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    use crate::{auth::session, request};
    match &outcome {
        Submitted::Accepted { next } => request::redirect(next),
        Submitted::Invalid(errors) if request::is_plain_form_post() => {
            let session = session::current_or_new(state).await?;
            let flash = session::Flash {
                form: form.to_owned(),
                errors: errors.clone(),
                values,
                notice: None,
            };
            session.set_flash(&state.pool, &flash).await?;
            request::redirect(form_path);
        }
        Submitted::Invalid(_) => {}
    }
    Ok(outcome)
}

/// The last word on a form's post: an error that is not the applicant's to fix (the database is
/// unreachable, say) is shown on the form like any other message when JavaScript is off, rather
/// than lost in a redirect. Signed-out visitors keep their redirect to the sign-in page.
#[cfg(feature = "ssr")]
pub async fn answer(
    state: &crate::state::AppState,
    form: &str,
    form_path: &str,
    result: Result<Submitted, AppError>,
) -> Result<Submitted, AppError> {
    match result {
        Err(error) if error != AppError::Unauthenticated && crate::request::is_plain_form_post() => {
            let shown = Submitted::Invalid(FieldErrors::single(FORM_ERROR, error.to_string()));
            // If even the session cannot take the message, the plain error remains.
            reply(state, form, form_path, shown, BTreeMap::new())
                .await
                .or(Err(error))
        }
        other => other,
    }
}

/// The (name, value) pairs a form posts, as the browser sees them before sending: what the
/// client-side checks read (the same `parse` functions then run on the server's arguments).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormValues(pub Vec<(String, String)>);

impl FormValues {
    /// The first value under `name`, or "" when there is none.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value under `name` (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// "draft[nik]" -> "nik", "draft[interests][]" -> "interests", "email" -> "email".
#[cfg(any(feature = "hydrate", test))]
fn field_of(name: &str) -> String {
    name.split('[')
        .map(|part| part.trim_end_matches(']'))
        .rfind(|p| !p.is_empty())
        .unwrap_or(name)
        .to_owned()
}

/// The state one form shares with its error summary and notices.
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<FieldErrors>,
    /// Counts the submits that ended with errors: the summary takes focus then (not while typing).
    shown: RwSignal<u32>,
    /// Kept on this device until the connection returns.
    pub queued: RwSignal<bool>,
    pub sending: RwSignal<bool>,
}

impl FormState {
    /// `errors`: those of the last plain post, from the server.
    pub fn new(errors: FieldErrors) -> FormState {
        FormState {
            errors: RwSignal::new(errors),
            shown: RwSignal::new(0),
            queued: RwSignal::new(false),
            sending: RwSignal::new(false),
        }
    }

    /// Shows the errors of a submit and moves focus to their summary.
    pub fn show(&self, errors: FieldErrors) {
        self.errors.set(errors);
        self.shown.update(|n| *n += 1);
    }
}

/// A form that posts to a server function: a plain HTML form without JavaScript; with WASM it
/// validates as the applicant types (the same `parse` the server runs), keeps a draft on the
/// device, and queues its submission when there is no connection.
#[component]
pub fn ProgressiveForm(
    /// The server function's URL, e.g. `RequestCode::url()`.
    action: &'static str,
    /// Names the form: its draft, its place in the queue, its errors after a plain post.
    id: &'static str,
    state: FormState,
    /// The same rules the server runs, checked in the browser.
    #[prop(optional)]
    validate: Option<Callback<FormValues, FieldErrors>>,
    /// Keep what is typed on the device (not for one-time codes).
    #[prop(default = true)]
    keep_draft: bool,
    /// Sign-out: remove everything the portal kept on this device first.
    #[prop(optional)]
    forget_device_data: bool,
    #[prop(optional, into)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    #[cfg(feature = "hydrate")]
    let events = enhance::Enhancement {
        action,
        form,
        id,
        state,
        validate,
        keep_draft,
        forget_device_data,
        touched: StoredValue::new(Default::default()),
        pending: StoredValue::new(None),
    }
    .start();
    #[cfg(not(feature = "hydrate"))]
    let events = {
        let _ = (validate, keep_draft, forget_device_data, state);
        NoEvents
    };
    view! {
        <form
            method="post"
            action=action
            novalidate=""
            class=class
            data-form=id
            node_ref=form
            on:submit=events.submit()
            on:input=events.input()
            on:change=events.input()
            on:focusout=events.focus_out()
        >
            {children()}
        </form>
    }
}

/// On the server the form has no event handlers.
#[cfg(not(feature = "hydrate"))]
struct NoEvents;

#[cfg(not(feature = "hydrate"))]
impl NoEvents {
    fn submit(&self) -> impl Fn(leptos::web_sys::SubmitEvent) + 'static {
        |_| {}
    }
    fn input(&self) -> impl Fn(leptos::web_sys::Event) + 'static {
        |_| {}
    }
    fn focus_out(&self) -> impl Fn(leptos::web_sys::FocusEvent) + 'static {
        |_| {}
    }
}

/// The browser side of `ProgressiveForm`.
#[cfg(feature = "hydrate")]
mod enhance {
    use std::collections::HashSet;

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{FormData, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

    use super::{field_of, FormState, FormValues, Submitted, FORM_ERROR};
    use crate::{
        domain::FieldErrors,
        offline::{self, Delivery, Queued, Snapshot},
    };

    #[derive(Clone, Copy)]
    pub struct Enhancement {
        pub action: &'static str,
        pub form: NodeRef<leptos::html::Form>,
        pub id: &'static str,
        pub state: FormState,
        pub validate: Option<Callback<FormValues, FieldErrors>>,
        pub keep_draft: bool,
        pub forget_device_data: bool,
        pub touched: StoredValue<HashSet<String>>,
        /// The submission being sent or waiting for the connection.
        pub pending: StoredValue<Option<Queued>>,
    }

    impl Enhancement {
        /// Runs once the form is in the page: restores its draft, shows an outcome delivered
        /// elsewhere, and sends a submission queued earlier when the connection allows.
        pub fn start(self) -> Self {
            Effect::new(move |_| {
                let Some(form) = self.form.get() else { return };
                if self.keep_draft {
                    if let Some(draft) = offline::load_draft(self.id) {
                        restore(&form, &draft);
                    }
                }
                if let Some(outcome) = offline::take_outcome(self.id) {
                    self.apply(Delivery::Answered(outcome));
                }
                if offline::queued(self.id).is_some() {
                    self.state.queued.set(true);
                    self.resend();
                }
                let on_online = Closure::<dyn Fn()>::new(move || self.resend());
                if let Some(window) = web_sys::window() {
                    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
                }
                on_online.forget();
                // Tests and curious people can see that the enhancement is live.
                let _ = form.set_attribute("data-enhanced", "true");
            });
            self
        }

        /// Sends a submission now, or keeps it until the connection returns.
        fn deliver(self, item: Queued) {
            // Held in the page as well: a shared device keeps nothing in storage.
            self.pending.set_value(Some(item.clone()));
            if !offline::is_online() {
                return self.keep(item);
            }
            self.state.sending.set(true);
            leptos::task::spawn_local(async move {
                let delivery = offline::post(&item.url, &item.body).await;
                self.state.sending.set(false);
                match delivery {
                    Delivery::NotSent => self.keep(item),
                    delivery => self.apply(delivery),
                }
            });
        }

        fn keep(self, item: Queued) {
            offline::enqueue(item);
            self.state.queued.set(true);
            // Online but not sent: the server asked to wait, or the connection is flaky. Try again
            // a little later (the `online` event covers coming back from offline).
            if offline::is_online() {
                set_timeout(move || self.resend(), std::time::Duration::from_secs(8));
            }
        }

        /// Sends what is waiting, from this page or from an earlier visit.
        fn resend(self) {
            if let Some(item) = self.pending.get_value().or_else(|| offline::queued(self.id)) {
                self.deliver(item);
            }
        }

        fn apply(self, delivery: Delivery) {
            match delivery {
                Delivery::NotSent => self.state.queued.set(true),
                Delivery::Redirected(location) => offline::go_to_unless_there(&location),
                Delivery::Answered(answer) => {
                    self.pending.set_value(None);
                    offline::dequeue(self.id);
                    self.state.queued.set(false);
                    match answer {
                        Ok(Submitted::Accepted { next }) => {
                            offline::clear_draft(self.id);
                            offline::go_to(&next);
                        }
                        Ok(Submitted::Invalid(errors)) => self.state.show(errors),
                        Err(error) => self.state.show(FieldErrors::single(FORM_ERROR, error.to_string())),
                    }
                }
            }
        }

        fn form_data(self) -> Option<(HtmlFormElement, FormData)> {
            let form: HtmlFormElement = self.form.get_untracked()?;
            let data = FormData::new_with_form(&form).ok()?;
            Some((form, data))
        }

        /// The errors of the fields the applicant has been to, as they type.
        fn revalidate(self) {
            let (Some(validate), Some((_, data))) = (self.validate, self.form_data()) else {
                return;
            };
            let live = validate.run(values(&data));
            let touched = self.touched.get_value();
            let mut next = FieldErrors::new();
            for error in live.iter().filter(|e| touched.contains(&e.field)) {
                next.push(&error.field, error.message.clone());
            }
            for error in self
                .state
                .errors
                .get_untracked()
                .iter()
                .filter(|e| !touched.contains(&e.field))
            {
                next.push(&error.field, error.message.clone());
            }
            if next != self.state.errors.get_untracked() {
                self.state.errors.set(next);
            }
        }

        fn target_field(event: &web_sys::Event) -> Option<String> {
            let target = event.target()?;
            let name = if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
                input.name()
            } else if let Some(select) = target.dyn_ref::<HtmlSelectElement>() {
                select.name()
            } else {
                target.dyn_ref::<HtmlTextAreaElement>()?.name()
            };
            Some(field_of(&name))
        }

        pub fn input(self) -> impl Fn(web_sys::Event) + 'static {
            move |event| {
                if self.keep_draft {
                    if let Some(form) = self.form.get_untracked() {
                        offline::save_draft(self.id, &snapshot(&form));
                    }
                }
                // A field with an error is checked again at each keystroke, so the error goes
                // as soon as it is mended.
                if let Some(field) = Self::target_field(&event) {
                    if self.state.errors.with_untracked(|e| e.get(&field).is_some()) {
                        self.touched.update_value(|t| {
                            t.insert(field);
                        });
                        self.revalidate();
                    }
                }
            }
        }

        pub fn focus_out(self) -> impl Fn(web_sys::FocusEvent) + 'static {
            move |event| {
                // Leaving a field for this form's submit button: the submit checks everything.
                // Showing the errors now would push the button down between the press and the
                // release, and the click would be lost.
                let to_submit = event
                    .related_target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlButtonElement>().ok())
                    .is_some_and(|button| {
                        button.type_() == "submit"
                            && button.form().is_some()
                            && button.form() == self.form.get_untracked()
                    });
                if to_submit {
                    return;
                }
                if let Some(field) = Self::target_field(&event) {
                    self.touched.update_value(|t| {
                        t.insert(field);
                    });
                    self.revalidate();
                }
            }
        }

        pub fn submit(self) -> impl Fn(web_sys::SubmitEvent) + 'static {
            move |event| {
                event.prevent_default();
                let Some((form, data)) = self.form_data() else {
                    return;
                };
                if let Some(validate) = self.validate {
                    let found = validate.run(values(&data));
                    if !found.is_empty() {
                        self.touched
                            .update_value(|t| t.extend(found.iter().map(|e| e.field.clone())));
                        self.state.show(found);
                        return;
                    }
                }
                if self.forget_device_data {
                    offline::forget_everything();
                } else if self.keep_draft {
                    offline::save_draft(self.id, &snapshot(&form));
                }
                let Some(body) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
                    .ok()
                    .map(|p| String::from(p.to_string()))
                else {
                    return;
                };
                let page = web_sys::window()
                    .and_then(|w| w.location().pathname().ok())
                    .unwrap_or_default();
                self.deliver(Queued {
                    form: self.id.to_owned(),
                    url: self.action.to_owned(),
                    body,
                    page,
                });
            }
        }
    }

    /// Every (name, value) pair the form would post, hidden fields included.
    fn values(data: &FormData) -> FormValues {
        let mut pairs = Vec::new();
        if let Ok(Some(entries)) = js_sys::try_iter(data) {
            for entry in entries.flatten() {
                let entry: js_sys::Array = entry.unchecked_into();
                if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
                    pairs.push((name, value));
                }
            }
        }
        FormValues(pairs)
    }

    /// A control whose value a draft keeps (hidden fields, buttons and passwords are not kept).
    enum DraftControl {
        Input(HtmlInputElement),
        Select(HtmlSelectElement),
        Area(HtmlTextAreaElement),
    }

    fn draft_controls(form: &HtmlFormElement) -> Vec<DraftControl> {
        let elements = form.elements();
        (0..elements.length())
            .filter_map(|i| elements.item(i))
            .filter_map(|element| {
                if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                    let kept = !matches!(input.type_().as_str(), "hidden" | "submit" | "button" | "password");
                    kept.then(|| DraftControl::Input(input.clone()))
                } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
                    Some(DraftControl::Select(select.clone()))
                } else {
                    element
                        .dyn_ref::<HtmlTextAreaElement>()
                        .map(|area| DraftControl::Area(area.clone()))
                }
            })
            .collect()
    }

    fn is_choice(input: &HtmlInputElement) -> bool {
        matches!(input.type_().as_str(), "checkbox" | "radio")
    }

    /// The values of the form's visible controls.
    fn snapshot(form: &HtmlFormElement) -> Snapshot {
        let mut values = Snapshot::new();
        for control in draft_controls(form) {
            match control {
                DraftControl::Input(input) if is_choice(&input) && !input.checked() => {}
                DraftControl::Input(input) => values.push((input.name(), input.value())),
                DraftControl::Select(select) => values.push((select.name(), select.value())),
                DraftControl::Area(area) => values.push((area.name(), area.value())),
            }
        }
        values
    }

    /// Puts a draft back into the form's visible controls.
    fn restore(form: &HtmlFormElement, draft: &Snapshot) {
        let value_of = |name: &str| draft.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        for control in draft_controls(form) {
            match control {
                DraftControl::Input(input) if is_choice(&input) => {
                    let (name, value) = (input.name(), input.value());
                    input.set_checked(draft.iter().any(|(n, v)| *n == name && *v == value));
                }
                DraftControl::Input(input) => {
                    if let Some(value) = value_of(&input.name()) {
                        input.set_value(value);
                    }
                }
                DraftControl::Select(select) => {
                    if let Some(value) = value_of(&select.name()) {
                        select.set_value(value);
                    }
                }
                DraftControl::Area(area) => {
                    if let Some(value) = value_of(&area.name()) {
                        area.set_value(value);
                    }
                }
            }
        }
    }
}

/// Says plainly when a submission is waiting for the connection, or being sent.
#[component]
pub fn SubmissionStatus(state: FormState) -> impl IntoView {
    view! {
        <div class="submission-status" role="status" aria-live="polite">
            {move || if state.queued.get() {
                // Offline, or online but the server asked to wait (the launch rush).
                #[cfg(feature = "hydrate")]
                let offline = !crate::offline::is_online();
                #[cfg(not(feature = "hydrate"))]
                let offline = true;
                let (why, when) = if offline {
                    ("tidak ada koneksi internet.", "saat koneksi kembali")
                } else {
                    ("server sedang sangat sibuk.", "sebentar lagi")
                };
                Some(view! {
                    <p class="notice notice-queued">
                        <strong>"Belum terkirim: " {why}</strong>
                        " Isian Anda tersimpan di perangkat ini dan akan dikirim otomatis " {when} ". "
                        "Anda boleh menutup halaman ini; pengiriman dilanjutkan saat Anda membuka portal lagi."
                    </p>
                }.into_any())
            } else if state.sending.get() {
                Some(view! { <p class="notice">"Mengirim…"</p> }.into_any())
            } else {
                None
            }}
        </div>
    }
}

/// The list of problems at the top of a form. It takes focus after a submit that found
/// problems, and each entry links to its field.
#[component]
pub fn ErrorSummary(
    state: FormState,
    /// Where each field is, when it is not on this page (the check-your-answers page).
    #[prop(optional)]
    href_for: Option<fn(&str) -> String>,
) -> impl IntoView {
    let errors = state.errors;
    let summary = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if state.shown.get() > 0 && !errors.with_untracked(|e| e.is_empty()) {
            if let Some(element) = summary.get_untracked() {
                let _ = element.focus();
            }
        }
    });
    let has_errors_at_render = !errors.get_untracked().is_empty();
    view! {
        <div
            class="error-summary"
            class:hidden=move || errors.with(|e| e.is_empty())
            role="alert"
            tabindex="-1"
            autofocus=has_errors_at_render
            aria-labelledby="error-summary-title"
            node_ref=summary
        >
            <h2 id="error-summary-title">"Ada yang perlu diperbaiki"</h2>
            <ul>
                {move || errors.get().into_iter().map(|error| {
                    let href = if error.field == FORM_ERROR {
                        None
                    } else {
                        Some(href_for.map(|f| f(&error.field)).unwrap_or_else(|| format!("#{}", error.field)))
                    };
                    match href {
                        Some(href) => view! { <li><a href=href>{error.message}</a></li> }.into_any(),
                        None => view! { <li>{error.message}</li> }.into_any(),
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

fn described_by(id: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{id}-hint"));
    }
    if has_error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

#[component]
pub fn FieldError(id: &'static str, errors: RwSignal<FieldErrors>) -> impl IntoView {
    move || {
        errors.with(|e| e.get(id).map(str::to_owned)).map(|message| {
            view! { <p class="field-error" id={format!("{id}-error")}><span class="visually-hidden">"Kesalahan: "</span>{message}</p> }
        })
    }
}

/// The label, hint and error around one form control.
#[component]
fn LabelledField(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    errors: RwSignal<FieldErrors>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:field-invalid=move || errors.with(|e| e.get(id).is_some())>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id={format!("{id}-hint")}>{h}</p> })}
            <FieldError id errors/>
            {children()}
        </div>
    }
}

/// Shows a page's data once it has loaded, or the error that kept it from loading.
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || {
                let render = render.clone();
                resource.get().map(move |result| match result {
                    Ok(data) => render(data).into_any(),
                    Err(error) => {
                        // The page says why in words, and its status says so to machines (a
                        // verifier opening an admin's page gets 403, not 200). A missing sign-in
                        // has already redirected: its 303 stands.
                        #[cfg(feature = "ssr")]
                        if !matches!(error, AppError::Unauthenticated) {
                            crate::request::set_status(error.status());
                        }
                        view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}

/// A labelled text input with its hint and error.
#[component]
pub fn TextField(
    /// The element id, also the field's name in error lists.
    id: &'static str,
    /// The form control's name (how the server function receives it).
    name: String,
    label: &'static str,
    #[prop(into)] value: String,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let has_error = move || errors.with(|e| e.get(id).is_some());
    view! {
        <LabelledField id label hint errors>
            <input
                id=id
                name=name
                type=input_type
                value=value
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || described_by(id, hint.is_some(), has_error())
            />
        </LabelledField>
    }
}

/// A labelled multi-line text box with its hint and error.
#[component]
pub fn TextAreaField(
    id: &'static str,
    name: String,
    label: &'static str,
    #[prop(into)] value: String,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 6)] rows: u32,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let has_error = move || errors.with(|e| e.get(id).is_some());
    view! {
        <LabelledField id label hint errors>
            <textarea
                id=id
                name=name
                rows=rows
                maxlength=maxlength
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || described_by(id, hint.is_some(), has_error())
            >
                {value}
            </textarea>
        </LabelledField>
    }
}

/// A labelled drop-down list.
#[component]
pub fn SelectField(
    id: &'static str,
    name: String,
    label: &'static str,
    #[prop(into)] value: String,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let has_error = move || errors.with(|e| e.get(id).is_some());
    view! {
        <LabelledField id label hint errors>
            <select
                id=id
                name=name
                autocomplete=autocomplete
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || described_by(id, hint.is_some(), has_error())
            >
                <option value="" selected=value.is_empty()>"— Pilih —"</option>
                {options.into_iter().map(|(option_value, option_label)| {
                    let selected = option_value == value;
                    view! { <option value=option_value selected=selected>{option_label}</option> }
                }).collect_view()}
            </select>
        </LabelledField>
    }
}

/// A group of radio buttons (one choice) or checkboxes (several), in a fieldset with a legend.
#[component]
pub fn ChoiceField(
    id: &'static str,
    name: String,
    legend: &'static str,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
    /// The chosen values.
    chosen: Vec<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] multiple: bool,
) -> impl IntoView {
    let has_error = move || errors.with(|e| e.get(id).is_some());
    let input_type = if multiple { "checkbox" } else { "radio" };
    view! {
        <fieldset
            class="field choices"
            class:field-invalid=has_error
            id=id
            tabindex="-1"
            aria-describedby=move || described_by(id, hint.is_some(), has_error())
        >
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint" id={format!("{id}-hint")}>{h}</p> })}
            <FieldError id errors/>
            {options.into_iter().enumerate().map(|(index, (value, label))| {
                let option_id = format!("{id}-{index}");
                let checked = chosen.contains(&value);
                view! {
                    <div class="choice">
                        <input type=input_type id=option_id.clone() name=name.clone() value=value checked=checked/>
                        <label for=option_id>{label}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Values of a form for the flash (fields a plain post could not keep otherwise).
pub fn values<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_names_map_to_fields() {
        assert_eq!(super::field_of("draft[nik]"), "nik");
        assert_eq!(super::field_of("draft[interests][]"), "interests");
        assert_eq!(super::field_of("email"), "email");
    }

    #[test]
    fn form_values_read_like_a_post() {
        let values = super::FormValues(vec![
            ("email".into(), "a@b.id".into()),
            ("draft[interests][]".into(), "barista".into()),
            ("draft[interests][]".into(), "menjahit".into()),
        ]);
        assert_eq!(values.get("email"), "a@b.id");
        assert_eq!(values.get("missing"), "");
        assert_eq!(values.all("draft[interests][]"), ["barista", "menjahit"]);
        assert!(!values.has("declaration"));
    }
}
