//! Where an applicant's verification stands, and why: the words applicants and operators read.

use serde::{Deserialize, Serialize};

use super::{
    birth::{MAX_AGE, MIN_AGE},
    choice_enum,
    family_card::MAX_PER_FAMILY_CARD,
    ExclusionCategory,
};

choice_enum! {
    /// Where an applicant's verification stands (the database's `verifications.status`).
    VerificationStatus, VerificationStatusError, "Pilih status verifikasi.",
    {
        Verified => ("terverifikasi", "Terverifikasi"),
        Rejected => ("ditolak", "Ditolak"),
        Manual => ("periksa-manual", "Diperiksa petugas"),
    }
}

/// Why an applicant was refused or sent to a person for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    NikMalformed,
    NikBirthDateMismatch,
    NikGenderMismatch,
    TooYoung,
    TooOld,
    FamilyCardFull,
    NikRegisteredBefore,
    Excluded(ExclusionCategory),
    /// The birth date disagrees with the NIK, but it is one the civil registry uses when the
    /// real date is unknown (1 January, 31 December): a person must look at it.
    PlaceholderBirthDate,
    /// Operators decided, on its owner's dispute, that the NIK is someone else's.
    NikBelongsToAnother,
    /// The civil registry (Dukcapil) has no resident with this NIK.
    RegistryNikNotFound,
    /// The civil registry records the NIK's owner as deceased.
    RegistryDeceased,
    /// The name differs from the registry's beyond spelling variants.
    RegistryNameMismatch,
    /// The name is close to the registry's but not the same: a person must look at both.
    RegistryNameNear,
    RegistryBirthDateMismatch,
    RegistryGenderMismatch,
    /// The registry does not list the NIK on the family card (KK) the applicant gave.
    RegistryFamilyCardMismatch,
}

impl Reason {
    /// Every reason except the exclusion ones (one per category).
    pub const WITHOUT_CATEGORY: [Reason; 16] = [
        Reason::NikMalformed,
        Reason::NikBirthDateMismatch,
        Reason::NikGenderMismatch,
        Reason::TooYoung,
        Reason::TooOld,
        Reason::FamilyCardFull,
        Reason::NikRegisteredBefore,
        Reason::PlaceholderBirthDate,
        Reason::NikBelongsToAnother,
        Reason::RegistryNikNotFound,
        Reason::RegistryDeceased,
        Reason::RegistryNameMismatch,
        Reason::RegistryNameNear,
        Reason::RegistryBirthDateMismatch,
        Reason::RegistryGenderMismatch,
        Reason::RegistryFamilyCardMismatch,
    ];

    /// Reasons that send an applicant to a person, never a refusal an operator would choose.
    pub fn is_doubt(self) -> bool {
        matches!(self, Reason::PlaceholderBirthDate | Reason::RegistryNameNear)
    }

    /// Every reason, the exclusion ones included (filters and operators' choices).
    pub fn all() -> Vec<Reason> {
        Reason::WITHOUT_CATEGORY
            .into_iter()
            .chain(ExclusionCategory::ALL.iter().map(|c| Reason::Excluded(*c)))
            .collect()
    }

