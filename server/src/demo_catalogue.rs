//! A realistic demo catalogue: about 900 trainings in Bahasa Indonesia across the 17 categories
//! and 8 platforms, with plausible prices and hours. Deterministic: the same seed gives the same
//! catalogue (its own small generator, so a new version of a crate cannot change it). Loaded
//! through the same import as a platform's file, so it obeys the same rules.

use app::catalogue::{import, NewTraining, TrainingRecord};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub const DEFAULT_SEED: u64 = 2020;
pub const TRAININGS: usize = 900;

/// SplitMix64: tiny, fast and fixed forever.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
}

/// A category's material: topics, what is learnt, and its usual price (rupiah) and hours.
struct Subject {
    category: &'static str,
    topics: &'static [&'static str],
    outcomes: &'static [&'static str],
    price: (i64, i64),
    hours: (i64, i64),
}

const SUBJECTS: &[Subject] = &[
    Subject {
        category: "pemasaran-digital",
        topics: &[
            "Pemasaran Media Sosial",
            "Iklan Instagram dan Facebook",
            "SEO untuk Toko Online",
            "Copywriting Penjualan",
            "Email Marketing",
            "Analitik Kampanye Digital",
        ],
        outcomes: &[
            "Menyusun rencana konten sebulan",
            "Membuat dan mengukur iklan berbayar",
            "Membaca laporan analitik",
            "Menulis teks promosi yang menjual",
        ],
        price: (150_000, 450_000),
        hours: (6, 24),
    },
    Subject {
        category: "bahasa-inggris-kerja",
        topics: &[
            "Bahasa Inggris untuk Wawancara Kerja",
            "Percakapan Bahasa Inggris di Kantor",
            "Menulis Email Bisnis dalam Bahasa Inggris",
            "Bahasa Inggris untuk Layanan Hotel",
            "Presentasi dalam Bahasa Inggris",
        ],
        outcomes: &[
            "Memperkenalkan diri dalam wawancara",
            "Menulis email kerja yang jelas",
            "Bercakap dengan tamu dan pelanggan",
            "Memahami istilah kerja sehari-hari",
        ],
        price: (200_000, 600_000),
        hours: (10, 40),
    },
    Subject {
        category: "barista",
        topics: &[
            "Barista Pemula: Espresso dan Manual Brew",
            "Latte Art",
            "Meracik Minuman Kopi Kekinian",
            "Mengelola Kedai Kopi Kecil",
            "Minuman Non-Kopi untuk Kafe",
        ],
        outcomes: &[
            "Menyeduh espresso yang seimbang",
            "Membuat latte art dasar",
            "Menghitung harga pokok minuman",
            "Merawat mesin dan alat seduh",
        ],
        price: (250_000, 700_000),
        hours: (8, 30),
    },
    Subject {
        category: "menjahit",
        topics: &[
            "Menjahit Pakaian Dasar",
            "Pola Busana Muslim",
            "Menjahit Masker dan Produk Kain",
            "Permak dan Vermak Pakaian",
            "Usaha Konveksi Rumahan",
        ],
        outcomes: &[
            "Membuat pola dasar",
            "Mengoperasikan mesin jahit dengan aman",
            "Menjahit kemeja sederhana",
            "Menghitung kebutuhan kain",
        ],
        price: (150_000, 500_000),
        hours: (10, 36),
    },
    Subject {
        category: "pembukuan-umkm",
        topics: &[
            "Pembukuan Sederhana untuk Usaha Mikro",
            "Laporan Keuangan UMKM dengan Spreadsheet",
            "Menghitung Harga Pokok Produksi",
            "Pajak untuk Usaha Kecil",
            "Mengelola Arus Kas Warung",
        ],
        outcomes: &[
            "Mencatat pemasukan dan pengeluaran harian",
            "Menyusun laba rugi bulanan",
            "Memisahkan uang usaha dan pribadi",
            "Menghitung harga jual",
        ],
        price: (100_000, 400_000),
        hours: (4, 16),
    },
    Subject {
        category: "jualan-online",
        topics: &[
            "Jualan Online di Marketplace",
            "Foto Produk dengan Ponsel",
            "Live Shopping untuk Pemula",
            "Mengelola Toko Online dan Ulasan Pembeli",
            "Dropship dan Reseller",
        ],
        outcomes: &[
            "Membuka dan menata toko di marketplace",
            "Memotret produk yang menarik",
            "Menjawab pembeli dengan cepat",
            "Mengatur stok dan pengiriman",
        ],
        price: (100_000, 450_000),
        hours: (4, 20),
    },
    Subject {
        category: "pemrograman-web",
        topics: &[
            "Dasar HTML dan CSS",
            "JavaScript untuk Pemula",
            "Membuat Website Toko dengan CMS",
            "Pemrograman Backend Dasar",
            "Membangun Aplikasi Web Responsif",
        ],
        outcomes: &[
            "Membuat halaman web yang rapi di ponsel",
            "Menulis program JavaScript sederhana",
            "Menerbitkan website",
            "Memahami basis data dasar",
        ],
        price: (300_000, 1_000_000),
        hours: (16, 80),
    },
    Subject {
        category: "pengemudi-daring",
        topics: &[
            "Menjadi Mitra Pengemudi Ojek Daring",
            "Keselamatan Berkendara untuk Pengemudi",
            "Layanan Prima Pengemudi Transportasi Daring",
            "Mengelola Penghasilan Pengemudi",
        ],
        outcomes: &[
            "Berkendara aman dan defensif",
            "Melayani penumpang dengan ramah",
            "Mengatur waktu dan penghasilan harian",
            "Merawat kendaraan",
        ],
        price: (100_000, 300_000),
        hours: (3, 12),
    },
    Subject {
        category: "pengolahan-makanan",
        topics: &[
            "Usaha Kue Rumahan",
            "Keamanan Pangan dan Izin PIRT",
            "Frozen Food untuk Dijual",
            "Masakan Nusantara untuk Katering",
            "Pengemasan Produk Makanan",
        ],
        outcomes: &[
            "Mengolah makanan yang aman",
            "Mengurus izin PIRT",
            "Menghitung biaya resep",
            "Mengemas produk agar tahan lama",
        ],
        price: (150_000, 550_000),
        hours: (6, 24),
    },
    Subject {
        category: "desain-grafis",
        topics: &[
            "Desain Grafis dengan Aplikasi Gratis",
            "Desain Konten Media Sosial",
            "Membuat Logo dan Identitas Merek",
            "Ilustrasi Digital untuk Pemula",
            "Desain Kemasan Produk",
        ],
        outcomes: &[
            "Menyusun tata letak yang rapi",
            "Memilih warna dan huruf",
            "Membuat logo sederhana",
            "Menyiapkan berkas cetak",
        ],
        price: (200_000, 650_000),
        hours: (8, 32),
    },
    Subject {
        category: "tata-rias",
        topics: &[
            "Tata Rias Wajah untuk Acara",
            "Merias Pengantin",
            "Perawatan Rambut dan Potong Rambut",
            "Perawatan Kuku",
            "Membuka Usaha Salon Rumahan",
        ],
        outcomes: &[
            "Merias wajah sesuai acara",
            "Menjaga kebersihan alat",
            "Melayani pelanggan salon",
            "Menetapkan tarif jasa",
        ],
        price: (200_000, 650_000),
        hours: (8, 30),
    },
    Subject {
        category: "administrasi-perkantoran",
        topics: &[
            "Microsoft Excel untuk Kerja",
            "Administrasi Perkantoran Modern",
            "Kearsipan Digital",
            "Menulis Surat Resmi",
            "Google Workspace untuk Kantor",
        ],
        outcomes: &[
            "Mengolah data dengan rumus dan tabel pivot",
            "Mengelola arsip digital",
            "Menulis surat resmi yang benar",
            "Menyusun jadwal dan notulen",
        ],
        price: (100_000, 450_000),
        hours: (6, 24),
    },
    Subject {
        category: "teknisi-listrik",
        topics: &[
            "Instalasi Listrik Rumah Tangga",
            "Servis Ponsel",
            "Perbaikan Peralatan Elektronik Rumah",
            "Pemasangan Panel Surya Atap",
            "Servis AC Split",
        ],
        outcomes: &[
            "Memasang instalasi yang aman",
            "Mencari dan memperbaiki kerusakan umum",
            "Membaca diagram rangkaian",
            "Menggunakan alat ukur listrik",
        ],
        price: (250_000, 800_000),
        hours: (10, 40),
    },
    Subject {
        category: "pertanian-modern",
        topics: &[
            "Hidroponik untuk Pemula",
            "Budidaya Lele Bioflok",
            "Beternak Ayam Petelur",
            "Pertanian Organik",
            "Menjual Hasil Tani Secara Daring",
        ],
        outcomes: &[
            "Menyiapkan media tanam",
            "Mengatur pakan dan air",
            "Mencegah hama dan penyakit",
            "Menghitung untung rugi panen",
        ],
        price: (150_000, 500_000),
        hours: (6, 24),
    },
    Subject {
        category: "layanan-pelanggan",
        topics: &[
            "Layanan Pelanggan yang Prima",
            "Agen Pusat Panggilan",
            "Menangani Keluhan Pelanggan",
            "Layanan Pelanggan Lewat Chat",
            "Etika Pelayanan di Ritel",
        ],
        outcomes: &[
            "Menjawab keluhan dengan tenang",
            "Menulis balasan chat yang jelas",
            "Mencatat dan menindaklanjuti keluhan",
            "Menjaga mutu layanan",
        ],
        price: (100_000, 400_000),
        hours: (4, 16),
    },
    Subject {
        category: "fotografi-video",
        topics: &[
            "Fotografi Produk dengan Ponsel",
            "Videografi untuk Media Sosial",
            "Menyunting Video di Ponsel",
            "Fotografi Acara",
            "Membuat Konten Video Pendek",
        ],
        outcomes: &[
            "Mengatur cahaya dan komposisi",
            "Merekam video yang stabil",
            "Menyunting dan memberi teks video",
            "Menyiapkan portofolio",
        ],
        price: (150_000, 600_000),
        hours: (6, 24),
    },
    Subject {
        category: "kewirausahaan",
        topics: &[
            "Memulai Usaha dari Rumah",
            "Menyusun Rencana Bisnis",
            "Membangun Merek Usaha Kecil",
            "Mengajukan Kredit Usaha Rakyat",
            "Waralaba dan Kemitraan",
        ],
        outcomes: &[
            "Menguji ide usaha",
            "Menyusun rencana bisnis satu halaman",
            "Menghitung modal awal",
            "Menyiapkan pengajuan pinjaman",
        ],
        price: (100_000, 500_000),
        hours: (4, 20),
    },
];

