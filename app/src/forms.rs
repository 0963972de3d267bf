//! One mechanism for every form of the portal.
//!
//! - Without JavaScript a form is a plain `<form method="post">` to its server function. The
//!   server answers with a redirect (post/redirect/get): to the next page, or back to the form
//!   with its errors kept in the session (never in the URL: the values are personal data).
//! - With WASM the same form is submitted by the client after the same `parse` the server runs
//!   has passed, and errors appear without a round trip.

use std::collections::BTreeMap;

use leptos::{
    html::Div,
    prelude::*,
    server_fn::{client::Client, codec::PostUrl, request::ClientReq, Http, ServerFn},
};
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
        Err(error)
            if error != AppError::Unauthenticated && crate::request::is_plain_form_post() =>
        {
            let shown = Submitted::Invalid(FieldErrors::single(FORM_ERROR, error.to_string()));
            // If even the session cannot take the message, the plain error remains.
            reply(state, form, form_path, shown, BTreeMap::new())
                .await
                .or(Err(error))
        }
        other => other,
    }
}

/// A form that posts to a server function, enhanced by WASM when it is there.
#[component]
pub fn ProgressiveForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    /// The errors shown by the form: the server's from the last plain post at first.
    errors: RwSignal<FieldErrors>,
    /// The same rules the server runs, checked in the browser before anything is sent.
    #[prop(optional)]
    validate: Option<Callback<ServFn, FieldErrors>>,
    #[prop(optional, into)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, OutputProtocol>, Output = Submitted, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    <<ServFn::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData:
        From<leptos::web_sys::FormData>,
    <ServFn as ServerFn>::Client: Client<AppError>,
{
    // Results of submissions made by the WASM client become the form's errors.
    Effect::new(move |_| match action.value().get() {
        Some(Ok(Submitted::Invalid(list))) => errors.set(list),
        Some(Ok(Submitted::Accepted { .. })) => errors.set(FieldErrors::new()),
        Some(Err(error)) => errors.set(FieldErrors::single(FORM_ERROR, error.to_string())),
        None => {}
    });

    #[cfg(feature = "hydrate")]
    let on_submit = move |ev: leptos::web_sys::SubmitEvent| {
        use leptos::form::FromFormData;
        ev.prevent_default();
        match ServFn::from_event(&ev) {
            Ok(input) => {
                if let Some(validate) = validate {
                    let found = validate.run(input.clone());
                    if !found.is_empty() {
                        errors.set(found);
                        return;
                    }
                }
                action.dispatch(input);
            }
            Err(error) => {
                leptos::logging::error!("form fields do not match the server function: {error:?}");
                errors.set(FieldErrors::single(
                    FORM_ERROR,
                    AppError::BadRequest.to_string(),
                ));
            }
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_submit = {
        let _ = validate;
        move |_: leptos::web_sys::SubmitEvent| {}
    };

    view! {
        <form method="post" action=ServFn::url() novalidate="" class=class on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The list of problems at the top of a form. It takes focus when it appears, and each entry
/// links to its field.
#[component]
pub fn ErrorSummary(
    errors: RwSignal<FieldErrors>,
    /// Where each field is, when it is not on this page (the check-your-answers page).
    #[prop(optional)]
    href_for: Option<fn(&str) -> String>,
) -> impl IntoView {
    let summary = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if !errors.with(|e| e.is_empty()) {
            if let Some(element) = summary.get() {
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
fn FieldError(id: &'static str, errors: RwSignal<FieldErrors>) -> impl IntoView {
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
                    Err(error) => view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }.into_any(),
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
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
