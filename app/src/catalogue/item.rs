//! A training in the catalogue's list: the same item in the server's page and in the list the
//! island shows once the browser searches, with its comparison box and, for a participant who
//! can buy, its buy form. The server keeps each training's item as HTML per catalogue snapshot.

use leptos::{either::Either, prelude::*};

use super::{compared::MAX_COMPARED, TrainingSummary};
use crate::domain::Rupiah;

/// A training as an item of the server's list, without a buy form: a pure function of the
/// training, so the server renders it once per catalogue snapshot instead of once per page.
#[cfg(feature = "ssr")]
pub fn training_item_html(training: &TrainingSummary) -> String {
    let training = training.clone();
    view! { <li><TrainingItem training page_key=None chosen=None/></li> }.to_html()
}

/// How `training_item_html` ends: the mark where a buy form goes, then the item's end.
#[cfg(feature = "ssr")]
const ITEM_END_WITHOUT_BUY_FORM: &str = "<!></article></li>";

/// The server's list from its trainings' kept HTML (`training_item_html`, in the same order).
/// A participant who can buy (`page_key`) gets each training's buy form spliced in, its key
/// drawn from the page's.
#[cfg(feature = "ssr")]
pub fn training_list_html<'a>(
    items: impl Iterator<Item = (&'a TrainingSummary, &'a str)>,
    page_key: Option<uuid::Uuid>,
) -> String {
    let mut html = String::with_capacity(super::query::PAGE_SIZE as usize * 1536);
    for (training, item) in items {
        let Some(page_key) = page_key else {
            html.push_str(item);
            continue;
        };
        match item.strip_suffix(ITEM_END_WITHOUT_BUY_FORM) {
            Some(head) => {
                let purchase_key = crate::domain::purchase_key::purchase_key(page_key, training.id);
                html.push_str(head);
                html.push_str(
                    &view! { <BuyForm training_id=training.id price=training.price purchase_key/> }.to_html(),
                );
                html.push_str("</article></li>");
            }
            // Not what `training_item_html` renders: the item is rendered whole (a test keeps
            // the two in step).
            None => {
                let training = training.clone();
                html.push_str(
                    &view! { <li><TrainingItem training page_key=Some(page_key) chosen=None/></li> }.to_html(),
                );
            }
        }
    }
    html
}

/// The buy button of a training: a plain form, so it works without JavaScript. The cards
/// feature answers it.
#[component]
fn BuyForm(training_id: i32, price: Rupiah, purchase_key: uuid::Uuid) -> impl IntoView {
    view! {
        <form method="post" action=crate::paths::BUY_TRAINING_PATH class="buy-form">
            <input type="hidden" name="training_id" value=training_id.to_string()/>
            <input type="hidden" name="idempotency_key" value=purchase_key.to_string()/>
            <button type="submit" class="button">{format!("Beli dengan saldo ({price})")}</button>
        </form>
    }
}

#[component]
pub fn TrainingItem(
    training: TrainingSummary,
    /// Set when the visitor is a participant who can buy.
    page_key: Option<uuid::Uuid>,
    /// The trainings ticked for comparison, when the island renders the list (the server's list
    /// has plain boxes; the island follows them).
    chosen: Option<RwSignal<Vec<i32>>>,
) -> impl IntoView {
    let id = training.id;
    let rating = match training.rating_mean() {
        Some(mean) => format!("Rating {mean} dari 5 ({} ulasan)", training.rating_count()),
        None => "Belum ada ulasan".to_owned(),
    };
    let overpriced = training.overpriced().then(|| {
        view! {
            <li class="flag">{format!(
                "Harga jauh di atas median kategorinya ({})",
                training.category_median_price
            )}</li>
        }
    });
    let conflict = training.conflict_of_interest.then(|| {
        view! { <li class="flag">"Lembaga pelatihan dimiliki platform penjualnya (konflik kepentingan)"</li> }
    });
    let heading_id = format!("pelatihan-{id}");
    let labelled_by = heading_id.clone();
    let compare_box = match chosen {
        Some(chosen) => Either::Left(view! {
            <input type="checkbox" name="pilih" value=id.to_string() form="banding"
                prop:checked=move || chosen.with(|ids| ids.contains(&id))
                on:change=move |event| choose(chosen, id, event_target_checked(&event))/>
        }),
        None => Either::Right(view! { <input type="checkbox" name="pilih" value=id.to_string() form="banding"/> }),
    };
    view! {
        <article class="training" aria-labelledby=labelled_by>
            <h2 id=heading_id>{training.title.clone()}</h2>
            <p class="meta">{format!("{} · {} · {} · No. {id}", training.provider, training.platform, training.category.label())}</p>
            <dl class="facts">
                <div><dt>"Harga"</dt><dd>{training.price.to_string()}</dd></div>
                <div><dt>"Durasi"</dt><dd>{format!("{} jam", training.hours)}</dd></div>
                <div><dt>"Per jam"</dt><dd>{training.price_per_hour().to_string()}</dd></div>
                <div><dt>"Cara"</dt><dd>{training.mode.label()}</dd></div>
                <div><dt>"Tingkat"</dt><dd>{training.level.label()}</dd></div>
            </dl>
            <p class="rating">{rating}" · "<a href=crate::paths::training_reviews_path(id)>"Ulasan dan sebaran rating"</a></p>
            <ul class="flags">{overpriced}{conflict}</ul>
            <label class="checkbox compare-choice">{compare_box}" Bandingkan"</label>
            {page_key.map(|key| view! {
                <BuyForm training_id=id price=training.price purchase_key=crate::domain::purchase_key::purchase_key(key, id)/>
            })}
        </article>
    }
}

