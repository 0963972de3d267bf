//! The catalogue's filters, results and comparison as one island. The server renders it as
//! plain HTML that works without JavaScript (a GET form, links, a comparison form). With WASM
//! the island fetches the catalogue document once and from then on filters, sorts, pages and
//! compares in the page, with no round trip per keystroke, and keeps doing so without a
//! connection. Lazy: its code is a module of its own, fetched only by the catalogue page.

use crate::paths::{compare_url, CATALOGUE_PATH, COMPARE_PATH};
use leptos::{html, prelude::*};
use serde::{Deserialize, Serialize};

use super::{
    compare::{ComparisonTable, MAX_COMPARED},
    item::{choose, TrainingItem},
    local::LocalCatalogue,
    query::PAGE_SIZE,
    CatalogueQuery, RawCatalogueQuery, SortOrder, TrainingMode, TrainingSummary,
};
use crate::{
    domain::{FieldErrors, Rupiah, TrainingCategory},
    forms::{ErrorSummary, FieldError, FormState},
};

/// Everything of the server's page the island needs, without the trainings themselves: those
/// come as the island's children, rendered on the server and never serialized into the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueFrame {
    pub total: i64,
    /// For the platform list's options, which only the server renders (`server_options`).
    #[serde(skip)]
    pub platforms: Vec<(String, String)>,
    /// The participant's card balance, when signed in with a usable card.
    pub balance: Option<Rupiah>,
    /// Drawn for this page; each buy button derives its idempotency key from it.
    pub page_key: uuid::Uuid,
    /// When signed in: the interests given at signup, for the fit in the in-page comparison.
    pub interests: Option<Vec<TrainingCategory>>,
    /// The trainings on the server's page.
    pub page_ids: Vec<i32>,
}

/// The server's page of trainings: plain HTML, the island's children until the first change.
/// It comes joined from each training's HTML, which the server keeps per catalogue snapshot
/// (`training_item_html`).
#[component]
pub fn ServerResults(html: std::sync::Arc<str>) -> impl IntoView {
    view! { <ol class="training-list" inner_html=html></ol> }
}

/// What the list shows once the browser searches: the search, its page, how many match in all.
type Shown = (CatalogueQuery, Vec<TrainingSummary>, i64);

