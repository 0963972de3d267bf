use super::choice_enum;

choice_enum! {
    /// Training categories: applicants pick their interests from these at signup, and every
    /// training in the catalogue belongs to one (the migration seeds the same codes).
    TrainingCategory, TrainingCategoryError, "Kategori pelatihan tidak dikenal.",
    {
        DigitalMarketing => ("pemasaran-digital", "Pemasaran digital"),
        EnglishForWork => ("bahasa-inggris-kerja", "Bahasa Inggris untuk kerja"),
        Barista => ("barista", "Barista dan minuman"),
        Tailoring => ("menjahit", "Menjahit dan tata busana"),
        MicroBookkeeping => ("pembukuan-umkm", "Pembukuan usaha mikro"),
        OnlineSelling => ("jualan-online", "Jualan online"),
        WebProgramming => ("pemrograman-web", "Pemrograman web"),
        RideHailingDriving => ("pengemudi-daring", "Pengemudi transportasi daring"),
        FoodProcessing => ("pengolahan-makanan", "Pengolahan makanan"),
        GraphicDesign => ("desain-grafis", "Desain grafis"),
        Beauty => ("tata-rias", "Tata rias dan kecantikan"),
        OfficeAdministration => ("administrasi-perkantoran", "Administrasi perkantoran"),
        Electrical => ("teknisi-listrik", "Teknisi listrik dan elektronik"),
        ModernFarming => ("pertanian-modern", "Pertanian dan peternakan modern"),
        CustomerService => ("layanan-pelanggan", "Layanan pelanggan"),
        PhotoVideo => ("fotografi-video", "Fotografi dan video"),
        Entrepreneurship => ("kewirausahaan", "Kewirausahaan"),
    }
}

/// An applicant's interests: one to five distinct categories, used later to score how well a
/// training fits.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interests(Vec<TrainingCategory>);

pub const MAX_INTERESTS: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterestsError {
    #[error("Pilih minimal satu bidang pelatihan yang Anda minati.")]
    None,
    #[error("Pilih paling banyak 5 bidang pelatihan.")]
    TooMany,
    #[error("Ada bidang pelatihan yang tidak dikenal. Pilih dari daftar.")]
    Unknown,
}

impl Interests {
    pub fn parse(codes: &[String]) -> Result<Interests, InterestsError> {
        let mut chosen: Vec<TrainingCategory> = Vec::new();
        for code in codes.iter().filter(|c| !c.trim().is_empty()) {
            let category = TrainingCategory::parse(code).map_err(|_| InterestsError::Unknown)?;
            if !chosen.contains(&category) {
                chosen.push(category);
            }
        }
        match chosen.len() {
            0 => Err(InterestsError::None),
            n if n > MAX_INTERESTS => Err(InterestsError::TooMany),
            _ => Ok(Interests(chosen)),
        }
    }

    pub fn categories(&self) -> &[TrainingCategory] {
        &self.0
    }

    pub fn codes(&self) -> Vec<String> {
        self.0.iter().map(|c| c.code().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn there_are_at_least_fifteen_distinct_categories() {
        let mut all: Vec<_> = TrainingCategory::ALL.iter().map(|c| c.code()).collect();
        all.sort_unstable();
        all.dedup();
        assert!(all.len() >= 15);
    }

    #[test]
    fn interests_are_one_to_five_known_categories() {
        assert_eq!(
            Interests::parse(&codes(&["barista", "barista", "menjahit"]))
                .unwrap()
                .categories()
                .len(),
            2
        );
        assert_eq!(Interests::parse(&codes(&[])), Err(InterestsError::None));
        assert_eq!(Interests::parse(&codes(&[""])), Err(InterestsError::None));
        assert_eq!(Interests::parse(&codes(&["memancing"])), Err(InterestsError::Unknown));
        let six: Vec<String> = TrainingCategory::ALL[..6].iter().map(|c| c.code().to_owned()).collect();
        assert_eq!(Interests::parse(&six), Err(InterestsError::TooMany));
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_one_to_five_known_categories_parse_in_order(picks in proptest::collection::vec(0usize..17, 1..=5)) {
            let mut expected: Vec<TrainingCategory> = Vec::new();
            for i in &picks {
                if !expected.contains(&TrainingCategory::ALL[*i]) {
                    expected.push(TrainingCategory::ALL[*i]);
                }
            }
            let raw: Vec<String> = picks.iter().map(|i| TrainingCategory::ALL[*i].code().to_owned()).collect();
            let interests = Interests::parse(&raw).unwrap();
            proptest::prop_assert_eq!(interests.categories(), expected.as_slice());
        }

        #[test]
        fn unknown_codes_are_refused(code in "[a-z-]{1,30}") {
            proptest::prop_assume!(TrainingCategory::parse(&code).is_err());
            proptest::prop_assert_eq!(Interests::parse(&[code]), Err(InterestsError::Unknown));
        }
    }
}
