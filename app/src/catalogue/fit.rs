//! How well a training fits an applicant, as a score and the reason in words. Pure, so the
//! browser can compute it for the in-page comparison with the same rules as the server.

use super::TrainingSummary;
use crate::domain::{Rupiah, TrainingCategory};

/// A score from 0 to 100 and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fit {
    pub score: u8,
    pub reasons: Vec<String>,
}

/// Reviews needed before the rating counts towards the fit.
const ENOUGH_REVIEWS: i32 = 5;

/// Interest counts 50, price against its category's median 25, rating 15, fitting the
/// remaining balance 10.
pub fn fit(training: &TrainingSummary, interests: &[TrainingCategory], balance: Option<Rupiah>) -> Fit {
    let mut score: u32 = 0;
    let mut reasons = Vec::new();
    if interests.contains(&training.category) {
        score += 50;
        reasons.push(format!("sesuai minat Anda ({})", training.category.label()));
    } else if interests.is_empty() {
        score += 25;
        reasons.push("minat Anda belum diketahui".to_owned());
    } else {
        reasons.push(format!(
            "di luar minat yang Anda pilih saat mendaftar ({})",
            training.category.label()
        ));
    }

    let (price, median) = (training.price.whole(), training.category_median_price.whole());
    if median > 0 {
        // Full marks at or below the median, none at twice the median or more.
        let points = if price <= median {
            25
        } else {
            (25 * (2 * median - price).max(0) / median) as u32
        };
        score += points;
        reasons.push(if price <= median {
            "harganya tidak lebih dari median kategorinya".to_owned()
        } else if training.overpriced() {
            format!(
                "harganya jauh di atas median kategorinya ({})",
                training.category_median_price
            )
        } else {
            format!(
                "harganya di atas median kategorinya ({})",
                training.category_median_price
            )
        });
    }

    let count = training.rating_count();
    if count >= ENOUGH_REVIEWS {
        let (total, count64) = (training.rating_total(), i64::from(count));
        // 1 star gives nothing, 5 stars give 15.
        score += (15 * (total - count64) / (4 * count64)) as u32;
        reasons.push(format!(
            "rating {} dari {count} ulasan",
            training.rating_mean().unwrap_or_default()
        ));
    } else {
        score += 7;
        reasons.push("belum cukup ulasan untuk menilai".to_owned());
    }

    match balance {
        Some(balance) if training.price <= balance => {
            score += 10;
            reasons.push("terjangkau dengan sisa saldo Anda".to_owned());
        }
        Some(balance) => reasons.push(format!("melebihi sisa saldo Anda ({balance})")),
        None => {}
    }
    Fit {
        score: score.min(100) as u8,
        reasons,
    }
}

impl Fit {
    /// One sentence: "Cocok 82/100: sesuai minat Anda (Barista dan minuman), …."
    pub fn sentence(&self) -> String {
        let mut reasons = self.reasons.join(", ");
        // The reasons are the portal's own phrases: a first letter of one byte is ASCII (and
        // `to_uppercase` would bring Unicode's case tables into the catalogue's WASM).
        if let Some(first) = reasons.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        format!("{reasons}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{TrainingLevel, TrainingMode};

    fn training(price: i64, median: i64, ratings: [i32; 5]) -> TrainingSummary {
        TrainingSummary {
            id: 1,
            title: "Barista Pemula".into(),
            provider: "Akademi Kopi".into(),
            platform: "Pintaria".into(),
            category: TrainingCategory::Barista,
            price: Rupiah::from_whole(price).unwrap(),
            hours: 10,
            mode: TrainingMode::SelfPacedVideo,
            level: TrainingLevel::Beginner,
            rating_counts: ratings,
            purchases: 0,
            category_median_price: Rupiah::from_whole(median).unwrap(),
            conflict_of_interest: false,
        }
    }

    #[test]
    fn interest_price_rating_and_balance_each_count_and_are_explained() {
        let best = fit(
            &training(300_000, 300_000, [0, 0, 0, 0, 10]),
            &[TrainingCategory::Barista],
            Rupiah::from_whole(1_000_000),
        );
        assert_eq!(best.score, 100);
        assert_eq!(
            best.sentence(),
            "Sesuai minat Anda (Barista dan minuman), harganya tidak lebih dari median kategorinya, \
             rating 5,0 dari 10 ulasan, terjangkau dengan sisa saldo Anda."
        );

        let dear = fit(
            &training(600_000, 300_000, [0; 5]),
            &[TrainingCategory::Tailoring],
            Rupiah::from_whole(500_000),
        );
        assert_eq!(dear.score, 7);
        assert!(dear.sentence().starts_with("Di luar minat"));
        assert!(dear.sentence().contains("jauh di atas median kategorinya (Rp300.000)"));
        assert!(dear.sentence().contains("melebihi sisa saldo Anda (Rp500.000)"));
    }

    #[test]
    fn a_price_between_the_median_and_twice_it_scores_in_proportion() {
        let halfway = fit(&training(450_000, 300_000, [0; 5]), &[TrainingCategory::Barista], None);
        // 50 interest + 12 price (halfway) + 7 without enough reviews.
        assert_eq!(halfway.score, 69);
    }
}
