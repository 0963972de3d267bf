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