#[island(lazy)]
pub fn InstantCatalogue(frame: CatalogueFrame, typed_search: String, children: Children) -> impl IntoView {
    let raw = RawCatalogueQuery::from_form(&typed_search);
    let CatalogueFrame {
        total,
        platforms,
        balance,
        page_key,
        interests,
        page_ids,
    } = frame;
    // The search and its errors from what was typed, as the server parsed them (the same
    // `parse`, and not sent in the page: the module stays smaller without their decoders).
    let (query, errors) = CatalogueQuery::parse(&raw);
    let form = FormState::new(errors);
    let filters = NodeRef::<html::Form>::new();
    let result_count = NodeRef::<html::P>::new();
    let server_results = NodeRef::<html::Div>::new();
    // The catalogue document, once it has arrived.
    let local: RwSignal<Option<LocalCatalogue>> = RwSignal::new(None);
    // The first change after the document arrived hands the list to the browser; until then it
    // shows the server's page (the same search, from the server's snapshot).
    let instant = RwSignal::new(false);
    let typed = RwSignal::new(raw.clone());
    let chosen = RwSignal::new(Vec::<i32>::new());
    #[cfg(feature = "hydrate")]
    let choice_known = StoredValue::new(false);
    let server_query = StoredValue::new(query.clone());
    // `None` while the server's page is shown.
    let shown: Memo<Option<Shown>> = Memo::new(move |_| {
        if !instant.get() {
            return None;
        }
        let (query, _) = CatalogueQuery::parse(&typed.get());
        let (trainings, total) = local.with(|l| l.as_ref().map(|l| l.search(&query, balance)))?;
        Some((query, trainings, total))
    });
    let shown_query = move || {
        shown
            .with(|s| s.as_ref().map(|s| s.0.clone()))
            .unwrap_or_else(|| server_query.get_value())
    };
    let shown_total = move || shown.with(|s| s.as_ref().map(|s| s.2)).unwrap_or(total);
    let on_page = move || -> Vec<i32> {
        shown.with(|s| match s {
            Some((_, trainings, _)) => trainings.iter().map(|t| t.id).collect(),
            None => page_ids.clone(),
        })
    };
    let ready = move || local.with(Option::is_some);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // What was remembered, and what was ticked before this code arrived.
        let mut ids = crate::offline::compare_choice::remembered();
        let ticked_early = server_results.get_untracked().map(|list| browser::ticked_boxes(&list));
        for id in ticked_early.unwrap_or_default() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        while ids.len() > MAX_COMPARED {
            ids.remove(0);
        }
        crate::offline::compare_choice::remember(&ids);
        choice_known.set_value(true);
        chosen.set(ids);
        leptos::task::spawn_local(async move {
            if let Some(document) = browser::load_document().await {
                local.set(Some(LocalCatalogue::new(document)));
            }
        });
    });

    // The server's boxes follow the choice (a remembered one, or the oldest giving way), once it
    // is known: before, they hold what was ticked before this code arrived.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let ids = chosen.get();
        if !choice_known.get_value() {
            return;
        }
        if let Some(list) = server_results.get() {
            browser::tick_boxes(&list, &ids);
        }
    });

    // Shows the search in the URL too, so it can still be bookmarked and shared.
    let show = move |raw: RawCatalogueQuery| {
        typed.set(raw);
        instant.set(true);
        #[cfg(feature = "hydrate")]
        {
            // The server's page gives way for good (its boxes would post the choice twice).
            if let Some(list) = server_results.get_untracked() {
                list.remove();
            }
            browser::replace_url(&shown_query().url(None));
        }
    };
    // A box of the server's page ticked or unticked.
    let on_server_tick = move |event: leptos::ev::Event| {
        let input = event_target::<leptos::web_sys::HtmlInputElement>(&event);
        if input.name() == "pilih" {
            if let Ok(id) = input.value().parse::<i32>() {
                choose(chosen, id, input.checked());
            }
        }
    };
    // Reads the form after every change: errors beside the fields, results in the list.
    let refresh = move || {
        #[cfg(feature = "hydrate")]
        if let Some(raw) = filters.get_untracked().map(|f| browser::read_filters(&f)) {
            let (_, errors) = CatalogueQuery::parse(&raw);
            form.errors.set(errors);
            if ready() {
                show(raw);
            }
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        if !ready() {
            return; // The server searches.
        }
        event.prevent_default();
        refresh();
        let errors = form.errors.get_untracked();
        if errors.is_empty() {
            focus(result_count);
        } else {
            form.show(errors);
        }
    };
    let go_to_page = move |event: leptos::ev::MouseEvent, page: i64| {
        if !ready() {
            return; // A plain link to the server's page.
        }
        event.prevent_default();
        let mut raw = typed.get_untracked();
        raw.hal = Some(page.to_string());
        show(raw);
        focus(result_count);
    };

    let typed_value = |value: &Option<String>| value.clone().unwrap_or_default();
    let selected_category = query.category;
    let selected_platform = query.platform.clone();
    let selected_mode = query.mode;
    let selected_rating = query.min_rating;
    let selected_sort = query.sort;
    view! {
        <ErrorSummary state=form/>
        <form method="get" action=CATALOGUE_PATH class="filters catalogue-filters" role="search"
            aria-label="Cari dan saring pelatihan" node_ref=filters
            on:input=move |_| refresh() on:change=move |_| refresh() on:submit=on_submit>
            <div class="field">
                <label for="q">"Cari pelatihan"</label>
                <input id="q" name="q" type="search" value=typed_value(&raw.q) maxlength="100" placeholder="contoh: barista, excel, jualan online"/>
            </div>
            <div class="field">
                <label for="kategori">"Kategori"</label>
                <select id="kategori" name="kategori" aria-describedby=described_by("kategori", form.errors)
                    inner_html=server_options(|| category_options(selected_category))></select>
                <FieldError id="kategori" errors=form.errors/>
            </div>
            <div class="field">
                <label for="platform">"Platform"</label>
                <select id="platform" name="platform"
                    inner_html=server_options(|| platform_options(&platforms, selected_platform.as_deref()))></select>
            </div>
            <NumberFilter name="harga_maks" label="Harga paling tinggi (Rp)" typed=typed_value(&raw.harga_maks) errors=form.errors/>
            {balance.map(|balance| view! {
                <label class="checkbox">
                    <input type="checkbox" name="dalam_saldo" value="1" checked=query.within_balance/>
                    {format!(" Sampai sisa saldo saya ({balance})")}
                </label>
            })}
            <NumberFilter name="jam_min" label="Jam pelatihan paling singkat" typed=typed_value(&raw.jam_min) errors=form.errors/>
            <NumberFilter name="jam_maks" label="Jam pelatihan paling lama" typed=typed_value(&raw.jam_maks) errors=form.errors/>
            <div class="field">
                <label for="cara">"Cara belajar"</label>
                <select id="cara" name="cara" inner_html=server_options(|| mode_options(selected_mode))></select>
                <FieldError id="cara" errors=form.errors/>
            </div>
            <div class="field">
                <label for="rating_min">"Rating paling rendah"</label>
                <select id="rating_min" name="rating_min" inner_html=server_options(|| rating_options(selected_rating))></select>
                <FieldError id="rating_min" errors=form.errors/>
            </div>
            <div class="field">
                <label for="urut">"Urutkan"</label>
                <select id="urut" name="urut" inner_html=server_options(|| sort_options(selected_sort))></select>
            </div>
            <div class="form-actions">
                <button type="submit" class="button">"Terapkan"</button>
                <a href=CATALOGUE_PATH>"Hapus semua filter"</a>
            </div>
            <p class="hint instant-status" aria-live="polite">
                {move || local.with(|l| l.as_ref().map(|l| format!(
                    "Saringan langsung: hasil berubah saat Anda memilih, tanpa memuat ulang ({} pelatihan tersimpan di perangkat ini).",
                    l.len()
                )))}
            </p>
        </form>
        <p class="result-count" role="status" tabindex="-1" node_ref=result_count>
            {move || format!("{} pelatihan ditemukan", shown_total())}
        </p>
        <form id="banding" method="get" action=COMPARE_PATH class="compare-form">
            // Trainings chosen on other pages of results travel with the form.
            {move || {
                let on_page = on_page();
                chosen.get().into_iter().filter(|id| !on_page.contains(id)).map(|id| view! {
                    <input type="hidden" name="pilih" value=id.to_string()/>
                }).collect_view()
            }}
            <button type="submit" class="button button-secondary">"Bandingkan yang dipilih"</button>
            <span class="hint" aria-live="polite">{move || match chosen.with(Vec::len) {
                0 => " Centang 2 sampai 4 pelatihan.".to_owned(),
                n => format!(" {n} pelatihan dipilih (paling banyak {MAX_COMPARED})."),
            }}</span>
        </form>
        {move || {
            let ids = chosen.get();
            let comparison = local.with(|l| {
                l.as_ref()
                    .filter(|_| !ids.is_empty())
                    .map(|l| l.compare(&ids, interests.as_deref(), balance))
            })?;
            Some(view! {
                <section class="in-page-comparison" aria-labelledby="banding-di-halaman">
                    <h2 id="banding-di-halaman">{format!("Perbandingan ({} pelatihan)", comparison.trainings.len())}</h2>
                    <ComparisonTable comparison/>
                    <p><a href=compare_url(&ids)>"Buka perbandingan lengkap, dengan yang dipelajari di tiap pelatihan"</a></p>
                </section>
            })
        }}
        <div class="server-results" node_ref=server_results on:change=on_server_tick>{children()}</div>
        {move || instant.get().then(|| view! {
            <ol class="training-list">
                <For each=move || shown.with(|s| s.as_ref().map(|s| s.1.clone()).unwrap_or_default()) key=|training| training.id let:training>
                    <li><TrainingItem training page_key=balance.map(|_| page_key) chosen=Some(chosen)/></li>
                </For>
            </ol>
        })}
        {move || {
            let (query, total) = (shown_query(), shown_total());
            let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
            (pages > 1).then(|| {
                let page = query.page;
                let previous = (page > 1).then(|| (query.url(Some(page - 1)), page - 1));
                let next = (page < pages).then(|| (query.url(Some(page + 1)), page + 1));
                view! {
                    <nav class="pagination" aria-label="Halaman hasil">
                        {previous.map(|(href, to)| view! { <a href=href rel="prev" on:click=move |e| go_to_page(e, to)>"‹ Sebelumnya"</a> })}
                        <span>{format!(" Halaman {page} dari {pages} ")}</span>
                        {next.map(|(href, to)| view! { <a href=href rel="next" on:click=move |e| go_to_page(e, to)>"Berikutnya ›"</a> })}
                    </nav>
                }
            })
        }}
    }
}

