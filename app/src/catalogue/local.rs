//! The catalogue searched in the browser, from the catalogue document: the same filters,
//! sorting and pages as the server's search (`search.rs`), so a search gives the same page in
//! the browser and on the server. Words are the one difference: PostgreSQL stems Indonesian and
//! forgives misspellings; here each word must appear in the title, provider, platform or category
//! (as a whole word or a part of one). Pure, so it is tested on the host like any other code.

use std::{cmp::Ordering, collections::HashMap};

use super::{
    compare::{Comparison, MAX_COMPARED},
    compared::ComparedTraining,
    document::CatalogueDocument,
    fit::fit,
    query::PAGE_SIZE,
    CatalogueQuery, SortOrder, TrainingSummary,
};
use crate::domain::{Rupiah, TrainingCategory};

/// The visible catalogue, held in the page.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalCatalogue {
    trainings: Vec<Indexed>,
    /// (code, name) of each platform: the filter names platforms by code, trainings by name.
    platforms: Vec<(String, String)>,
    median_price_per_hour: HashMap<TrainingCategory, Rupiah>,
}

#[derive(Clone, Debug, PartialEq)]
struct Indexed {
    training: TrainingSummary,
    /// Lower-cased title, provider, platform and category, for matching words.
    haystack: String,
    title: String,
}

fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// PostgreSQL's `percentile_disc(0.5)`: the first value whose cumulative share reaches one half.
fn median_of(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[values.len().div_ceil(2) - 1])
}

impl LocalCatalogue {
    pub fn new(document: CatalogueDocument) -> LocalCatalogue {
        let trainings = document.trainings();
        let mut per_hour: HashMap<TrainingCategory, Vec<i64>> = HashMap::new();
        for training in &trainings {
            // Integer division, as the server's median does.
            per_hour
                .entry(training.category)
                .or_default()
                .push(training.price.whole() / i64::from(training.hours.max(1)));
        }
        let median_price_per_hour = per_hour
            .into_iter()
            .filter_map(|(category, values)| Some((category, Rupiah::from_whole(median_of(values)?)?)))
            .collect();
        let trainings = trainings
            .into_iter()
            .map(|training| Indexed {
                haystack: format!(
                    "{} {} {} {}",
                    training.title,
                    training.provider,
                    training.platform,
                    training.category.label()
                )
                .to_lowercase(),
                title: training.title.to_lowercase(),
                training,
            })
            .collect();
        LocalCatalogue {
            trainings,
            platforms: document.platforms,
            median_price_per_hour,
        }
    }

    pub fn len(&self) -> usize {
        self.trainings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.trainings.is_empty()
    }

    /// One page of trainings matching `query`, and how many match in all (as `search::search`).
    pub fn search(&self, query: &CatalogueQuery, balance: Option<Rupiah>) -> (Vec<TrainingSummary>, i64) {
        let words = query.words.as_deref().map(words_of).unwrap_or_default();
        let platform_name = query.platform.as_ref().map(|code| {
            self.platforms
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, name)| name.as_str())
                // An unknown platform matches nothing, as on the server.
                .unwrap_or("")
        });
        let ceiling = match (query.max_price, balance.filter(|_| query.within_balance)) {
            (Some(price), Some(balance)) => Some(price.min(balance)),
            (price, balance) => price.or(balance),
        };
        let mut found: Vec<(&Indexed, usize)> = self
            .trainings
            .iter()
            .filter(|t| words.iter().all(|w| t.haystack.contains(w.as_str())))
            .filter(|t| query.category.is_none_or(|c| t.training.category == c))
            .filter(|t| platform_name.is_none_or(|name| t.training.platform == name))
            .filter(|t| ceiling.is_none_or(|c| t.training.price <= c))
            .filter(|t| query.min_hours.is_none_or(|h| t.training.hours >= h))
            .filter(|t| query.max_hours.is_none_or(|h| t.training.hours <= h))
            .filter(|t| query.mode.is_none_or(|m| t.training.mode == m))
            .filter(|t| query.min_rating.is_none_or(|r| rating_at_least(&t.training, r)))
            .map(|t| (t, relevance(t, &words)))
            .collect();
        found.sort_by(|(a, relevance_a), (b, relevance_b)| {
            let (a, b) = (&a.training, &b.training);
            let order = match (query.sort, words.is_empty()) {
                (SortOrder::Relevance, false) => relevance_b.cmp(relevance_a).then(b.purchases.cmp(&a.purchases)),
                (SortOrder::Relevance | SortOrder::Popularity, _) => b.purchases.cmp(&a.purchases),
                (SortOrder::PriceLowFirst, _) => a.price.cmp(&b.price),
                (SortOrder::PricePerHourLowFirst, _) => price_per_hour_order(a, b),
                (SortOrder::RatingHighFirst, _) => rating_order(a, b).then(b.purchases.cmp(&a.purchases)),
            };
            order.then(a.id.cmp(&b.id))
        });
        let total = found.len() as i64;
        let page = found
            .into_iter()
            .skip(((query.page - 1) * PAGE_SIZE) as usize)
            .take(PAGE_SIZE as usize)
            .map(|(t, _)| t.training.clone())
            .collect();
        (page, total)
    }

    /// Up to four trainings side by side (as `compare::load_comparison`, without what the
    /// document leaves out: outcomes and description). `interests` is `None` when nobody is
    /// signed in, and then there is no fit.
    pub fn compare(&self, ids: &[i32], interests: Option<&[TrainingCategory]>, balance: Option<Rupiah>) -> Comparison {
        let truncated = ids.len() > MAX_COMPARED;
        let ids = &ids[..ids.len().min(MAX_COMPARED)];
        let trainings: Vec<ComparedTraining> = ids
            .iter()
            .filter_map(|id| self.trainings.iter().find(|t| t.training.id == *id))
            .map(|t| ComparedTraining {
                summary: t.training.clone(),
                median_price_per_hour: self
                    .median_price_per_hour
                    .get(&t.training.category)
                    .copied()
                    .unwrap_or(t.training.price),
                outcomes: Vec::new(),
                description: String::new(),
                provider_rating_counts: None,
                fit: interests.map(|interests| fit(&t.training, interests, balance)),
            })
            .collect();
        Comparison {
            missing: ids.len() - trainings.len(),
            trainings,
            truncated,
        }
    }
}