    /// A short name for lists and filters.
    pub fn title(self) -> String {
        match self {
            Reason::NikMalformed => "NIK tidak valid".into(),
            Reason::NikBirthDateMismatch => "NIK tidak cocok dengan tanggal lahir".into(),
            Reason::NikGenderMismatch => "NIK tidak cocok dengan jenis kelamin".into(),
            Reason::TooYoung => format!("Usia di bawah {MIN_AGE} tahun"),
            Reason::TooOld => format!("Usia di atas {MAX_AGE} tahun"),
            Reason::FamilyCardFull => format!("Sudah {MAX_PER_FAMILY_CARD} pendaftar dalam satu KK"),
            Reason::NikRegisteredBefore => "NIK pernah terdaftar".into(),
            Reason::Excluded(category) => format!("Dikecualikan: {}", category.label()),
            Reason::PlaceholderBirthDate => "Tanggal lahir perlu dicek petugas".into(),
            Reason::NikBelongsToAnother => "NIK milik orang lain".into(),
            Reason::RegistryNikNotFound => "NIK tidak ada di Dukcapil".into(),
            Reason::RegistryDeceased => "NIK tercatat meninggal dunia".into(),
            Reason::RegistryNameMismatch => "Nama berbeda dengan Dukcapil".into(),
            Reason::RegistryNameNear => "Nama mirip dengan Dukcapil, perlu dicek petugas".into(),
            Reason::RegistryBirthDateMismatch => "Tanggal lahir berbeda dengan Dukcapil".into(),
            Reason::RegistryGenderMismatch => "Jenis kelamin berbeda dengan Dukcapil".into(),
            Reason::RegistryFamilyCardMismatch => "NIK tidak tercatat pada KK yang diisi".into(),
        }
    }

    /// The stable code stored with the decision and shown to operators.
    pub fn code(self) -> String {
        match self {
            Reason::NikMalformed => "nik-tidak-valid".into(),
            Reason::NikBirthDateMismatch => "nik-tanggal-lahir".into(),
            Reason::NikGenderMismatch => "nik-jenis-kelamin".into(),
            Reason::TooYoung => "usia-kurang".into(),
            Reason::TooOld => "usia-lebih".into(),
            Reason::FamilyCardFull => "kk-penuh".into(),
            Reason::NikRegisteredBefore => "nik-pernah-terdaftar".into(),
            Reason::Excluded(category) => format!("dikecualikan:{}", category.code()),
            Reason::PlaceholderBirthDate => "tanggal-lahir-perlu-dicek".into(),
            Reason::NikBelongsToAnother => "nik-milik-orang-lain".into(),
            Reason::RegistryNikNotFound => "dukcapil-nik-tidak-ada".into(),
            Reason::RegistryDeceased => "dukcapil-meninggal".into(),
            Reason::RegistryNameMismatch => "dukcapil-nama-beda".into(),
            Reason::RegistryNameNear => "dukcapil-nama-mirip".into(),
            Reason::RegistryBirthDateMismatch => "dukcapil-tanggal-lahir-beda".into(),
            Reason::RegistryGenderMismatch => "dukcapil-jenis-kelamin-beda".into(),
            Reason::RegistryFamilyCardMismatch => "dukcapil-kk-beda".into(),
        }
    }

    pub fn parse(code: &str) -> Option<Reason> {
        if let Some(category) = code.strip_prefix("dikecualikan:") {
            return ExclusionCategory::parse(category).ok().map(Reason::Excluded);
        }
        Reason::WITHOUT_CATEGORY
            .into_iter()
            .find(|reason| reason.code() == code)
    }

