//! The training catalogue: about 900 trainings from the partner platforms, searched, filtered
//! and sorted by price and fit; operators import them per platform and can hide one.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{choice_enum, Rupiah, TrainingCategory},
    error::AppError,
};

pub mod compare;
pub mod compared;
pub mod document;
pub mod fit;
#[cfg(feature = "ssr")]
pub mod import;
pub mod instant;
pub mod item;
pub mod local;
pub mod providers;
pub mod query;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod snapshot;
pub mod words;

pub use query::{CatalogueQuery, RawCatalogueQuery, SortOrder};

/// A platform's CSV file: these columns, in this order, with this header line. `outcomes` are
/// separated by `|`. (JSON: a list of objects with the same names; `outcomes` a list.)
pub const CSV_HEADER: &str = "course_id,title,description,category,provider,price,hours,mode,level,outcomes";

/// A price at least this many times its category's median is flagged: the real program had no
/// price standard, and trainings were sold far above what they cost elsewhere.
pub const OVERPRICED_FACTOR: i64 = 2;

choice_enum! {
    /// How a training is delivered.
    TrainingMode, TrainingModeError, "Pilih cara belajar.",
    {
        SelfPacedVideo => ("video-mandiri", "Video mandiri"),
        LiveWebinar => ("webinar-langsung", "Webinar langsung"),
        Blended => ("campuran", "Campuran"),
    }
}

choice_enum! {
    TrainingLevel, TrainingLevelError, "Pilih tingkat pelatihan.",
    {
        Beginner => ("pemula", "Pemula"),
        Intermediate => ("menengah", "Menengah"),
        Advanced => ("mahir", "Mahir"),
    }
}

/// A training as imported from a platform: every field parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTraining {
    course_id: String,
    title: String,
    description: String,
    category: TrainingCategory,
    provider: String,
    price: Rupiah,
    hours: i16,
    mode: TrainingMode,
    level: TrainingLevel,
    outcomes: Vec<String>,
}

/// A training as a platform sends it (a CSV line or a JSON object), before parsing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub course_id: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub provider: String,
    pub price: String,
    pub hours: String,
    pub mode: String,
    pub level: String,
    /// Separated by `|` in CSV.
    pub outcomes: Vec<String>,
}

/// Why a training's record was not taken, for the operator who imported it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrainingRecordError {
    #[error("id kursus harus 1-100 huruf, angka, titik, garis bawah atau tanda hubung")]
    CourseId,
    #[error("{field} kosong atau terlalu pendek")]
    TooShort { field: &'static str },
    #[error("{field} lebih dari {max} karakter")]
    TooLong { field: &'static str, max: usize },
    #[error("deskripsi kosong atau lebih dari 5000 karakter")]
    Description,
    #[error("kategori \"{0}\" tidak dikenal")]
    Category(String),
    #[error("harga: {0}")]
    Price(crate::domain::rupiah::RupiahError),
    #[error("jam pelatihan harus bilangan bulat 1 sampai 1000")]
    Hours,
    #[error("cara belajar harus video-mandiri, webinar-langsung atau campuran")]
    Mode,
    #[error("tingkat harus pemula, menengah atau mahir")]
    Level,
    #[error("hasil belajar harus 1 sampai 10 butir, masing-masing paling panjang 300 karakter")]
    Outcomes,
}

fn text_within(raw: &str, min: usize, max: usize, field: &'static str) -> Result<String, TrainingRecordError> {
    let text = crate::domain::collapse_whitespace(raw);
    let length = text.chars().count();
    if length < min {
        Err(TrainingRecordError::TooShort { field })
    } else if length > max {
        Err(TrainingRecordError::TooLong { field, max })
    } else {
        Ok(text)
    }
}

impl NewTraining {
    /// The one place the rules of a training's fields live.
    pub fn parse(record: &TrainingRecord) -> Result<NewTraining, TrainingRecordError> {
        let course_id = record.course_id.trim().to_owned();
        if course_id.is_empty()
            || course_id.len() > 100
            || !course_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(TrainingRecordError::CourseId);
        }
        let title = text_within(&record.title, 3, 200, "judul")?;
        // Descriptions keep their line breaks.
        let description = record.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > 5000 {
            return Err(TrainingRecordError::Description);
        }
        let category = TrainingCategory::parse(&record.category)
            .map_err(|_| TrainingRecordError::Category(record.category.trim().to_owned()))?;
        let provider = text_within(&record.provider, 2, 150, "nama lembaga pelatihan")?;
        let price = Rupiah::parse(&record.price).map_err(TrainingRecordError::Price)?;
        let hours: i16 = record
            .hours
            .trim()
            .parse()
            .ok()
            .filter(|h| (1..=1000).contains(h))
            .ok_or(TrainingRecordError::Hours)?;
        let mode = TrainingMode::parse(&record.mode).map_err(|_| TrainingRecordError::Mode)?;
        let level = TrainingLevel::parse(&record.level).map_err(|_| TrainingRecordError::Level)?;
        let outcomes: Vec<String> = record
            .outcomes
            .iter()
            .map(|o| crate::domain::collapse_whitespace(o))
            .filter(|o| !o.is_empty())
            .collect();
        if outcomes.is_empty() || outcomes.len() > 10 || outcomes.iter().any(|o| o.chars().count() > 300) {
            return Err(TrainingRecordError::Outcomes);
        }
        Ok(NewTraining {
            course_id,
            title,
            description,
            category,
            provider,
            price,
            hours,
            mode,
            level,
            outcomes,
        })
    }

    pub fn course_id(&self) -> &str {
        &self.course_id
    }

    pub fn price(&self) -> Rupiah {
        self.price
    }
}

