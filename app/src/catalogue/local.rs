//! The catalogue searched in memory, from the catalogue document: in the browser as the
//! applicant types, and on the server for every catalogue page (from its snapshot). One code,
//! so a search gives the same page in both. The filters, sorting, pages and category medians
//! are those of the SQL search (`search.rs`, kept as the reference the tests hold this to).
//! Words: every meaningful word of the search must be found in the training (title,
//! description, what is learnt, provider, platform or category), as the same word or stem
//! (Indonesian stemming), as the start of a word, or (when nothing has it so) misspelt by a
//! letter or two; words found in the title count most. Pure, so it is tested on the host.

use std::cmp::Ordering;

use super::{
    compared::{ComparedTraining, Comparison, MAX_COMPARED},
    document::CatalogueDocument,
    fit::fit,
    query::PAGE_SIZE,
    words::{search_words, terms_of, Match, SearchWord},
    CatalogueQuery, SortOrder, TrainingSummary,
};
use crate::domain::{Rupiah, TrainingCategory};

/// The visible catalogue, searched in memory: in the page by the browser, and on the server
/// from its snapshot (`snapshot.rs`), with this same code.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalCatalogue {
    trainings: Vec<Indexed>,
    /// (code, name) of each platform: the filter names platforms by code, trainings by name.
    platforms: Vec<(String, String)>,
    /// By category (its place in `TrainingCategory::ALL`). Vectors rather than maps here and
    /// below: the browser's module stays smaller without a hash map's code.
    median_price_per_hour: Vec<Option<Rupiah>>,
    /// Every word and stem the trainings are found by, once; trainings refer to them by place.
    vocabulary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Indexed {
    training: TrainingSummary,
    /// The words and stems of the title (places in the vocabulary).
    title_terms: Vec<u32>,
    /// Those of the description, what is learnt, provider, platform and category.
    other_terms: Vec<u32>,
}

/// PostgreSQL's `percentile_disc(0.5)`: the first value whose cumulative share reaches one half.
pub fn median_of(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[values.len().div_ceil(2) - 1])
}

/// A training's title terms and its other terms.
type TermsOf = (Vec<String>, Vec<String>);
/// The same as places in the vocabulary.
type PlacesOf = (Vec<u32>, Vec<u32>);

/// The vocabulary of `terms` (each training's title terms and other terms), each term once and
/// in order, and each training's terms as places in it.
fn vocabulary_of(terms: Vec<TermsOf>) -> (Vec<String>, Vec<PlacesOf>) {
    // Kept sorted as it grows (binary search, no sort of its own: less code in the browser).
    let mut vocabulary: Vec<String> = Vec::new();
    for term in terms.iter().flat_map(|(title, others)| title.iter().chain(others)) {
        if let Err(place) = vocabulary.binary_search(term) {
            vocabulary.insert(place, term.clone());
        }
    }
    let places_of = |terms: &[String]| -> Vec<u32> {
        // `terms_of` gave each term once.
        terms
            .iter()
            .filter_map(|term| vocabulary.binary_search(term).ok())
            .map(|place| place as u32)
            .collect()
    };
    let places = terms
        .iter()
        .map(|(title, others)| (places_of(title), places_of(others)))
        .collect();
    (vocabulary, places)
}

/// What a training is found by beside its title and description: provider, platform, category
/// and mode.
pub fn indexed_beside_title(training: &TrainingSummary) -> String {
    format!(
        "{} {} {} {}",
        training.provider,
        training.platform,
        training.category.label(),
        training.mode.label()
    )
}

/// How much a search word adds to a training's relevance, by where and how well it matched.
fn weight(in_title: bool, how: Match) -> usize {
    match (in_title, how) {
        (true, Match::Same) => 10,
        (true, Match::Prefix) => 7,
        (true, Match::Misspelt) => 5,
        (false, Match::Same) => 4,
        (false, Match::Prefix) => 3,
        (false, Match::Misspelt) => 2,
    }
}

impl LocalCatalogue {
    pub fn new(document: CatalogueDocument) -> LocalCatalogue {
        let described: Vec<(TrainingSummary, &str)> = document.trainings_with_terms();
        let mut per_hour: Vec<Vec<i64>> = vec![Vec::new(); TrainingCategory::ALL.len()];
        for (training, _) in &described {
            // Integer division, as the server's median does.
            per_hour[training.category as usize].push(training.price.whole() / i64::from(training.hours.max(1)));
        }
        let median_price_per_hour = per_hour
            .into_iter()
            .map(|values| Rupiah::from_whole(median_of(values)?))
            .collect();
        let terms = described
            .iter()
            .map(|(training, described_by)| {
                let others = format!("{} {described_by}", indexed_beside_title(training));
                (terms_of(&training.title), terms_of(&others))
            })
            .collect();
        let (vocabulary, places) = vocabulary_of(terms);
        let trainings = described
            .into_iter()
            .zip(places)
            .map(|((training, _), (title_terms, other_terms))| Indexed {
                training,
                title_terms,
                other_terms,
            })
            .collect();
        LocalCatalogue {
            trainings,
            platforms: document.platforms,
            median_price_per_hour,
            vocabulary,
        }
    }