    /// What the applicant reads on the dashboard: what was found and what they can do.
    pub fn explanation(self) -> String {
        match self {
            Reason::NikMalformed => "NIK yang Anda daftarkan tidak sesuai format NIK Dukcapil (16 digit: kode wilayah, \
                 tanggal lahir, nomor urut). Periksa KTP Anda; jika NIK di KTP memang berbeda, hubungi Dukcapil setempat."
                .into(),
            Reason::NikBirthDateMismatch => "Tanggal lahir yang Anda isi tidak sama dengan tanggal lahir di dalam NIK \
                 (digit 7-12). Data harus sama persis dengan KTP."
                .into(),
            Reason::NikGenderMismatch => "Jenis kelamin yang Anda isi tidak sesuai dengan NIK (pada NIK perempuan, \
                 tanggal lahir ditambah 40)."
                .into(),
            Reason::TooYoung => format!(
                "Pada tanggal pendaftaran usia Anda belum {MIN_AGE} tahun. Program ini untuk usia {MIN_AGE}-{MAX_AGE} tahun; \
                 Anda dapat mendaftar lagi setelah berusia {MIN_AGE} tahun."
            ),
            Reason::TooOld => format!(
                "Pada tanggal pendaftaran usia Anda sudah lebih dari {MAX_AGE} tahun. Program ini untuk usia \
                 {MIN_AGE}-{MAX_AGE} tahun."
            ),
            Reason::FamilyCardFull => format!(
                "Sudah ada {MAX_PER_FAMILY_CARD} anggota keluarga dengan nomor KK yang sama yang terdaftar. Satu KK paling \
                 banyak {MAX_PER_FAMILY_CARD} penerima."
            ),
            Reason::NikRegisteredBefore => "NIK ini sudah pernah terdaftar sebelumnya. Satu NIK hanya dapat mendaftar \
                 satu kali. Jika Anda tidak pernah mendaftar, laporkan ke layanan pengaduan Prakerja."
                .into(),
            Reason::Excluded(category) => format!(
                "NIK Anda tercatat sebagai {} dalam daftar pengecualian dari instansi terkait, dan kelompok ini tidak \
                 dapat menerima Kartu Prakerja. Jika data itu keliru, ajukan perbaikan ke instansi tersebut lalu \
                 laporkan ke layanan pengaduan Prakerja.",
                category.label()
            ),
            Reason::PlaceholderBirthDate => "Tanggal lahir Anda berbeda dengan NIK, tetapi tanggal ini sering dipakai \
                 Dukcapil bila tanggal lahir sebenarnya tidak diketahui. Petugas akan memeriksa data Anda."
                .into(),
            Reason::NikBelongsToAnother => "Pemilik NIK yang Anda daftarkan mengajukan sanggahan, dan petugas \
                 memutuskan bahwa NIK itu miliknya. Pendaftaran ini tidak dapat diproses lagi. Bila keputusan ini \
                 keliru, hubungi layanan pengaduan Prakerja dengan membawa KTP Anda."
                .into(),
            Reason::RegistryNikNotFound => "NIK yang Anda daftarkan tidak ditemukan di data kependudukan Dukcapil. \
                 Periksa kembali NIK di KTP Anda. Jika NIK sudah benar, datangi Disdukcapil setempat agar data Anda \
                 dicatat, lalu daftar kembali."
                .into(),
            Reason::RegistryDeceased => "Menurut data Dukcapil, pemilik NIK ini telah meninggal dunia. Jika data itu \
                 keliru, ajukan perbaikan ke Disdukcapil setempat, lalu laporkan ke layanan pengaduan Prakerja."
                .into(),
            Reason::RegistryNameMismatch => "Nama yang Anda isi berbeda dengan nama pemilik NIK di data Dukcapil. \
                 Isi nama persis seperti di KTP. Jika nama di KTP Anda keliru, perbaiki di Disdukcapil setempat."
                .into(),
            Reason::RegistryNameNear => "Nama yang Anda isi hampir sama dengan nama di data Dukcapil, tetapi tidak \
                 persis sama (misalnya beda ejaan atau singkatan). Petugas akan membandingkan keduanya."
                .into(),
            Reason::RegistryBirthDateMismatch => "Tanggal lahir yang Anda isi berbeda dengan data Dukcapil. Isi \
                 tanggal lahir persis seperti di KTP; jika data Dukcapil keliru, perbaiki di Disdukcapil setempat."
                .into(),
            Reason::RegistryGenderMismatch => "Jenis kelamin yang Anda isi berbeda dengan data Dukcapil. Jika data \
                 Dukcapil keliru, perbaiki di Disdukcapil setempat."
                .into(),
            Reason::RegistryFamilyCardMismatch => "Menurut data Dukcapil, NIK Anda tidak tercatat pada nomor Kartu \
                 Keluarga (KK) yang Anda isi. Periksa nomor KK di Kartu Keluarga terbaru Anda."
                .into(),
        }
    }
}