/// A training in the catalogue's list (read model).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub id: i32,
    pub title: String,
    pub provider: String,
    pub platform: String,
    pub category: TrainingCategory,
    pub price: Rupiah,
    pub hours: i16,
    pub mode: TrainingMode,
    pub level: TrainingLevel,
    /// How many reviews gave 1, 2, 3, 4 and 5 stars.
    pub rating_counts: [i32; 5],
    pub purchases: i32,
    pub category_median_price: Rupiah,
    /// The provider is owned by the platform that sells this training.
    pub conflict_of_interest: bool,
}

impl TrainingSummary {
    pub fn price_per_hour(&self) -> Rupiah {
        Rupiah::from_whole(self.price.whole() / i64::from(self.hours.max(1))).unwrap_or(self.price)
    }

    pub fn rating_count(&self) -> i32 {
        crate::domain::rating_spread::RatingSpread(self.rating_counts).count()
    }

    /// The stars of all reviews together (the mean is this over the count).
    pub fn rating_total(&self) -> i64 {
        crate::domain::rating_spread::RatingSpread(self.rating_counts).total()
    }

    /// The mean rating to one decimal, as shown ("4,3"); `None` before the first review.
    pub fn rating_mean(&self) -> Option<String> {
        crate::domain::rating_spread::RatingSpread(self.rating_counts).mean()
    }

    pub fn overpriced(&self) -> bool {
        self.category_median_price.whole() > 0
            && self.price.whole() >= OVERPRICED_FACTOR * self.category_median_price.whole()
    }
}

/// The catalogue page's data, loaded by its route's handler before the page renders: the
/// catalogue is in this process's memory, so the page renders in one pass with nothing to wait
/// for (a `Suspense` would resolve the whole island and list as futures, moving every view).
#[derive(Clone, Debug)]
pub struct LoadedCatalogue {
    /// The search as typed, from the URL.
    pub raw: RawCatalogueQuery,
    pub page: Result<CataloguePageData, AppError>,
}

/// A page of the catalogue: what the island needs, and the server's list as HTML (shared, not
/// copied, on its way through the render's context into the page).
#[derive(Clone, Debug)]
pub struct CataloguePageData {
    pub frame: instant::CatalogueFrame,
    pub list_html: std::sync::Arc<str>,
}

/// Searches this process's snapshot for the visitor signed in with `headers`' session (the
/// balance and interests of a participant are the leader's, read here).
#[cfg(feature = "ssr")]
pub async fn load_page(
    state: &crate::state::AppState,
    raw: RawCatalogueQuery,
    headers: &axum::http::HeaderMap,
) -> LoadedCatalogue {
    let page = page_for(state, &raw, headers).await;
    LoadedCatalogue { raw, page }
}