/// The options of a list of the filter form, rendered by the server only: hydrating keeps what
/// the server sent in an element's `inner_html`, and these lists never change in the page (the
/// browser reads the choice from the form), so the island's module carries no code for them.
#[cfg(feature = "ssr")]
fn server_options(render: impl FnOnce() -> String) -> String {
    render()
}

#[cfg(not(feature = "ssr"))]
fn server_options(_: impl FnOnce() -> String) -> String {
    String::new()
}

fn option_html(value: &str, label: &str, selected: bool) -> String {
    view! { <option value=value selected=selected>{label}</option> }.to_html()
}

/// A list's options: first the one that leaves it unchosen (`all`), when it has one, then each
/// choice as (value, label, selected).
fn options_html<V: AsRef<str>, L: AsRef<str>>(
    all: Option<&str>,
    choices: impl Iterator<Item = (V, L, bool)>,
) -> String {
    all.map(|label| option_html("", label, false))
        .into_iter()
        .chain(choices.map(|(value, label, selected)| option_html(value.as_ref(), label.as_ref(), selected)))
        .collect()
}

fn category_options(selected: Option<TrainingCategory>) -> String {
    let choices = TrainingCategory::ALL
        .iter()
        .map(|c| (c.code(), c.label(), selected == Some(*c)));
    options_html(Some("Semua kategori"), choices)
}

