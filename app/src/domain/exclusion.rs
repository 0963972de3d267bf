use serde::{Deserialize, Serialize};

use super::choice_enum;

choice_enum! {
    /// Why a NIK is on the exclusion list: the groups the program excludes, as operators import
    /// them (the code is the CSV column's value).
    ExclusionCategory, ExclusionCategoryError, "Kategori pengecualian tidak dikenal.",
    {
        StateOfficial => ("pejabat-negara", "pejabat negara"),
        Parliament => ("dpr-dprd", "anggota DPR, DPD atau DPRD"),
        CivilServant => ("asn", "aparatur sipil negara (ASN)"),
        ArmedForcesPolice => ("tni-polri", "anggota TNI atau Polri"),
        VillageOfficial => ("perangkat-desa", "kepala desa atau perangkat desa"),
        StateCompanyBoard => ("direksi-bumn-bumd", "direksi, komisaris atau dewan pengawas BUMN/BUMD"),
        Student => ("pelajar", "siswa atau mahasiswa pendidikan formal"),
        PastRecipient => ("penerima-sebelumnya", "penerima Kartu Prakerja sebelumnya"),
    }
}

/// Where an exclusion file came from (the agency and the date it was sent, say), kept with every
/// entry it lists so an applicant's refusal can be traced to its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionSource(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Tulis asal berkas (instansi dan tanggal), 3 sampai 200 karakter.")]
pub struct ExclusionSourceError;

impl ExclusionSource {
    pub fn parse(raw: &str) -> Result<ExclusionSource, ExclusionSourceError> {
        let source = super::collapse_whitespace(raw);
        if (3..=200).contains(&source.chars().count()) && !source.chars().any(char::is_control) {
            Ok(ExclusionSource(source))
        } else {
            Err(ExclusionSourceError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_names_the_file_in_at_most_200_characters() {
        assert_eq!(
            ExclusionSource::parse("  BKN   2026-11 ").unwrap().as_str(),
            "BKN 2026-11"
        );
        assert_eq!(ExclusionSource::parse("ab"), Err(ExclusionSourceError));
        assert_eq!(ExclusionSource::parse(&"x".repeat(201)), Err(ExclusionSourceError));
    }

    #[test]
    fn parses_every_code_and_nothing_else() {
        for category in ExclusionCategory::ALL {
            assert_eq!(ExclusionCategory::parse(category.code()), Ok(*category));
        }
        assert_eq!(ExclusionCategory::parse("pns"), Err(ExclusionCategoryError::Missing));
    }
}