const QUALIFIERS: &[&str] = &[
    "untuk Pemula",
    "Praktis dalam 7 Hari",
    "dari Nol hingga Mahir",
    "untuk Usaha Mikro",
    "Tingkat Lanjut",
    "Kelas Intensif",
    "dengan Studi Kasus",
    "Siap Kerja",
];

const PLATFORMS: &[(&str, &str)] = &[
    ("tokopedia", "TKP"),
    ("bukalapak", "BL"),
    ("skill-academy", "SA"),
    ("maubelajarapa", "MBA"),
    ("pintaria", "PIN"),
    ("sekolahmu", "SKM"),
    ("pijar-mahir", "PJM"),
    ("sisnaker", "SIS"),
];

const PROVIDER_KINDS: &[&str] = &[
    "Lembaga Kursus",
    "Akademi",
    "Pusat Pelatihan",
    "Studio",
    "Sekolah",
    "Balai Latihan",
];
const PROVIDER_NAMES: &[&str] = &[
    "Nusantara",
    "Cendekia",
    "Mandiri Jaya",
    "Harapan Bangsa",
    "Karya Muda",
    "Sinar Ilmu",
    "Bina Terampil",
    "Maju Bersama",
    "Insan Kreatif",
    "Tunas Bangsa",
    "Mitra Usaha",
    "Cakrawala",
];

