//! Labelled fields with their hints and errors, and the error summary.

use leptos::{either::Either, html::Div, prelude::*};

use super::state::FormState;
use crate::domain::submission::FORM_ERROR;
use crate::domain::FieldErrors;

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
                        Some(href) => Either::Left(view! { <li><a href=href>{error.message}</a></li> }),
                        None => Either::Right(view! { <li>{error.message}</li> }),
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
