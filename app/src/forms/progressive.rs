//! The form element: a plain HTML form, enhanced in the browser (checks as the applicant
//! types, drafts on the device, a queue while offline).

use leptos::{either::Either, prelude::*};

use super::state::{FormState, FormValues};
use crate::domain::FieldErrors;

/// A form that posts to a server function: a plain HTML form without JavaScript; with WASM it
/// validates as the applicant types (the same `parse` the server runs), keeps a draft on the
/// device, and queues its submission when there is no connection.
///
/// Its fields are rendered by the server: inside an island they come as the island's children
/// (their code is not in the WASM), and errors found in the browser are marked into that HTML
/// (`marks`). A field component rendered by the island itself would be marked twice.
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
    /// Runs when a control of the form changes (after the draft is saved).
    #[prop(optional)]
    on_change: Option<Callback<leptos::web_sys::Event>>,
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
        on_change,
        touched: StoredValue::new(Default::default()),
        pending: StoredValue::new(None),
    }
    .start();
    #[cfg(not(feature = "hydrate"))]
    let events = {
        let _ = (validate, keep_draft, forget_device_data, state, on_change);
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
    // A B-tree, not a hash set: no hasher in the WASM for a handful of field names.
    use std::collections::BTreeSet;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

    use super::super::state::{field_of, FormState, FormValues};
    use crate::domain::submission::{Submitted, FORM_ERROR};
    use crate::{
        domain::FieldErrors,
        navigation,
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
        pub on_change: Option<Callback<web_sys::Event>>,
        pub touched: StoredValue<BTreeSet<String>>,
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
                // Removed with the island: a page moved away from in place sends nothing more.
                let on_online = window_event_listener(leptos::ev::online, move |_| self.resend());
                on_cleanup(move || on_online.remove());
                // Tests and curious people can see that the enhancement is live.
                let _ = form.set_attribute("data-enhanced", "true");
            });
            // The fields are the server's HTML: errors found here are marked into it.
            Effect::new(move |_| {
                let errors = self.state.errors.get();
                if let Some(form) = self.form.get() {
                    super::super::marks::mark(&form, &errors);
                }
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
            // A timer may fire after the island was taken out of the page: what waits is then
            // sent by the next page's load (`offline::on_page_load`), not from here.
            if !self.on_page() {
                return;
            }
            if let Some(item) = self
                .pending
                .try_get_value()
                .flatten()
                .or_else(|| offline::queued(self.id))
            {
                self.deliver(item);
            }
        }

        /// The form is still on the page (not left by an in-page navigation meanwhile).
        fn on_page(self) -> bool {
            self.form
                .try_get_untracked()
                .flatten()
                .is_some_and(|form| form.is_connected())
        }

        fn apply(self, delivery: Delivery) {
            if !self.on_page() {
                // The applicant moved on while it was sent: settled as if sent from elsewhere,
                // without pulling them back.
                if let Delivery::Answered(answer) = delivery {
                    offline::settle_elsewhere(self.id, &answer);
                }
                return;
            }
            match delivery {
                Delivery::NotSent => self.state.queued.set(true),
                Delivery::Redirected(location) => navigation::go_to_unless_there(&location),
                Delivery::Answered(answer) => {
                    self.pending.set_value(None);
                    offline::dequeue(self.id);
                    self.state.queued.set(false);
                    match answer {
                        Ok(Submitted::Accepted { next }) => {
                            offline::clear_draft(self.id);
                            navigation::go_to(&next);
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
                if let Some(on_change) = self.on_change.filter(|_| event.type_() == "change") {
                    on_change.run(event.clone());
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
                Some(Either::Left(view! {
                    <p class="notice notice-queued">
                        <strong>"Belum terkirim: " {why}</strong>
                        " Isian Anda tersimpan di perangkat ini dan akan dikirim otomatis " {when} ". "
                        "Anda boleh menutup halaman ini; pengiriman dilanjutkan saat Anda membuka portal lagi."
                    </p>
                }))
            } else if state.sending.get() {
                Some(Either::Right(view! { <p class="notice">"Mengirim…"</p> }))
            } else {
                None
            }}
        </div>
    }
}