#[cfg(feature = "ssr")]
async fn page_for(
    state: &crate::state::AppState,
    raw: &RawCatalogueQuery,
    headers: &axum::http::HeaderMap,
) -> Result<CataloguePageData, AppError> {
    let (query, _) = CatalogueQuery::parse(raw);
    let (balance, interests) = match crate::session::account_of_headers(state, headers).await? {
        Some(account_id) => (
            crate::card::card_of_account(&state.pool, account_id, state.clock.now())
                .await?
                .filter(|card| card.usable)
                .map(|card| card.balance),
            Some(search::interests_of(&state.pool, account_id).await?),
        ),
        None => (None, None),
    };
    // The catalogue from this process's snapshot (a moment old at most).
    let catalogue = snapshot::current(state).await?;
    let (trainings, total) = catalogue.search(&query, balance);
    let page_key = uuid::Uuid::new_v4();
    Ok(CataloguePageData {
        list_html: catalogue.list_html(&trainings, balance.map(|_| page_key)).into(),
        frame: instant::CatalogueFrame {
            total,
            platforms: catalogue.platforms(),
            balance,
            page_key,
            interests,
            page_ids: trainings.iter().map(|t| t.id).collect(),
        },
    })
}

/// The catalogue: a GET form whose every choice is in the URL, and a page of results.
#[component]
pub fn CataloguePage() -> impl IntoView {
    let content = match use_context::<LoadedCatalogue>() {
        Some(LoadedCatalogue {
            raw,
            page: Ok(CataloguePageData { frame, list_html }),
        }) => view! {
            <instant::InstantCatalogue frame typed_search=raw.to_form()>
                <instant::ServerResults html=list_html/>
            </instant::InstantCatalogue>
        }
        .into_any(),
        Some(LoadedCatalogue { page: Err(error), .. }) => crate::forms::load_error(&error),
        // Only the catalogue route's handler renders this page.
        None => crate::forms::load_error(&AppError::internal("the catalogue page rendered without its data")),
    };
    view! {
        <Title text="Katalog pelatihan — Prakerja"/>
        <h1>"Katalog pelatihan"</h1>
        {content}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record() -> TrainingRecord {
        TrainingRecord {
            course_id: "BRS-101".into(),
            title: "Barista  Pemula: Espresso dan Manual Brew".into(),
            description: "Belajar menyeduh kopi.".into(),
            category: "barista".into(),
            provider: "Akademi Kopi Nusantara".into(),
            price: "Rp350.000".into(),
            hours: "12".into(),
            mode: "video-mandiri".into(),
            level: "pemula".into(),
            outcomes: vec!["Menyeduh espresso".into(), " ".into()],
        }
    }

    #[test]
    fn a_good_record_parses_with_tidy_text() {
        let training = NewTraining::parse(&record()).unwrap();
        assert_eq!(training.title, "Barista Pemula: Espresso dan Manual Brew");
        assert_eq!(training.price, Rupiah::from_whole(350_000).unwrap());
        assert_eq!(training.outcomes, vec!["Menyeduh espresso".to_owned()]);
    }

    #[test]
    fn each_bad_field_is_named_in_the_reason() {
        type Spoil = fn(&mut TrainingRecord);
        let cases: Vec<(Spoil, &str)> = vec![
            (|r| r.course_id = "BRS 101".into(), "id kursus"),
            (|r| r.title = "Ba".into(), "judul"),
            (|r| r.category = "sulap".into(), "kategori \"sulap\""),
            (|r| r.price = "gratis".into(), "harga"),
            (|r| r.hours = "0".into(), "jam pelatihan"),
            (|r| r.mode = "tatap-muka".into(), "cara belajar"),
            (|r| r.level = "ahli".into(), "tingkat"),
            (|r| r.outcomes = vec![], "hasil belajar"),
            (|r| r.description = " ".into(), "deskripsi"),
        ];
        for (spoil, expected) in cases {
            let mut bad = record();
            spoil(&mut bad);
            let reason = NewTraining::parse(&bad).unwrap_err();
            assert!(
                reason.to_string().contains(expected),
                "{reason:?} should mention {expected:?}"
            );
        }
    }
}
