//! Errors found in the browser, marked next to their fields.
//!
//! A form's fields are rendered by the server only: they reach an island as its children, so
//! their view code never ships in the WASM. What the browser finds (the same `parse` the server
//! runs) is therefore written into the page as the server would have rendered it: the message
//! in `<p class="field-error" id="{field}-error">` before the control, `field-invalid` on the
//! field, `aria-invalid` on the control and the message in its `aria-describedby`.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement};

use crate::domain::FieldErrors;

const INVALID_CLASS: &str = "field-invalid";
const ERROR_CLASS: &str = "field-error";

/// Marks every field of `form` named in `errors` and clears the marks of the others.
pub fn mark(form: &HtmlFormElement, errors: &FieldErrors) {
    for shown in marked_fields(form) {
        if errors.get(&shown).is_none() {
            clear(form, &shown);
        }
    }
    for error in errors.iter() {
        show(form, &error.field, &error.message);
    }
}

/// The fields showing an error now.
fn marked_fields(form: &HtmlFormElement) -> Vec<String> {
    let Ok(shown) = form.query_selector_all(&format!(".{ERROR_CLASS}")) else {
        return Vec::new();
    };
    (0..shown.length())
        .filter_map(|i| shown.item(i)?.dyn_into::<Element>().ok())
        .filter_map(|element| element.id().strip_suffix("-error").map(str::to_owned))
        .collect()
}

/// The element of the form with this id (field ids are the portal's own constants).
fn by_id(form: &HtmlFormElement, id: &str) -> Option<Element> {
    let element = form.owner_document()?.get_element_by_id(id)?;
    form.contains(Some(&element)).then_some(element)
}

/// A group of choices is marked on its fieldset; any other control on its `.field` wrapper.
fn field_of(control: &Element) -> Option<Element> {
    if is_group(control) {
        Some(control.clone())
    } else {
        control.closest(".field").ok().flatten()
    }
}

fn show(form: &HtmlFormElement, field: &str, message: &str) {
    let Some(control) = by_id(form, field) else {
        // Errors of the whole form are for the summary only.
        return;
    };
    let Some(wrapper) = field_of(&control) else { return };
    let error_id = format!("{field}-error");
    let error = match by_id(form, &error_id) {
        Some(error) => error,
        None => match new_error(&wrapper, &error_id) {
            Some(error) => error,
            None => return,
        },
    };
    // The same words as the server's render: the hidden prefix tells screen readers what it is.
    error.set_text_content(None);
    if let Some(document) = form.owner_document() {
        if let Ok(prefix) = document.create_element("span") {
            prefix.set_class_name("visually-hidden");
            prefix.set_text_content(Some("Kesalahan: "));
            let _ = error.append_with_node_1(&prefix);
        }
    }
    let _ = error.append_with_str_1(message);
    let _ = wrapper.class_list().add_1(INVALID_CLASS);
    if !is_group(&control) {
        let _ = control.set_attribute("aria-invalid", "true");
    }
    describe(&control, &error_id, true);
}

fn clear(form: &HtmlFormElement, field: &str) {
    let error_id = format!("{field}-error");
    if let Some(error) = by_id(form, &error_id) {
        error.remove();
    }
    let Some(control) = by_id(form, field) else { return };
    if let Some(wrapper) = field_of(&control) {
        let _ = wrapper.class_list().remove_1(INVALID_CLASS);
    }
    let _ = control.remove_attribute("aria-invalid");
    describe(&control, &error_id, false);
}

fn is_group(control: &Element) -> bool {
    control.tag_name().eq_ignore_ascii_case("fieldset")
}

/// The message's paragraph, placed where the server puts it: after the label and hint, before
/// the first child that holds a control.
fn new_error(wrapper: &Element, id: &str) -> Option<Element> {
    let error = wrapper.owner_document()?.create_element("p").ok()?;
    error.set_class_name(ERROR_CLASS);
    error.set_id(id);
    let children = wrapper.children();
    let before = (0..children.length()).filter_map(|i| children.item(i)).find(|child| {
        matches!(
            child.tag_name().to_ascii_lowercase().as_str(),
            "input" | "select" | "textarea"
        ) || child.query_selector("input, select, textarea").ok().flatten().is_some()
    });
    wrapper
        .insert_before(&error, before.as_ref().map(|b| b.as_ref()))
        .ok()?;
    Some(error)
}

/// Adds or removes the message's id in the control's `aria-describedby`, keeping the others.
fn describe(control: &Element, error_id: &str, described: bool) {
    let current = control.get_attribute("aria-describedby").unwrap_or_default();
    let mut ids: Vec<&str> = current.split_whitespace().filter(|id| *id != error_id).collect();
    if described {
        ids.push(error_id);
    }
    if ids.is_empty() {
        let _ = control.remove_attribute("aria-describedby");
    } else {
        let _ = control.set_attribute("aria-describedby", &ids.join(" "));
    }
}