fn platform_options(platforms: &[(String, String)], selected: Option<&str>) -> String {
    let choices = platforms
        .iter()
        .map(|(code, name)| (code, name, selected == Some(code.as_str())));
    options_html(Some("Semua platform"), choices)
}

fn mode_options(selected: Option<TrainingMode>) -> String {
    let choices = TrainingMode::ALL
        .iter()
        .map(|m| (m.code(), m.label(), selected == Some(*m)));
    options_html(Some("Semua cara"), choices)
}

fn rating_options(selected: Option<i16>) -> String {
    let choices = (1..=5i16)
        .rev()
        .map(|r| (r.to_string(), format!("{r} bintang ke atas"), selected == Some(r)));
    options_html(Some("Semua rating"), choices)
}

/// A search is always sorted somehow: this list has no "all".
fn sort_options(selected: SortOrder) -> String {
    let choices = SortOrder::ALL.iter().map(|s| (s.code(), s.label(), selected == *s));
    options_html(None, choices)
}

fn described_by(field: &'static str, errors: RwSignal<FieldErrors>) -> impl Fn() -> Option<String> {
    move || errors.with(|e| e.get(field).map(|_| format!("{field}-error")))
}

fn focus(target: NodeRef<html::P>) {
    if let Some(element) = target.get_untracked() {
        let _ = element.focus();
    }
}

