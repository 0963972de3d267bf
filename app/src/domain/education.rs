use super::choice_enum;

choice_enum! {
    /// The highest education completed.
    Education, EducationError, "Pilih pendidikan terakhir Anda.",
    {
        NoPrimary => ("tidak-tamat-sd", "Tidak/belum tamat SD"),
        Primary => ("sd", "SD/sederajat"),
        JuniorSecondary => ("smp", "SMP/sederajat"),
        SeniorSecondary => ("sma", "SMA/SMK/sederajat"),
        Diploma => ("diploma", "Diploma (D1-D3)"),
        Bachelor => ("sarjana", "Sarjana/D4 (S1)"),
        Master => ("magister", "Magister (S2)"),
        Doctorate => ("doktor", "Doktor (S3)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_only() {
        assert_eq!(Education::parse("sma"), Ok(Education::SeniorSecondary));
        assert_eq!(Education::parse(""), Err(EducationError::Missing));
        assert_eq!(Education::parse("SMA"), Err(EducationError::Missing));
        assert_eq!(EducationError::Missing.to_string(), "Pilih pendidikan terakhir Anda.");
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn only_listed_codes_parse(raw in "[a-z-]{0,16}") {
            let listed = Education::ALL.iter().any(|e| e.code() == raw);
            proptest::prop_assert_eq!(Education::parse(&raw).is_ok(), listed);
        }
    }
}