/// The server's `rating_mean(counts) >= r`, in whole numbers.
fn rating_at_least(training: &TrainingSummary, stars: i16) -> bool {
    let count = i64::from(training.rating_count());
    count > 0 && training.rating_total() >= i64::from(stars) * count
}

/// Highest mean first, trainings without reviews last (`desc nulls last`).
fn rating_order(a: &TrainingSummary, b: &TrainingSummary) -> Ordering {
    let (n_a, n_b) = (i64::from(a.rating_count()), i64::from(b.rating_count()));
    match (n_a, n_b) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        // b's mean against a's, without division: total_b / n_b vs total_a / n_a.
        _ => (b.rating_total() * n_a).cmp(&(a.rating_total() * n_b)),
    }
}

/// Cheapest hour first, compared exactly (price_a / hours_a against price_b / hours_b).
fn price_per_hour_order(a: &TrainingSummary, b: &TrainingSummary) -> Ordering {
    let (hours_a, hours_b) = (i64::from(a.hours.max(1)), i64::from(b.hours.max(1)));
    (a.price.whole() * hours_b).cmp(&(b.price.whole() * hours_a))
}

/// Words in the title count twice, and a word the title starts a word with counts once more.
fn relevance(training: &Indexed, words: &[String]) -> usize {
    words
        .iter()
        .map(|w| {
            let in_title = training.title.contains(w.as_str());
            let starts_a_title_word = training.title.split(' ').any(|t| t.starts_with(w.as_str()));
            usize::from(in_title) * 2 + usize::from(starts_a_title_word) + 1
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{query::RawCatalogueQuery, TrainingLevel, TrainingMode};

    fn training(id: i32, title: &str, category: TrainingCategory, price: i64, hours: i16) -> TrainingSummary {
        TrainingSummary {
            id,
            title: title.into(),
            provider: "Lembaga Contoh".into(),
            platform: if id % 2 == 0 { "Pintaria" } else { "Sekolahmu" }.into(),
            category,
            price: Rupiah::from_whole(price).unwrap(),
            hours,
            mode: TrainingMode::SelfPacedVideo,
            level: TrainingLevel::Beginner,
            rating_counts: [0, 0, 0, 0, id],
            purchases: 100 - id,
            category_median_price: Rupiah::from_whole(300_000).unwrap(),
            conflict_of_interest: false,
        }
    }

    fn catalogue(trainings: Vec<TrainingSummary>) -> LocalCatalogue {
        LocalCatalogue::new(CatalogueDocument {
            platforms: vec![
                ("pintaria".into(), "Pintaria".into()),
                ("sekolahmu".into(), "Sekolahmu".into()),
            ],
            trainings: trainings.iter().map(CatalogueDocument::compact).collect(),
        })
    }

    fn query(pairs: &[(&str, &str)]) -> CatalogueQuery {
        let mut raw = RawCatalogueQuery::default();
        for (name, value) in pairs {
            let value = Some(value.to_string());
            match *name {
                "q" => raw.q = value,
                "kategori" => raw.kategori = value,
                "platform" => raw.platform = value,
                "harga_maks" => raw.harga_maks = value,
                "dalam_saldo" => raw.dalam_saldo = value,
                "rating_min" => raw.rating_min = value,
                "urut" => raw.urut = value,
                "hal" => raw.hal = value,
                other => panic!("{other}"),
            }
        }
        let (query, errors) = CatalogueQuery::parse(&raw);
        assert!(errors.is_empty(), "{errors:?}");
        query
    }

    fn ids(found: (Vec<TrainingSummary>, i64)) -> (Vec<i32>, i64) {
        (found.0.iter().map(|t| t.id).collect(), found.1)
    }

    #[test]
    fn words_match_parts_of_words_in_any_order_best_in_title_first() {
        let local = catalogue(vec![
            training(1, "Menjadi Barista Profesional", TrainingCategory::Barista, 300_000, 10),
            training(2, "Pembukuan Warung", TrainingCategory::MicroBookkeeping, 200_000, 8),
            training(3, "Kopi dan Barista untuk Kafe", TrainingCategory::Barista, 400_000, 10),
            training(4, "Dasar Espresso", TrainingCategory::Barista, 250_000, 5),
        ]);
        assert_eq!(ids(local.search(&query(&[("q", "BARIS")]), None)), (vec![1, 3, 4], 3));
        assert_eq!(ids(local.search(&query(&[("q", "kafe barista")]), None)), (vec![3], 1));
        assert_eq!(ids(local.search(&query(&[("q", "sulap")]), None)), (vec![], 0));
    }

    #[test]
    fn filters_sorting_and_pages_follow_the_server_rules() {
        let mut all = Vec::new();
        for id in 1..=45 {
            all.push(training(
                id,
                "Pelatihan",
                TrainingCategory::Barista,
                100_000 + 10_000 * i64::from(id % 7),
                (id % 5 + 1) as i16,
            ));
        }
        let local = catalogue(all.clone());
        let (page_two, total) = local.search(&query(&[("urut", "harga"), ("hal", "2")]), None);
        assert_eq!((page_two.len(), total), (20, 45));
        let mut by_price = all.clone();
        by_price.sort_by_key(|t| (t.price, t.id));
        assert_eq!(page_two, by_price[20..40].to_vec());

        let (cheap, _) = local.search(&query(&[("harga_maks", "120000"), ("platform", "pintaria")]), None);
        assert!(cheap
            .iter()
            .all(|t| t.price.whole() <= 120_000 && t.platform == "Pintaria"));
        assert!(!cheap.is_empty());

        let balance = Rupiah::from_whole(110_000);
        let (within, _) = local.search(&query(&[("dalam_saldo", "1")]), balance);
        assert!(within.iter().all(|t| t.price.whole() <= 110_000));

        let (per_hour, _) = local.search(&query(&[("urut", "harga-per-jam")]), None);
        assert!(per_hour
            .windows(2)
            .all(|w| { price_per_hour_order(&w[0], &w[1]) != Ordering::Greater }));

        // Ratings: id n has n five-star reviews, so all have mean 5; ties by purchases.
        let (rated, _) = local.search(&query(&[("urut", "rating"), ("rating_min", "5")]), None);
        assert_eq!(rated.first().map(|t| t.id), Some(1));
        assert_eq!(ids(local.search(&query(&[("platform", "tidak-ada")]), None)).1, 0);
    }

    #[test]
    fn unreviewed_trainings_sort_last_and_fail_a_rating_filter() {
        let mut unreviewed = training(1, "A", TrainingCategory::Barista, 100_000, 1);
        unreviewed.rating_counts = [0; 5];
        let mut poor = training(2, "B", TrainingCategory::Barista, 100_000, 1);
        poor.rating_counts = [3, 0, 0, 0, 1];
        let good = training(3, "C", TrainingCategory::Barista, 100_000, 1);
        let local = catalogue(vec![unreviewed, poor, good]);
        assert_eq!(ids(local.search(&query(&[("urut", "rating")]), None)).0, vec![3, 2, 1]);
        // B's mean is 2.0: it passes "2 stars and up" and fails "3 stars and up".
        assert_eq!(ids(local.search(&query(&[("rating_min", "2")]), None)).0, vec![2, 3]);
        assert_eq!(ids(local.search(&query(&[("rating_min", "3")]), None)).0, vec![3]);
    }

    #[test]
    fn the_median_is_the_servers_discrete_median() {
        assert_eq!(median_of(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(median_of(vec![5, 1, 3]), Some(3));
        assert_eq!(median_of(vec![]), None);
    }

    #[test]
    fn a_comparison_keeps_the_order_chosen_and_fits_only_when_signed_in() {
        let local = catalogue(vec![
            training(1, "A", TrainingCategory::Barista, 300_000, 10),
            training(2, "B", TrainingCategory::Barista, 100_000, 10),
            training(3, "C", TrainingCategory::MicroBookkeeping, 200_000, 4),
        ]);
        let comparison = local.compare(&[3, 1, 99], Some(&[TrainingCategory::Barista]), None);
        let order: Vec<i32> = comparison.trainings.iter().map(|t| t.summary.id).collect();
        assert_eq!(order, vec![3, 1]);
        assert_eq!(comparison.missing, 1);
        // Barista per hour: 30,000 and 10,000; the discrete median is 10,000.
        assert_eq!(comparison.trainings[1].median_price_per_hour.whole(), 10_000);
        assert!(comparison.trainings[1].fit.as_ref().is_some_and(|f| f.score >= 50));
        assert!(local.compare(&[1], None, None).trainings[0].fit.is_none());
        assert!(local.compare(&[1, 2, 3, 1, 2], None, None).truncated);
    }
}