/// A number typed into the filter form, with its error beside it.
#[component]
fn NumberFilter(
    name: &'static str,
    label: &'static str,
    typed: String,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let invalid = move || errors.with(|e| e.get(name).is_some());
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name inputmode="numeric" value=typed
                aria-describedby=described_by(name, errors) aria-invalid=move || invalid().then_some("true")/>
            <FieldError id=name errors/>
        </div>
    }
}

/// What only the browser does: read the form, rewrite the URL, fetch the document.
#[cfg(feature = "hydrate")]
mod browser {
    use super::super::document::CatalogueDocument;
    use super::RawCatalogueQuery;
    use crate::paths::CATALOGUE_DOCUMENT_PATH;

    pub fn read_filters(form: &web_sys::HtmlFormElement) -> RawCatalogueQuery {
        let Ok(data) = web_sys::FormData::new_with_form(form) else {
            return RawCatalogueQuery::default();
        };
        // The form has no page: a changed search starts on its first.
        let get = |name: &str| data.get(name).as_string().filter(|v| !v.is_empty() && name != "hal");
        RawCatalogueQuery::from_params(get)
    }

    /// The comparison boxes of the server's page.
    fn boxes(list: &web_sys::HtmlDivElement) -> Vec<web_sys::HtmlInputElement> {
        use wasm_bindgen::JsCast;
        let Ok(boxes) = list.query_selector_all("input[name='pilih']") else {
            return Vec::new();
        };
        (0..boxes.length())
            .filter_map(|i| boxes.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
            .collect()
    }

    /// Ticks the boxes of the server's page that are in `ids`, unticks the others.
    pub fn tick_boxes(list: &web_sys::HtmlDivElement, ids: &[i32]) {
        for input in boxes(list) {
            let id = input.value().parse::<i32>().ok();
            input.set_checked(id.is_some_and(|id| ids.contains(&id)));
        }
    }

    /// The trainings whose box is ticked.
    pub fn ticked_boxes(list: &web_sys::HtmlDivElement) -> Vec<i32> {
        boxes(list)
            .into_iter()
            .filter(|input| input.checked())
            .filter_map(|input| input.value().parse().ok())
            .collect()
    }

    pub fn replace_url(url: &str) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
        }
    }

    /// The catalogue document, through the browser's HTTP cache (which revalidates it by its
    /// ETag) and, without a connection, the service worker's last copy. `None` when neither has
    /// it: the page then keeps working through the server.
    pub async fn load_document() -> Option<CatalogueDocument> {
        let response = gloo_net::http::Request::get(CATALOGUE_DOCUMENT_PATH)
            .send()
            .await
            .ok()?;
        if !response.ok() {
            return None;
        }
        response.json::<CatalogueDocument>().await.ok()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_filter_lists_mark_the_search_s_choice_and_escape_names() {
        let categories = category_options(Some(TrainingCategory::ALL[1]));
        assert!(
            categories.starts_with("<option value=\"\">Semua kategori</option>"),
            "{categories}"
        );
        assert_eq!(categories.matches("<option").count(), TrainingCategory::ALL.len() + 1);
        assert_eq!(categories.matches(" selected").count(), 1);
        assert!(categories.contains(&format!(
            "<option value=\"{}\" selected>",
            TrainingCategory::ALL[1].code()
        )));
        let platforms = vec![
            ("pintaria".to_owned(), "Pintaria".to_owned()),
            ("a-b".to_owned(), "A & \"B\"".to_owned()),
        ];
        let options = platform_options(&platforms, Some("a-b"));
        assert!(
            options.contains("<option value=\"a-b\" selected>A &amp; \"B\"</option>"),
            "{options}"
        );
        assert!(
            options.contains("<option value=\"pintaria\">Pintaria</option>"),
            "{options}"
        );
        assert!(
            !sort_options(SortOrder::ALL[0]).contains("value=\"\""),
            "a sort is always chosen"
        );
        assert!(rating_options(Some(4)).contains("<option value=\"4\" selected>4 bintang ke atas</option>"));
    }
}
