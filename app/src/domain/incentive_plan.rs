//! What a participant is paid after their first finished and reviewed training.

use serde::{Deserialize, Serialize};

use super::Rupiah;

/// How much, for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncentivePlan {
    monthly: Rupiah,
    months: i16,
    /// Days between the review that earns the incentive and the first installment: time to
    /// find a fraudulent completion (and revoke its certificate) before money leaves.
    #[serde(default = "default_holding_days")]
    holding_days: i16,
}

fn default_holding_days() -> i16 {
    7
}

impl IncentivePlan {
    /// At least Rp1 a month, 1 to 24 months (the table's rules).
    pub fn new(monthly: Rupiah, months: i16) -> Option<IncentivePlan> {
        (monthly.whole() > 0 && (1..=24).contains(&months)).then_some(IncentivePlan {
            monthly,
            months,
            holding_days: default_holding_days(),
        })
    }

    /// The same plan with another holding period: 0 to 90 days.
    pub fn holding(self, days: i16) -> Option<IncentivePlan> {
        (0..=90).contains(&days).then_some(IncentivePlan {
            holding_days: days,
            ..self
        })
    }

    pub fn holding_days(&self) -> i16 {
        self.holding_days
    }

    pub fn monthly(&self) -> Rupiah {
        self.monthly
    }

    pub fn months(&self) -> i16 {
        self.months
    }

    pub fn total(&self) -> Rupiah {
        Rupiah::from_whole(self.monthly.whole() * i64::from(self.months)).unwrap_or(self.monthly)
    }
}

impl Default for IncentivePlan {
    /// The 2020 program's: Rp600.000 a month for four months.
    fn default() -> Self {
        IncentivePlan {
            monthly: Rupiah::from_whole(600_000).unwrap_or_else(|| unreachable!("a small amount")),
            months: 4,
            holding_days: default_holding_days(),
        }
    }
}