    /// How each term of the vocabulary answers each search word. A word that some term
    /// answers as typed (or as its start) is not also looked for misspelt. A word the whole
    /// catalogue does not have ("jahit baju": no training says "baju") is left out, unless no
    /// word is found at all: then nothing matches.
    fn answers(&self, words: &[SearchWord]) -> Vec<Vec<Option<Match>>> {
        let answers: Vec<Vec<Option<Match>>> = words
            .iter()
            .map(|word| {
                let mut answers: Vec<Option<Match>> = self.vocabulary.iter().map(|term| word.matches(term)).collect();
                if answers.iter().all(Option::is_none) {
                    answers = self
                        .vocabulary
                        .iter()
                        .map(|term| word.misspells(term).then_some(Match::Misspelt))
                        .collect();
                }
                answers
            })
            .collect();
        let found: Vec<Vec<Option<Match>>> = answers
            .iter()
            .filter(|answers| answers.iter().any(Option::is_some))
            .cloned()
            .collect();
        if found.is_empty() {
            answers
        } else {
            found
        }
    }

    pub fn len(&self) -> usize {
        self.trainings.len()
    }

    /// The partner platforms as (code, name), by name.
    pub fn platforms(&self) -> &[(String, String)] {
        &self.platforms
    }

    pub fn is_empty(&self) -> bool {
        self.trainings.is_empty()
    }

    /// One page of trainings matching `query`, and how many match in all (as `search::search`).
    pub fn search(&self, query: &CatalogueQuery, balance: Option<Rupiah>) -> (Vec<TrainingSummary>, i64) {
        let words = query.words.as_deref().map(search_words).unwrap_or_default();
        let answers = self.answers(&words);
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
            .filter(|t| query.category.is_none_or(|c| t.training.category == c))
            .filter(|t| platform_name.is_none_or(|name| t.training.platform == name))
            .filter(|t| ceiling.is_none_or(|c| t.training.price <= c))
            .filter(|t| query.min_hours.is_none_or(|h| t.training.hours >= h))
            .filter(|t| query.max_hours.is_none_or(|h| t.training.hours <= h))
            .filter(|t| query.mode.is_none_or(|m| t.training.mode == m))
            .filter(|t| query.min_rating.is_none_or(|r| rating_at_least(&t.training, r)))
            .filter_map(|t| Some((t, relevance(t, &answers)?)))
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
                median_price_per_hour: self.median_price_per_hour[t.training.category as usize]
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

/// The sum of each search word's best match in the training, or `None` when a word is not
/// found in it at all.
fn relevance(training: &Indexed, answers: &[Vec<Option<Match>>]) -> Option<usize> {
    answers
        .iter()
        .map(|answers| {
            let best = |terms: &[u32]| terms.iter().filter_map(|place| answers[*place as usize]).max();
            let in_title = best(&training.title_terms).map(|how| weight(true, how));
            let elsewhere = best(&training.other_terms).map(|how| weight(false, how));
            in_title.max(elsewhere)
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
            trainings: trainings
                .iter()
                .map(|t| CatalogueDocument::compact(t, String::new()))
                .collect(),
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
    fn words_are_found_by_stem_in_descriptions_misspelt_or_left_out_when_nowhere() {
        let document = CatalogueDocument {
            platforms: vec![("pintaria".into(), "Pintaria".into())],
            trainings: vec![
                CatalogueDocument::compact(
                    &training(1, "Pemasaran Media Sosial", TrainingCategory::Barista, 300_000, 10),
                    String::new(),
                ),
                CatalogueDocument::compact(
                    &training(2, "Toko Daring", TrainingCategory::Barista, 300_000, 10),
                    "pasar iklan".into(),
                ),
                CatalogueDocument::compact(
                    &training(3, "Menjahit Pakaian", TrainingCategory::Barista, 300_000, 10),
                    String::new(),
                ),
            ],
        };
        let local = LocalCatalogue::new(document);
        // "memasarkan" stems to "pasar": the title's stem first, the description's after.
        assert_eq!(ids(local.search(&query(&[("q", "memasarkan")]), None)), (vec![1, 2], 2));
        assert_eq!(ids(local.search(&query(&[("q", "mejahit")]), None)), (vec![3], 1));
        // "baju" is nowhere: the search is "jahit" alone; nothing at all is nothing.
        assert_eq!(ids(local.search(&query(&[("q", "jahit baju")]), None)), (vec![3], 1));
        assert_eq!(ids(local.search(&query(&[("q", "qwzx")]), None)), (vec![], 0));
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
