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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_code_and_nothing_else() {
        for category in ExclusionCategory::ALL {
            assert_eq!(ExclusionCategory::parse(category.code()), Ok(*category));
        }
        assert_eq!(ExclusionCategory::parse("pns"), Err(ExclusionCategoryError::Missing));
    }
}
