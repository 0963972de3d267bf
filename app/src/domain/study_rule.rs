/// How long a participant must have studied, from the start the portal saw, for a completion
/// to be certified without an operator: a share of the training's hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StudyRule {
    percent_of_hours: i16,
}

impl StudyRule {
    /// 0 (every completion is certified at once) to 100 percent of the training's hours.
    pub fn new(percent_of_hours: i16) -> Option<StudyRule> {
        (0..=100)
            .contains(&percent_of_hours)
            .then_some(StudyRule { percent_of_hours })
    }

    pub fn required_minutes(&self, training_hours: i16) -> i32 {
        i32::from(training_hours) * 60 * i32::from(self.percent_of_hours) / 100
    }
}

impl Default for StudyRule {
    /// Half of the training's hours.
    fn default() -> Self {
        StudyRule { percent_of_hours: 50 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_study_rule_takes_a_share_of_the_hours() {
        assert_eq!(StudyRule::default().required_minutes(10), 300);
        assert_eq!(StudyRule::new(0).unwrap().required_minutes(10), 0);
        assert_eq!(StudyRule::new(100).unwrap().required_minutes(1000), 60_000);
        assert!(StudyRule::new(101).is_none() && StudyRule::new(-1).is_none());
    }
}