/// Ticks or unticks `id` among the trainings chosen for comparison, and remembers the choice.
pub fn choose(chosen: RwSignal<Vec<i32>>, id: i32, ticked: bool) {
    chosen.update(|ids| {
        ids.retain(|other| *other != id);
        if ticked {
            ids.push(id);
        }
        // The oldest choice gives way beyond four.
        while ids.len() > MAX_COMPARED {
            ids.remove(0);
        }
    });
    #[cfg(feature = "hydrate")]
    crate::offline::compare_choice::remember(&chosen.get_untracked());
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::{
        catalogue::{TrainingLevel, TrainingMode},
        domain::TrainingCategory,
    };

    fn training(id: i32, title: &str, price: i64) -> TrainingSummary {
        TrainingSummary {
            id,
            title: title.into(),
            provider: "Lembaga <Contoh> & Rekan".into(),
            platform: "Pintaria".into(),
            category: TrainingCategory::ALL[0],
            price: Rupiah::from_whole(price).unwrap(),
            hours: 12,
            mode: TrainingMode::SelfPacedVideo,
            level: TrainingLevel::Beginner,
            rating_counts: [0, 1, 0, 3, id],
            purchases: 7,
            category_median_price: Rupiah::from_whole(300_000).unwrap(),
            conflict_of_interest: id % 2 == 0,
        }
    }

    fn trainings() -> Vec<TrainingSummary> {
        vec![
            training(1, "Barista Pemula", 250_000),
            training(2, "Excel <script>alert(1)</script>", 900_000),
            training(3, "Menjahit \"Dasar\"", 300_000),
        ]
    }

    /// The list as each item rendered whole, the way the page rendered it before the items
    /// were kept.
    fn rendered_whole(trainings: &[TrainingSummary], page_key: Option<uuid::Uuid>) -> String {
        trainings
            .iter()
            .map(|training| {
                let training = training.clone();
                view! { <li><TrainingItem training page_key chosen=None/></li> }.to_html()
            })
            .collect()
    }

    fn joined(trainings: &[TrainingSummary], page_key: Option<uuid::Uuid>) -> String {
        let kept: Vec<String> = trainings.iter().map(training_item_html).collect();
        training_list_html(trainings.iter().zip(kept.iter().map(String::as_str)), page_key)
    }

    #[test]
    fn the_kept_items_joined_are_the_items_rendered_whole() {
        let trainings = trainings();
        assert_eq!(joined(&trainings, None), rendered_whole(&trainings, None));
    }

    #[test]
    fn a_buyer_gets_each_buy_form_spliced_where_the_whole_render_puts_it() {
        let trainings = trainings();
        let page_key = uuid::Uuid::new_v4();
        let html = joined(&trainings, Some(page_key));
        assert_eq!(html, rendered_whole(&trainings, Some(page_key)));
        for training in &trainings {
            let key = crate::domain::purchase_key::purchase_key(page_key, training.id);
            assert!(
                html.contains(&format!("value=\"{key}\"")),
                "buy form of {}",
                training.id
            );
        }
        assert_eq!(html.matches("class=\"buy-form\"").count(), trainings.len());
        // Each buy form sits inside its own training.
        assert_eq!(html.matches("</form></article></li>").count(), trainings.len());
    }

    #[test]
    fn kept_html_escapes_what_platforms_wrote() {
        let html = training_item_html(&training(2, "Excel <script>alert(1)</script>", 900_000));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Excel &lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("Lembaga &lt;Contoh&gt; &amp; Rekan"), "{html}");
        assert!(html.ends_with(ITEM_END_WITHOUT_BUY_FORM), "{html}");
    }
}