/// Providers owned by a platform that also sells their trainings (a conflict of interest the
/// catalogue shows): (provider, owning platform).
pub const PLATFORM_OWNED_PROVIDERS: &[(&str, &str)] = &[
    ("Skill Academy Studio", "skill-academy"),
    ("Pintaria Learning Center", "pintaria"),
];

/// The demo catalogue as platform records, by platform.
pub fn generate(seed: u64) -> Vec<(&'static str, Vec<TrainingRecord>)> {
    let mut generator = Generator(seed);
    let mut by_platform: Vec<(&'static str, Vec<TrainingRecord>)> =
        PLATFORMS.iter().map(|(code, _)| (*code, Vec::new())).collect();
    for n in 0..TRAININGS {
        let subject = &SUBJECTS[n % SUBJECTS.len()];
        let platform = generator.below(PLATFORMS.len());
        let (platform_code, prefix) = PLATFORMS[platform];
        let topic = generator.pick(subject.topics);
        let qualifier = generator.pick(QUALIFIERS);
        let level = match *qualifier {
            "Tingkat Lanjut" | "dari Nol hingga Mahir" => "mahir",
            "Kelas Intensif" | "dengan Studi Kasus" => "menengah",
            _ => "pemula",
        };
        let mode = *generator.pick(&["video-mandiri", "video-mandiri", "webinar-langsung", "campuran"]);
        let hours = generator.between(subject.hours.0, subject.hours.1);
        // Prices end in thousands, as platforms set them; one in 40 is priced far above its kind.
        let mut price = generator.between(subject.price.0 / 1000, subject.price.1 / 1000) * 1000;
        if generator.below(40) == 0 {
            price = (price * 3).min(1_000_000);
        }
        let provider = match PLATFORM_OWNED_PROVIDERS
            .iter()
            .find(|(_, owner)| *owner == platform_code)
        {
            Some((own, _)) if generator.below(4) == 0 => (*own).to_owned(),
            _ => format!("{} {}", generator.pick(PROVIDER_KINDS), generator.pick(PROVIDER_NAMES)),
        };
        let mut outcomes: Vec<String> = Vec::new();
        for _ in 0..3 {
            let outcome = generator.pick(subject.outcomes).to_string();
            if !outcomes.contains(&outcome) {
                outcomes.push(outcome);
            }
        }
        let description = format!(
            "{topic} {qualifier}. Pelatihan {} selama {hours} jam bersama {provider}. Anda akan belajar: {}. \
             Cocok bagi pencari kerja dan pelaku usaha yang ingin meningkatkan keterampilan.",
            match mode {
                "video-mandiri" => "video mandiri",
                "webinar-langsung" => "webinar langsung",
                _ => "campuran video dan webinar",
            },
            outcomes.join(", ").to_lowercase()
        );
        by_platform[platform].1.push(TrainingRecord {
            course_id: format!("{prefix}-{:04}", n + 1),
            title: format!("{topic} {qualifier}"),
            description,
            category: subject.category.to_owned(),
            provider,
            price: price.to_string(),
            hours: hours.to_string(),
            mode: mode.to_owned(),
            level: level.to_owned(),
            outcomes,
        });
    }
    by_platform
}

/// Loads the demo catalogue (idempotent). Returns how many trainings were added.
pub async fn load(pool: &PgPool, seed: u64, now: DateTime<Utc>) -> Result<u64, Box<dyn std::error::Error>> {
    let mut added = 0;
    for (platform, records) in generate(seed) {
        let trainings = records
            .iter()
            .map(NewTraining::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| format!("demo catalogue: {reason}"))?;
        added += import::import(pool, platform, &trainings, &[], "system:demo", now)
            .await?
            .added;
    }
    for (provider, platform) in PLATFORM_OWNED_PROVIDERS {
        sqlx::query!(
            "update providers set owned_by_platform = $2 where name = $1 and owned_by_platform is distinct from $2",
            provider,
            platform
        )
        .execute(pool)
        .await?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_catalogue_and_every_record_is_valid() {
        let first = generate(DEFAULT_SEED);
        assert_eq!(first, generate(DEFAULT_SEED));
        assert_ne!(first, generate(DEFAULT_SEED + 1));
        let records: Vec<&TrainingRecord> = first.iter().flat_map(|(_, records)| records).collect();
        assert_eq!(records.len(), TRAININGS);
        for record in &records {
            NewTraining::parse(record).unwrap_or_else(|reason| panic!("{record:?}: {reason}"));
            let price: i64 = record.price.parse().unwrap();
            assert!((100_000..=1_000_000).contains(&price), "{price}");
        }
        let categories: std::collections::HashSet<&str> = records.iter().map(|r| r.category.as_str()).collect();
        assert!(categories.len() >= 15);
        assert!(
            first.iter().all(|(_, records)| records.len() > 60),
            "every platform sells"
        );
    }
}
