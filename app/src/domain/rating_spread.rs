//! Star ratings as the catalogue, the comparison and the review pages show them.

use serde::{Deserialize, Serialize};

/// How many reviews gave 1, 2, 3, 4 and 5 stars, with the mean and count as shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingSpread(pub [i32; 5]);

impl RatingSpread {
    pub fn count(&self) -> i32 {
        self.0.iter().sum()
    }

    /// The stars of all reviews together (the mean is this over the count).
    pub fn total(&self) -> i64 {
        self.0.iter().zip(1..).map(|(n, stars)| i64::from(*n) * stars).sum()
    }

    /// To one decimal with a comma ("4,3"); `None` before the first review.
    pub fn mean(&self) -> Option<String> {
        let count = i64::from(self.count());
        let total = self.total();
        (count > 0).then(|| {
            let tenths = (total * 10 + count / 2) / count;
            format!("{},{}", tenths / 10, tenths % 10)
        })
    }
}
