use super::choice_enum;

choice_enum! {
    /// The applicant's situation; laid-off and COVID-affected applicants may get a special quota.
    EmploymentStatus, EmploymentStatusError, "Pilih status pekerjaan Anda.",
    {
        JobSeeker => ("pencari-kerja", "Pencari kerja"),
        LaidOff => ("korban-phk", "Korban pemutusan hubungan kerja (PHK)"),
        CovidAffectedWorker => ("pekerja-terdampak-covid", "Pekerja yang terdampak COVID-19"),
        CovidAffectedBusiness => ("umk-terdampak-covid", "Pelaku usaha mikro/kecil yang terdampak COVID-19"),
        Worker => ("pekerja", "Pekerja/buruh"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_code() {
        for status in EmploymentStatus::ALL {
            assert_eq!(EmploymentStatus::parse(status.code()), Ok(*status));
        }
        assert_eq!(
            EmploymentStatus::parse("pengangguran"),
            Err(EmploymentStatusError::Missing)
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;

    proptest::proptest! {
        #[test]
        fn only_listed_codes_parse(raw in "[a-z-]{0,24}") {
            let listed = EmploymentStatus::ALL.iter().any(|e| e.code() == raw);
            proptest::prop_assert_eq!(EmploymentStatus::parse(&raw).is_ok(), listed);
            if let Ok(status) = EmploymentStatus::parse(&raw) {
                let json = serde_json::to_string(&status).unwrap();
                proptest::prop_assert_eq!(serde_json::from_str::<EmploymentStatus>(&json).unwrap(), status);
            }
        }
    }
}
