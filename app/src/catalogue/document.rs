//! The whole visible catalogue as one compact document, for the browser to filter and compare
//! in the page without a round trip per keystroke (and offline, once it has it). Each training is
//! an array rather than an object: about half the bytes before compression.

use serde::{Deserialize, Serialize};

use super::{TrainingLevel, TrainingMode, TrainingSummary};
use crate::domain::{Rupiah, TrainingCategory};

/// id, title, provider, platform name, category code, price, hours, mode code, level code,
/// rating counts (1 to 5 stars), purchases, category median price, conflict of interest, and the
/// stems its description and outcomes are found by (`words::described_by`).
/// (A tuple struct: serde writes it as an array.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactTraining(
    pub i32,
    pub String,
    pub String,
    pub String,
    pub String,
    pub i64,
    pub i16,
    pub String,
    pub String,
    pub [i32; 5],
    pub i32,
    pub i64,
    pub bool,
    pub String,
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueDocument {
    /// (code, name) of each platform.
    pub platforms: Vec<(String, String)>,
    pub trainings: Vec<CompactTraining>,
}

impl CatalogueDocument {
    /// `described_by`: the stems of the training's description and outcomes.
    pub fn compact(training: &TrainingSummary, described_by: String) -> CompactTraining {
        CompactTraining(
            training.id,
            training.title.clone(),
            training.provider.clone(),
            training.platform.clone(),
            training.category.code().to_owned(),
            training.price.whole(),
            training.hours,
            training.mode.code().to_owned(),
            training.level.code().to_owned(),
            training.rating_counts,
            training.purchases,
            training.category_median_price.whole(),
            training.conflict_of_interest,
            described_by,
        )
    }

    /// The trainings back as read models; entries that no longer parse (a newer server's
    /// categories, say) are skipped.
    pub fn trainings(&self) -> Vec<TrainingSummary> {
        self.trainings_with_terms().into_iter().map(|(t, _)| t).collect()
    }

    /// The trainings with the stems their descriptions are found by.
    pub fn trainings_with_terms(&self) -> Vec<(TrainingSummary, &str)> {
        self.trainings
            .iter()
            .filter_map(|t| {
                let summary = TrainingSummary {
                    id: t.0,
                    title: t.1.clone(),
                    provider: t.2.clone(),
                    platform: t.3.clone(),
                    category: TrainingCategory::parse(&t.4).ok()?,
                    price: Rupiah::from_whole(t.5)?,
                    hours: t.6,
                    mode: TrainingMode::parse(&t.7).ok()?,
                    level: TrainingLevel::parse(&t.8).ok()?,
                    rating_counts: t.9,
                    purchases: t.10,
                    category_median_price: Rupiah::from_whole(t.11)?,
                    conflict_of_interest: t.12,
                };
                Some((summary, t.13.as_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_training_survives_the_compact_form() {
        let training = TrainingSummary {
            id: 7,
            title: "Barista Pemula".into(),
            provider: "Akademi Kopi".into(),
            platform: "Pintaria".into(),
            category: TrainingCategory::Barista,
            price: Rupiah::from_whole(350_000).unwrap(),
            hours: 12,
            mode: TrainingMode::Blended,
            level: TrainingLevel::Intermediate,
            rating_counts: [1, 0, 2, 3, 4],
            purchases: 9,
            category_median_price: Rupiah::from_whole(300_000).unwrap(),
            conflict_of_interest: true,
        };
        let document = CatalogueDocument {
            platforms: vec![("pintaria".into(), "Pintaria".into())],
            trainings: vec![CatalogueDocument::compact(&training, "kopi seduh".into())],
        };
        let json = serde_json::to_string(&document).unwrap();
        assert!(
            json.contains(r#"[7,"Barista Pemula","Akademi Kopi","Pintaria","barista",350000,12"#),
            "{json}"
        );
        let back: CatalogueDocument = serde_json::from_str(&json).unwrap();
        assert_eq!(back.trainings(), vec![training]);
    }
}
