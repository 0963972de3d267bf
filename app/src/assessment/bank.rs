//! Question bank for the Kartu Prakerja aptitude test.
//!
//! Items are generated from small word and parameter tables with a fixed-seed PRNG, so every answer is computed
//! rather than typed by hand, and the tests below re-derive the answers independently.
//! Item codes are database keys: generation is fully deterministic and each kind has its own seed, so editing a
//! table or seed re-keys only the kinds drawing from it (plus, via duplicate-prompt skipping, a later kind sharing
//! its prompt format, e.g. deret-bertingkat after deret-kuadrat). Prefer adding a new kind over editing an old one.

use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Numeracy,
    Verbal,
    Logic,
}

impl Section {
    /// Stored in the database, so it is spelled out here instead of derived from the (renameable) variant name.
    pub fn code(self) -> &'static str {
        match self {
            Section::Numeracy => "numerasi",
            Section::Verbal => "verbal",
            Section::Logic => "logika",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbilityItem {
    /// Stable, unique, e.g. "deret-aritmetika-07"; used as the database key, so the same code must always produce
    /// the same item.
    pub code: String,
    pub section: Section,
    pub prompt: String,
    /// Exactly 4 distinct options (compare after trimming and case-folding).
    pub options: Vec<String>,
    /// Index into options of the one correct answer.
    pub correct: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MotivationStatement {
    pub code: String,
    /// A first-person statement rated on a 1-5 Likert scale (Sangat tidak setuju .. Sangat setuju).
    pub text: String,
    /// True when agreeing shows LOW motivation (reverse-scored).
    pub reversed: bool,
}

/// splitmix64: tiny and fully specified, so the bank cannot change under us with a dependency upgrade.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Inclusive range; the modulo bias is irrelevant for ranges this small.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn index(&mut self, len: usize) -> usize {
        (self.next_u64() % len as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 0
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.index(xs.len())]
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.index(i + 1);
            xs.swap(i, j);
        }
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, used to turn a code or kind name into a seed that does not depend on generation order.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Indonesian money style, "Rp250.000": dot as thousands separator, never decimals.
fn rupiah(n: i64) -> String {
    // Only positive amounts are shown (see `show`).
    format!("Rp{}", crate::domain::group_thousands(n.unsigned_abs()))
}

/// Formats distractors; non-positive values are dropped because a negative amount would give the answer away.
fn show(xs: &[i64], f: impl Fn(i64) -> String) -> Vec<String> {
    xs.iter().filter(|&&x| x > 0).map(|&x| f(x)).collect()
}

/// Key slips stay in front; near misses are shuffled so the answer is not predictably the middle value.
fn slips(r: &mut Rng, first: &[i64], near: &[i64]) -> Vec<i64> {
    let mut near = near.to_vec();
    r.shuffle(&mut near);
    first.iter().copied().chain(near).collect()
}

/// "70, 85, dan 90": the Indonesian list style with a serial comma before "dan".
fn join_dan(xs: &[i64]) -> String {
    let head: Vec<String> = xs[..xs.len() - 1].iter().map(|x| x.to_string()).collect();
    format!("{}, dan {}", head.join(", "), xs[xs.len() - 1])
}

/// A generated question before option placement: prompt, correct answer, distractor candidates in preference order.
type Draft = (String, String, Vec<String>);

/// Places the answer at a position hashed from the code, so the position is stable per item yet spread evenly.
/// Returns `None` when fewer than three usable distractors remain, so a bad draft is skipped instead of shipped.
fn build(code: String, section: Section, (prompt, answer, candidates): Draft) -> Option<AbilityItem> {
    let key = |s: &str| s.trim().to_lowercase();
    let mut options: Vec<String> = Vec::with_capacity(4);
    for c in candidates {
        let k = key(&c);
        if !k.is_empty() && k != key(&answer) && options.iter().all(|o| key(o) != k) {
            options.push(c);
        }
        if options.len() == 3 {
            break;
        }
    }
    if options.len() < 3 || key(&answer).is_empty() {
        return None;
    }
    let correct = (mix(fnv1a(&code)) % 4) as usize;
    options.insert(correct, answer);
    Some(AbilityItem {
        code,
        section,
        prompt,
        options,
        correct,
    })
}

#[derive(Default)]
struct Bank {
    items: Vec<AbilityItem>,
    prompts: HashSet<String>,
}

impl Bank {
    /// Draws up to `want` items of one kind. `draft` gets the kind's own PRNG and the attempt number (table-driven
    /// kinds use it as a row index and return `None` past the end). Repeated prompts are skipped, so codes stay
    /// unique and dense; the tests pin the minimum counts.
    fn kind(&mut self, kind: &str, sec: Section, want: usize, mut draft: impl FnMut(&mut Rng, usize) -> Option<Draft>) {
        let mut rng = Rng(fnv1a(kind));
        let mut made = 0;
        for attempt in 0..want * 40 {
            if made == want {
                break;
            }
            let Some(d) = draft(&mut rng, attempt).filter(|d| !self.prompts.contains(&d.0)) else {
                continue;
            };
            let code = format!("{kind}-{:02}", made + 1);
            if let Some(item) = build(code, sec, d) {
                self.prompts.insert(item.prompt.clone());
                self.items.push(item);
                made += 1;
            }
        }
    }
}

/// Deterministic: two calls return identical vectors. At least 240 items.
pub fn ability_items() -> Vec<AbilityItem> {
    let mut bank = Bank::default();
    number_series(&mut bank);
    word_problems(&mut bank);
    verbal(&mut bank);
    logic(&mut bank);
    bank.items
}

/// Extends `start` to `len` terms, each computed from the terms so far.
fn unfold(start: &[i64], len: usize, step: impl Fn(&[i64]) -> i64) -> Vec<i64> {
    let mut t = start.to_vec();
    while t.len() < len {
        let next = step(&t);
        t.push(next);
    }
    t
}

/// `t` holds the shown terms followed by the answer. Near-miss rules (`near`, then repeating the last difference,
/// extrapolating the differences) come first, shuffled small offsets last, so distractors look like plausible slips.
fn series(r: &mut Rng, t: &[i64], near: &[i64]) -> Option<Draft> {
    if t.iter().any(|&x| x <= 0 || x >= 100_000) {
        return None;
    }
    let (shown, next) = (&t[..t.len() - 1], t[t.len() - 1]);
    let n = shown.len();
    let (last, d1, d2) = (shown[n - 1], shown[n - 1] - shown[n - 2], shown[n - 2] - shown[n - 3]);
    let rules = [near, &[last + d1, last + 2 * d1 - d2, next + d1]].concat();
    let candidates = slips(r, &rules, &[1, -1, 2, -2, 3, -3, 10].map(|x| next + x));
    let terms = shown.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
    let prompt = format!("Bilangan berikutnya dari deret {terms}, ... adalah ...");
    Some((prompt, next.to_string(), show(&candidates, |x| x.to_string())))
}

fn number_series(bank: &mut Bank) {
    let num = Section::Numeracy;
    bank.kind("deret-aritmetika", num, 16, |r, _| {
        let d = r.range(2, 15);
        // One in four series counts down, so "always add" is not a winning strategy.
        let d = d * if r.range(0, 3) == 0 { -1 } else { 1 };
        let a = r.range(1, 60) + if d < 0 { 120 } else { 0 };
        let t = unfold(&[a], 6, |t| t[t.len() - 1] + d);
        series(r, &t, &[t[5] + d])
    });
    bank.kind("deret-geometri", num, 10, |r, _| {
        let (a, k) = (r.range(1, 9), r.range(2, 5));
        let t = unfold(&[a], 6, |t| t[t.len() - 1] * k);
        series(r, &t, &[t[4] * (k + 1), t[5] - t[3]])
    });
    bank.kind("deret-selang-seling", num, 10, |r, _| {
        let (a, p, q) = (r.range(10, 40), r.range(2, 9), r.range(-4, 9));
        if q == 0 || q.abs() == p {
            return None;
        }
        // Six terms are shown so both differences appear at least twice.
        let t = unfold(&[a], 7, |t| t[t.len() - 1] + if t.len() % 2 == 1 { p } else { q });
        series(r, &t, &[t[6] + p])
    });
    bank.kind("deret-kuadrat", num, 8, |r, _| {
        let (s, c) = (r.range(1, 8), r.range(0, 12));
        let t: Vec<i64> = (s..s + 6).map(|x| x * x + c).collect();
        series(r, &t, &[t[5] + 1])
    });
    bank.kind("deret-kubik", num, 5, |r, _| {
        let (s, c) = (r.range(1, 4), r.range(0, 9));
        let t: Vec<i64> = (s..s + 6).map(|x| x * x * x + c).collect();
        series(r, &t, &[])
    });
    bank.kind("deret-fibonacci", num, 10, |r, _| {
        let t = unfold(&[r.range(1, 9), r.range(1, 12)], 7, |t| t[t.len() - 1] + t[t.len() - 2]);
        series(r, &t, &[t[5] * 2, t[5] + t[3]])
    });
    bank.kind("deret-bertingkat", num, 11, |r, _| {
        let (a, d, k) = (r.range(1, 30), r.range(1, 8), r.range(1, 5));
        let t = unfold(&[a], 6, |t| t[t.len() - 1] + d + k * (t.len() as i64 - 1));
        series(r, &t, &[t[5] + k])
    });
}

/// (item, lowest price, highest price), prices in units of Rp10.000 so every discount is a whole amount.
#[rustfmt::skip]
const DISCOUNT_GOODS: [(&str, i64, i64); 10] = [
    ("sepatu", 15, 50), ("tas", 10, 40), ("kemeja", 8, 25), ("jaket", 15, 45), ("helm", 20, 60),
    ("kipas angin", 15, 40), ("setrika", 10, 30), ("kompor gas", 20, 80), ("sepeda", 80, 200), ("ponsel", 100, 300),
];
/// (goods, unit, lowest price, highest price) in rupiah, near ordinary market prices; prices step by Rp500.
#[rustfmt::skip]
const GROCERIES: [(&str, &str, i64, i64); 8] = [
    ("beras", "kg", 12_000, 16_000), ("gula pasir", "kg", 15_000, 18_000), ("minyak goreng", "liter", 15_000, 20_000),
    ("telur", "kg", 25_000, 30_000), ("buku tulis", "buah", 3_000, 6_000), ("sabun mandi", "batang", 3_000, 5_000),
    ("mi instan", "bungkus", 2_500, 3_500), ("bawang merah", "kg", 30_000, 40_000),
];
const BUYERS: [&str; 6] = ["Ibu Sari", "Pak Budi", "Rina", "Joko", "Bu Wati", "Dewi"];
/// (vehicle, lowest speed, highest speed) in units of 5 km/jam.
#[rustfmt::skip]
const VEHICLES: [(&str, i64, i64); 5] =
    [("sepeda motor", 6, 12), ("mobil", 8, 16), ("bus", 8, 14), ("truk", 6, 10), ("kereta api", 12, 20)];
/// (product, ingredient, unit, amount step, min steps, max steps) for one batch.
#[rustfmt::skip]
const RECIPES: [(&str, &str, &str, i64, i64, i64); 5] = [
    ("kue", "tepung terigu", "gram", 50, 2, 10), ("gelas es teh manis", "gula pasir", "gram", 20, 2, 8),
    ("roti", "telur", "butir", 1, 2, 6), ("bungkus nasi uduk", "santan", "mililiter", 50, 2, 8),
    ("porsi bubur ayam", "beras", "gram", 50, 2, 8),
];

fn word_problems(bank: &mut Bank) {
    let num = Section::Numeracy;
    bank.kind("diskon", num, 10, |r, _| {
        let (item, lo, hi) = *r.pick(&DISCOUNT_GOODS);
        let price = r.range(lo, hi) * 10_000;
        let p = *r.pick(&[10, 15, 20, 25, 30, 40, 50]);
        let pay = price * (100 - p) / 100;
        let rp = rupiah(price);
        let prompt = if r.coin() {
            format!("Harga {item} {rp} mendapat diskon {p}%. Berapa harga yang dibayar?")
        } else {
            format!("Toko memberi potongan harga {p}% untuk {item} seharga {rp}. Berapa harga {item} setelah dipotong?")
        };
        // Typical slips: paying the discount itself, or using a neighbouring percentage.
        let pct = |x: i64| price * x / 100;
        let near = [pct(90 - p), pct(110 - p), pay + 5_000, pay - 5_000];
        let wrong = slips(r, &[pct(p)], &near);
        Some((prompt, rupiah(pay), show(&wrong, rupiah)))
    });
    bank.kind("kembalian", num, 8, |r, _| {
        let (goods, unit, lo, hi) = *r.pick(&GROCERIES);
        let (buyer, q, price) = (*r.pick(&BUYERS), r.range(2, 6), r.range(lo / 500, hi / 500) * 500);
        let total = q * price;
        // Pay with the smallest common note that covers the total, as a shopper would.
        let paid = *[20_000, 50_000, 100_000, 200_000].iter().find(|&&b| b > total)?;
        let change = paid - total;
        let (each, note) = (rupiah(price), rupiah(paid));
        let prompt = format!(
            "{buyer} membeli {q} {unit} {goods} seharga {each} per {unit} dan membayar dengan uang {note}. \
             Berapa uang kembaliannya?"
        );
        let near = [change + price, change - price, change + 1_000, change - 1_000];
        let wrong = slips(r, &[total], &near);
        Some((prompt, rupiah(change), show(&wrong, rupiah)))
    });
    bank.kind("harga-satuan", num, 8, |r, _| {
        let (goods, unit, lo, hi) = *r.pick(&GROCERIES);
        let (q, price) = (r.range(3, 12), r.range(lo / 500, hi / 500) * 500);
        let rp = rupiah(price);
        let prompt = format!("Harga 1 {unit} {goods} {rp}. Berapa harga {q} {unit} {goods}?");
        let near = [(q + 1) * price, (q - 1) * price, q * (price + 500), q * (price - 500)];
        let wrong = slips(r, &[], &near);
        Some((prompt, rupiah(q * price), show(&wrong, rupiah)))
    });
    for kind in ["kecepatan-jarak", "kecepatan-waktu", "kecepatan-laju"] {
        bank.kind(kind, num, 5, |r, _| {
            let (vehicle, lo, hi) = *r.pick(&VEHICLES);
            let (v, t) = (r.range(lo, hi) * 5, r.range(2, 6));
            let d = v * t;
            let (fact, question, answer, unit, near) = match kind {
                "kecepatan-jarak" => (
                    format!("Sebuah {vehicle} melaju dengan kecepatan rata-rata {v} km/jam selama {t} jam."),
                    "Berapa jarak yang ditempuh?",
                    d,
                    "km",
                    // `v + t` is the add-instead-of-multiply slip.
                    vec![v * (t + 1), v * (t - 1), (v + 10) * t, (v - 10) * t, v + t],
                ),
                "kecepatan-waktu" => (
                    format!(
                        "Jarak dua kota adalah {d} km. Sebuah {vehicle} melaju dengan kecepatan rata-rata {v} km/jam."
                    ),
                    "Berapa lama perjalanannya?",
                    t,
                    "jam",
                    vec![t + 1, t - 1, t + 2, t - 2, t * 2],
                ),
                _ => (
                    format!("Sebuah {vehicle} menempuh jarak {d} km dalam waktu {t} jam."),
                    "Berapa kecepatan rata-ratanya?",
                    v,
                    "km/jam",
                    vec![v + 10, v - 10, v + 5, v - 5, v + 15, v - 15],
                ),
            };
            let prompt = format!("{fact} {question}");
            let wrong = show(&slips(r, &[], &near), |x| format!("{x} {unit}"));
            Some((prompt, format!("{answer} {unit}"), wrong))
        });
    }
    bank.kind("perbandingan", num, 8, |r, _| {
        let (product, ingredient, unit, step, lo, hi) = *r.pick(&RECIPES);
        let (b, a, half) = (*r.pick(&[4, 6, 8, 10, 12, 20]), r.range(lo, hi) * step, r.range(3, 10));
        // The target is `half / 2` batches; skip drafts whose answer would not be a whole amount.
        if a * half % 2 != 0 {
            return None;
        }
        let (t, ans) = (b * half / 2, a * half / 2);
        let prompt = format!(
            "Untuk membuat {b} {product} dibutuhkan {a} {unit} {ingredient}. \
             Berapa {unit} {ingredient} yang dibutuhkan untuk membuat {t} {product}?"
        );
        // `a + t - b` is the classic additive (instead of proportional) mistake.
        let wrong = show(&slips(r, &[a + t - b], &[ans + a, ans - a, ans * 2]), |x| {
            format!("{x} {unit}")
        });
        Some((prompt, format!("{ans} {unit}"), wrong))
    });
    bank.kind("rata-rata", num, 8, |r, attempt| {
        let k = r.range(3, 5);
        let m = r.range(60, 90);
        let mut xs: Vec<i64> = (1..k).map(|_| m + r.range(-15, 15)).collect();
        xs.push(m * k - xs.iter().sum::<i64>());
        // Exam scores must stay within 0-100, and a wild last value would make the mean easy to spot.
        if !xs.iter().all(|x| (40..=100).contains(x)) {
            return None;
        }
        let list = join_dan(&xs);
        let who = *r.pick(&NAMES);
        let prompt = if attempt % 2 == 0 {
            format!("Nilai ujian {who} adalah {list}. Berapa nilai rata-ratanya?")
        } else {
            format!("Jumlah pembeli sebuah warung selama {k} hari adalah {list} orang. Berapa rata-rata per hari?")
        };
        let sum = m * k;
        // Dividing by one too few is the typical slip; the rest are near misses.
        let wrong_divisor = if sum % (k - 1) == 0 { sum / (k - 1) } else { m + 3 };
        let wrong = slips(r, &[wrong_divisor], &[m + 1, m - 1, m + 2, m - 2, m + 5, m - 5]);
        Some((prompt, m.to_string(), show(&wrong, |x| x.to_string())))
    });
}

/// Each table holds pairs sharing one relation. Partners were chosen so that no partner also fits another pair's
/// stem in the same table (e.g. no APOTEKER beside RUMAH SAKIT), because distractors come from the same table.
#[rustfmt::skip]
const ANALOGIES: [&[(&str, &str)]; 7] = [
    &[
        ("DOKTER", "RUMAH SAKIT"), ("GURU", "SEKOLAH"), ("PETANI", "SAWAH"), ("NELAYAN", "LAUT"), ("MONTIR", "BENGKEL"),
        ("HAKIM", "PENGADILAN"), ("PENAMBANG", "TAMBANG"), ("KOKI", "DAPUR"),
    ],
    &[
        ("STETOSKOP", "DOKTER"), ("CANGKUL", "PETANI"), ("JALA", "NELAYAN"), ("KUAS", "PELUKIS"),
        ("GUNTING", "PENJAHIT"), ("KEMUDI", "SOPIR"), ("KAMERA", "FOTOGRAFER"),
    ],
    &[("KECEBONG", "KATAK"), ("ULAT", "KUPU-KUPU"), ("JENTIK", "NYAMUK"), ("PEDET", "SAPI"), ("BELATUNG", "LALAT")],
    &[
        ("HALAMAN", "BUKU"), ("JARI", "TANGAN"), ("SAYAP", "BURUNG"), ("LENSA", "KACAMATA"), ("SENAR", "GITAR"),
        ("DAUN", "POHON"), ("LAYAR", "PERAHU"),
    ],
    &[("HUJAN", "BANJIR"), ("API", "ASAP"), ("MAKAN", "KENYANG"), ("BELAJAR", "PINTAR"), ("OBAT", "SEMBUH")],
    &[
        ("KAPAS", "BENANG"), ("TEPUNG", "ROTI"), ("KEDELAI", "TEMPE"), ("TEBU", "GULA"), ("PADI", "BERAS"),
        ("TANAH LIAT", "GENTENG"),
    ],
    &[
        ("TERMOMETER", "SUHU"), ("TIMBANGAN", "BERAT"), ("PENGGARIS", "PANJANG"), ("JAM", "WAKTU"),
        ("SPIDOMETER", "KECEPATAN"), ("GELAS UKUR", "VOLUME"),
    ],
];

/// Rows within a group share a word class so distractors cannot be ruled out by grammar alone; rows were checked
/// pairwise so that no other row's word is a synonym of a stem.
#[rustfmt::skip]
const SYNONYMS: [&[(&str, &str)]; 2] = [
    &[
        ("CERMAT", "TELITI"), ("CERDAS", "PINTAR"), ("CEPAT", "LEKAS"), ("INDAH", "ELOK"), ("SULIT", "SUKAR"),
        ("LAZIM", "BIASA"), ("NYATA", "KONKRET"), ("RAJIN", "TEKUN"), ("HEMAT", "IRIT"), ("LELAH", "PENAT"),
        ("SEDIH", "PILU"), ("GEMBIRA", "RIANG"), ("KHAWATIR", "CEMAS"), ("KUAT", "KOKOH"), ("TERKENAL", "MASYHUR"),
        ("LANGKA", "JARANG"), ("SEPI", "SUNYI"), ("BENAR", "BETUL"),
    ],
    &[
        ("TUJUAN", "SASARAN"), ("HADIAH", "KADO"), ("USAHA", "IKHTIAR"), ("PENDAPAT", "OPINI"), ("PANDUAN", "PEDOMAN"),
        ("ALASAN", "SEBAB"), ("KENDALA", "HAMBATAN"), ("PELUANG", "KESEMPATAN"), ("GAJI", "UPAH"),
        ("KARYAWAN", "PEGAWAI"), ("KABAR", "BERITA"), ("UNTUNG", "LABA"), ("AWAL", "PERMULAAN"),
    ],
];

/// Only left-hand words are asked, because some right-hand words have a second antonym elsewhere (CEPAT/LAMA).
/// Near-overlapping rows (RAMAI/SEPI beside PENUH/KOSONG, KERAS/LUNAK beside KUAT/LEMAH) were left out.
#[rustfmt::skip]
const ANTONYMS: [&[(&str, &str)]; 2] = [
    &[
        ("BOROS", "HEMAT"), ("RAJIN", "MALAS"), ("TINGGI", "RENDAH"), ("TERANG", "GELAP"), ("KAYA", "MISKIN"),
        ("MURAH", "MAHAL"), ("LAMBAT", "CEPAT"), ("SEMPIT", "LUAS"), ("JUJUR", "CURANG"), ("KUAT", "LEMAH"),
        ("BERSIH", "KOTOR"), ("BARU", "LAMA"), ("TEBAL", "TIPIS"), ("BERANI", "TAKUT"), ("PANAS", "DINGIN"),
        ("BASAH", "KERING"), ("TAJAM", "TUMPUL"), ("HALUS", "KASAR"), ("SEHAT", "SAKIT"), ("PENUH", "KOSONG"),
        ("JAUH", "DEKAT"), ("BESAR", "KECIL"),
    ],
    &[
        ("MAJU", "MUNDUR"), ("MASUK", "KELUAR"), ("NAIK", "TURUN"), ("MEMBELI", "MENJUAL"), ("MENANG", "KALAH"),
        ("LUPA", "INGAT"), ("DATANG", "PERGI"), ("AWAL", "AKHIR"), ("UNTUNG", "RUGI"),
    ],
];

/// Right-hand words of the other rows in `group`, shuffled.
fn partners_except(r: &mut Rng, group: &[(&str, &str)], skip: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = group
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, p)| p.1.to_string())
        .collect();
    r.shuffle(&mut out);
    out
}

fn word_pairs(bank: &mut Bank, kind: &str, groups: &[&[(&str, &str)]], template: fn(&str) -> String) {
    let rows: Vec<(usize, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, rows)| (0..rows.len()).map(move |i| (g, i)))
        .collect();
    bank.kind(kind, Section::Verbal, rows.len(), |r, attempt| {
        let &(g, row) = rows.get(attempt)?;
        let (stem, answer) = groups[g][row];
        let wrong = partners_except(r, groups[g], &[row]);
        Some((template(stem), answer.to_string(), wrong))
    });
}

fn verbal(bank: &mut Bank) {
    bank.kind("analogi", Section::Verbal, 35, |r, _| {
        let table = *r.pick(&ANALOGIES);
        let (i, j) = (r.index(table.len()), r.index(table.len()));
        if i == j {
            return None;
        }
        let ((a, b), (c, d)) = (table[i], table[j]);
        let (prompt, wrong) = (
            format!("Lengkapi analogi berikut. {a} : {b} = {c} : ?"),
            partners_except(r, table, &[i, j]),
        );
        Some((prompt, d.to_string(), wrong))
    });
    word_pairs(bank, "sinonim", &SYNONYMS, |w| format!("Sinonim kata {w} adalah ..."));
    word_pairs(bank, "antonim", &ANTONYMS, |w| format!("Lawan kata {w} adalah ..."));
}

/// Single words only: the ordering test parses sentences by whitespace.
#[rustfmt::skip]
const NAMES: [&str; 16] = [
    "Andi", "Budi", "Citra", "Dewi", "Eka", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Lestari", "Rudi", "Sari", "Tono",
    "Wulan", "Yusuf",
];
/// (more, less) adjective pairs for ordering puzzles.
const TRAITS: [(&str, &str); 3] = [("tinggi", "pendek"), ("tua", "muda"), ("berat", "ringan")];
/// X ⊂ Y ⊂ Z, true in real life, so the valid conclusion never clashes with what the applicant knows.
#[rustfmt::skip]
const CHAINS: [(&str, &str, &str); 11] = [
    ("kucing", "mamalia", "hewan"), ("mawar", "bunga", "tanaman"), ("elang", "burung", "hewan bertulang belakang"),
    ("gurami", "ikan", "hewan air"), ("bayam", "sayuran", "bahan makanan"),
    ("sepeda motor", "kendaraan bermotor", "alat transportasi"), ("laptop", "komputer", "perangkat elektronik"),
    ("segitiga sama sisi", "segitiga", "bangun datar"), ("padi", "tanaman pangan", "tumbuhan"),
    ("batik tulis", "kain batik", "kain"), ("rendang", "masakan Padang", "masakan Indonesia"),
];
/// (group, property) for "Semua Y adalah Z. Rina adalah Y." items, drawn from applicants' daily life.
#[rustfmt::skip]
const MEMBERSHIPS: [(&str, &str); 8] = [
    ("peserta pelatihan ini", "penerima sertifikat"), ("anggota koperasi itu", "pemilik buku tabungan"),
    ("karyawan pabrik itu", "peserta BPJS Ketenagakerjaan"), ("pengemudi ojek daring di kota itu", "pemilik SIM C"),
    ("pedagang di pasar itu", "pembayar retribusi"), ("siswa kelas itu", "anggota pramuka"),
    ("petani di desa itu", "anggota kelompok tani"), ("penjahit di kampung itu", "pemilik mesin jahit"),
];
const DAYS: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];

/// Premise order is varied so applicants cannot rely on the chain always reading top-down.
fn in_order(keep: bool, a: &str, b: &str) -> String {
    if keep {
        format!("{a} {b}")
    } else {
        format!("{b} {a}")
    }
}

/// The starting day first (forgetting to count at all), then days a little off in either direction.
fn day_options(r: &mut Rng, answer: usize, start: usize) -> Vec<String> {
    let days = slips(r, &[start as i64], &[1, 6, 2, 5, 3].map(|d| (answer + d) as i64));
    days.iter().map(|&d| DAYS[d as usize % 7].to_string()).collect()
}

fn logic(bank: &mut Bank) {
    let logic = Section::Logic;
    bank.kind("urutan", logic, 24, |r, _| {
        let (more, less) = *r.pick(&TRAITS);
        let mut names = NAMES.to_vec();
        r.shuffle(&mut names);
        // `names` is now the hidden ranking, most `more` first. Only adjacent pairs are stated, so the facts form a
        // single chain and fix the whole order; phrasing and fact order are randomised to hide the chain.
        names.truncate(r.range(4, 5) as usize);
        let mut facts = Vec::new();
        for (a, b) in names.iter().zip(&names[1..]) {
            let (x, adj, y) = if r.coin() { (a, more, b) } else { (b, less, a) };
            facts.push(format!("{x} lebih {adj} daripada {y}."));
        }
        r.shuffle(&mut facts);
        let last = names[names.len() - 1];
        let (adj, answer) = if r.coin() { (more, names[0]) } else { (less, last) };
        let mut others: Vec<String> = names.iter().filter(|n| **n != answer).map(|n| n.to_string()).collect();
        r.shuffle(&mut others);
        let prompt = format!("{} Siapa yang paling {adj}?", facts.join(" "));
        Some((prompt, answer.to_string(), others))
    });
    bank.kind("silogisme", logic, 22, |r, attempt| {
        let &(x, y, z) = CHAINS.get(attempt / 2)?;
        let (p1, p2) = (format!("Semua {x} adalah {y}."), format!("Semua {y} adalah {z}."));
        let premises = in_order(attempt % 2 == 0, &p1, &p2);
        // Converses and a contradiction: none follows from the premises.
        let mut wrong = vec![
            format!("Semua {z} adalah {x}"),
            format!("Semua {y} adalah {x}"),
            format!("Semua {z} adalah {y}"),
            format!("Tidak ada {x} yang merupakan {z}"),
        ];
        r.shuffle(&mut wrong);
        let prompt = format!("{premises} Kesimpulan yang tepat adalah ...");
        Some((prompt, format!("Semua {x} adalah {z}"), wrong))
    });
    bank.kind("silogisme-anggota", logic, MEMBERSHIPS.len(), |r, attempt| {
        let &(group, property) = MEMBERSHIPS.get(attempt)?;
        let name = *r.pick(&NAMES);
        let p1 = format!("Semua {group} adalah {property}.");
        let premises = in_order(r.coin(), &p1, &format!("{name} adalah {group}."));
        let mut wrong = vec![
            format!("Semua {property} adalah {group}"),
            format!("{name} bukan {property}"),
            format!("{name} bukan {group}"),
        ];
        r.shuffle(&mut wrong);
        let prompt = format!("{premises} Kesimpulan yang tepat adalah ...");
        Some((prompt, format!("{name} adalah {property}"), wrong))
    });
    for (kind, want, sign, when) in [("hari-depan", 8, 1, "lagi"), ("hari-lalu", 7, -1, "yang lalu")] {
        bank.kind(kind, logic, want, |r, _| {
            let (s, k) = (r.index(7), r.range(3, 60));
            let answer = (s as i64 + sign * k).rem_euclid(7) as usize;
            let prompt = format!("Jika hari ini {}, {k} hari {when} hari apa?", DAYS[s]);
            Some((prompt, DAYS[answer].to_string(), day_options(r, answer, s)))
        });
    }
    bank.kind("hari-tanggal", logic, 7, |r, _| {
        let (s, a) = (r.index(7), r.range(1, 10));
        // Dates stay within 28 so the question is valid in every month.
        let b = r.range(a + 3, 28);
        let answer = (s + (b - a) as usize) % 7;
        let prompt = format!(
            "Tanggal {a} pada suatu bulan jatuh pada hari {}. Tanggal {b} pada bulan yang sama jatuh pada hari apa?",
            DAYS[s]
        );
        Some((prompt, DAYS[answer].to_string(), day_options(r, answer, s)))
    });
}

/// (text, reversed). Reversed statements are interleaved so acquiescent "setuju semua" answering shows up.
#[rustfmt::skip]
const MOTIVATION: [(&str, bool); 26] = [
    ("Saya ingin meningkatkan keterampilan agar lebih mudah mendapatkan pekerjaan.", false),
    ("Saya bersedia meluangkan waktu setiap hari untuk mengikuti pelatihan.", false),
    ("Saya mendaftar hanya karena ingin mendapatkan insentifnya saja.", true),
    ("Saya akan menyelesaikan pelatihan sampai tuntas walaupun materinya sulit.", false),
    ("Saya senang mempelajari hal-hal baru.", false),
    ("Saya mudah menyerah jika materi pelatihan terasa sulit.", true),
    ("Saya punya rencana yang jelas tentang pekerjaan atau usaha yang ingin saya jalani.", false),
    ("Saya yakin pelatihan dapat membantu memperbaiki penghasilan saya.", false),
    ("Saya merasa tidak perlu mempelajari keterampilan baru.", true),
    ("Saya rutin mencari informasi lowongan kerja atau peluang usaha.", false),
    ("Saya mau bertanya kepada pengajar jika ada materi yang belum saya pahami.", false),
    ("Saya sering menunda-nunda pekerjaan yang harus saya selesaikan.", true),
    ("Saya siap menerapkan keterampilan baru dalam pekerjaan sehari-hari.", false),
    ("Saya tetap berusaha walaupun pernah gagal melamar pekerjaan.", false),
    ("Saya ragu pelatihan akan berguna bagi masa depan saya.", true),
    ("Saya terbiasa mengatur waktu agar tugas selesai tepat waktu.", false),
    ("Saya ingin mendapatkan sertifikat sebagai bukti kemampuan saya.", false),
    ("Saya lebih suka menunggu tawaran kerja daripada mencarinya sendiri.", true),
    ("Saya bersedia belajar menggunakan aplikasi atau teknologi yang baru bagi saya.", false),
    ("Saya merasa bertanggung jawab untuk terus mengembangkan diri.", false),
    ("Saya malas mengikuti kegiatan belajar yang memakan waktu lama.", true),
    ("Saya menetapkan target yang ingin saya capai setelah pelatihan.", false),
    ("Saya akan mengerjakan tugas pelatihan dengan sungguh-sungguh.", false),
    ("Saya mau bekerja sama dengan peserta lain untuk belajar bersama.", false),
    ("Saya ingin menggunakan hasil pelatihan untuk bekerja atau membuka usaha.", false),
    ("Saya bersemangat ketika berhasil menguasai keterampilan baru.", false),
];

/// At least 24 statements, about a quarter reversed.
pub fn motivation_statements() -> Vec<MotivationStatement> {
    MOTIVATION
        .iter()
        .enumerate()
        .map(|(i, &(text, reversed))| MotivationStatement {
            code: format!("motivasi-{:02}", i + 1),
            text: text.to_string(),
            reversed,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn key(s: &str) -> String {
        s.trim().to_lowercase()
    }

    fn kind(code: &str) -> &str {
        code.rsplit_once('-').map_or(code, |(k, _)| k)
    }

    /// Integers in reading order; a dot between digits is a thousands separator ("Rp250.000" is one number).
    fn numbers(s: &str) -> Vec<i64> {
        let c: Vec<char> = s.chars().collect();
        let glued = |i: usize| {
            c[i] == '.' && i > 0 && c[i - 1].is_ascii_digit() && c.get(i + 1).is_some_and(char::is_ascii_digit)
        };
        let cleaned: String = (0..c.len())
            .filter(|&i| !glued(i))
            .map(|i| if c[i].is_ascii_digit() { c[i] } else { ' ' })
            .collect();
        cleaned.split_whitespace().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn counts() {
        let items = ability_items();
        assert!(items.len() >= 240, "{}", items.len());
        let count = |s: Section| items.iter().filter(|i| i.section == s).count();
        assert!(count(Section::Numeracy) >= 110);
        assert!(count(Section::Verbal) >= 70);
        assert!(count(Section::Logic) >= 50);
        let statements = motivation_statements();
        assert!(statements.len() >= 24);
        assert!((4..=10).contains(&statements.iter().filter(|s| s.reversed).count()));
        let mut per_kind: HashMap<&str, usize> = HashMap::new();
        for it in &items {
            *per_kind.entry(kind(&it.code)).or_default() += 1;
        }
        for (k, min) in [("analogi", 30), ("sinonim", 25), ("antonim", 25), ("urutan", 20)] {
            assert!(per_kind[k] >= min, "{k}: {}", per_kind[k]);
        }
    }

    fn distinct<'a>(xs: impl Iterator<Item = &'a String>) -> bool {
        let all: Vec<&String> = xs.collect();
        all.iter().collect::<HashSet<_>>().len() == all.len()
    }

    #[test]
    fn codes_and_prompts_unique() {
        let (items, statements) = (ability_items(), motivation_statements());
        assert!(distinct(items.iter().map(|i| &i.code)));
        assert!(distinct(items.iter().map(|i| &i.prompt)));
        assert!(distinct(statements.iter().map(|s| &s.code)));
        assert!(distinct(statements.iter().map(|s| &s.text)));
    }

    #[test]
    fn options_well_formed() {
        for it in ability_items() {
            assert_eq!(it.options.len(), 4, "{}", it.code);
            assert!(it.correct < 4);
            let keys: HashSet<String> = it.options.iter().map(|o| key(o)).collect();
            assert_eq!(keys.len(), 4, "{} {:?}", it.code, it.options);
            let short = |o: &String| !o.trim().is_empty() && o.chars().count() <= 80;
            assert!(it.options.iter().all(short), "{}", it.code);
            let ending = it.prompt.ends_with('?') || it.prompt.ends_with("adalah ...");
            assert!(ending, "{}", it.prompt);
        }
    }

    #[test]
    fn correct_index_spread() {
        let items = ability_items();
        for pos in 0..4 {
            let n = items.iter().filter(|i| i.correct == pos).count();
            assert!(n * 100 >= items.len() * 15, "position {pos}: {n} of {}", items.len());
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(ability_items(), ability_items());
        assert_eq!(motivation_statements(), motivation_statements());
    }

    /// Next term predicted by every rule family that fits all shown terms.
    fn predictions(t: &[i64]) -> Vec<i64> {
        let n = t.len();
        let mut out = Vec::new();
        // k-th differences constant for k = 1 (arithmetic), 2 (difference grows steadily), 3 (cubes).
        let mut levels = vec![t.to_vec()];
        for k in 0..3 {
            let next: Vec<i64> = levels[k].windows(2).map(|w| w[1] - w[0]).collect();
            levels.push(next);
        }
        for k in 1..=3 {
            let d = &levels[k];
            if d.len() >= 2 && d.windows(2).all(|w| w[0] == w[1]) {
                out.push(levels[..=k].iter().map(|l| l[l.len() - 1]).sum());
            }
        }
        let ratio_fits = t.iter().all(|&x| x != 0) && t.windows(3).all(|w| w[1] * w[1] == w[0] * w[2]);
        if ratio_fits && (t[n - 1] * t[n - 1]) % t[n - 2] == 0 {
            out.push(t[n - 1] * t[n - 1] / t[n - 2]);
        }
        let d = &levels[1];
        if d.len() >= 4 && d.windows(3).all(|w| w[0] == w[2]) {
            out.push(t[n - 1] + d[d.len() - 2]);
        }
        if t.windows(3).all(|w| w[2] == w[0] + w[1]) {
            out.push(t[n - 1] + t[n - 2]);
        }
        out
    }

    #[test]
    fn series_answers_and_unambiguous() {
        let items = ability_items();
        let series: Vec<&AbilityItem> = items.iter().filter(|i| i.code.starts_with("deret-")).collect();
        assert!(series.len() >= 60);
        for it in series {
            let shown = numbers(&it.prompt);
            assert!(shown.len() >= 5, "{}", it.prompt);
            let opts: Vec<i64> = it.options.iter().map(|o| o.parse().unwrap()).collect();
            let answer = opts[it.correct];
            let preds = predictions(&shown);
            assert!(preds.contains(&answer), "{}: {preds:?} vs {answer}", it.code);
            for p in preds {
                assert!(p == answer || !opts.contains(&p), "{} ambiguous: {p}", it.code);
            }
        }
    }

    /// Every ordering of `n` people as rank vectors (`perm[i]` = rank of person i), via base-n counting.
    fn permutations(n: usize) -> impl Iterator<Item = Vec<usize>> {
        let all = (0..n.pow(n as u32)).map(move |code| (0..n).map(|i| code / n.pow(i as u32) % n).collect::<Vec<_>>());
        all.filter(move |p| p.iter().collect::<HashSet<_>>().len() == n)
    }

    #[test]
    fn ordering_puzzles_unique_by_brute_force() {
        let traits = [("tinggi", "pendek"), ("tua", "muda"), ("berat", "ringan")];
        let items = ability_items();
        let puzzles: Vec<&AbilityItem> = items.iter().filter(|i| kind(&i.code) == "urutan").collect();
        assert!(puzzles.len() >= 20);
        for it in puzzles {
            let (mut names, mut facts, mut want_max) = (Vec::<&str>::new(), Vec::new(), None);
            for sentence in it.prompt.split(['.', '?']) {
                let w: Vec<&str> = sentence.split_whitespace().collect();
                if let Some(p) = w.iter().position(|x| *x == "lebih") {
                    let (a, adj, b) = (w[0], w[p + 1], w[w.len() - 1]);
                    let more = traits.iter().any(|t| t.0 == adj);
                    assert!(more || traits.iter().any(|t| t.1 == adj), "{adj}");
                    for name in [a, b] {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    let pos = |x: &str| names.iter().position(|n| *n == x).unwrap();
                    facts.push(if more { (pos(a), pos(b)) } else { (pos(b), pos(a)) });
                } else if let Some(p) = w.iter().position(|x| *x == "paling") {
                    want_max = Some(traits.iter().any(|t| t.0 == w[p + 1]));
                }
            }
            let want_max = want_max.unwrap();
            let mut answers = HashSet::new();
            // perm[i] is person i's rank, 0 = most of the "more" adjective.
            for perm in permutations(names.len()) {
                if facts.iter().all(|&(hi, lo)| perm[hi] < perm[lo]) {
                    let target = if want_max { 0 } else { names.len() - 1 };
                    answers.insert(names[perm.iter().position(|&r| r == target).unwrap()]);
                }
            }
            assert_eq!(answers.len(), 1, "{}", it.prompt);
            assert!(answers.contains(it.options[it.correct].as_str()), "{}", it.code);
            assert!(it.options.iter().all(|o| names.contains(&o.as_str())));
        }
    }

    #[test]
    fn day_arithmetic_recomputed() {
        let days = ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"];
        let items = ability_items();
        let puzzles: Vec<&AbilityItem> = items.iter().filter(|i| i.code.starts_with("hari-")).collect();
        assert!(puzzles.len() >= 15);
        for it in puzzles {
            let named: Vec<i64> = it
                .prompt
                .split(|c: char| !c.is_alphabetic())
                .filter_map(|w| days.iter().position(|d| *d == w.to_lowercase()))
                .map(|d| d as i64)
                .collect();
            let nums = numbers(&it.prompt);
            let expected = match kind(&it.code) {
                "hari-depan" => named[0] + nums[0],
                "hari-lalu" => named[0] - nums[0],
                "hari-tanggal" => named[0] + nums[1] - nums[0],
                other => panic!("unknown kind {other}"),
            };
            let got = key(&it.options[it.correct]);
            assert_eq!(got, days[expected.rem_euclid(7) as usize], "{}", it.prompt);
        }
    }

    #[test]
    fn prices_recomputed() {
        let mut checked = 0;
        for it in ability_items() {
            let nums = numbers(&it.prompt);
            let money: Vec<i64> = it.prompt.split("Rp").skip(1).map(|part| numbers(part)[0]).collect();
            let expected = match kind(&it.code) {
                "diskon" => money[0] * (100 - numbers(it.prompt.split('%').next().unwrap()).last().unwrap()) / 100,
                "kembalian" => money[1] - nums[0] * money[0],
                "harga-satuan" => money[0] * nums[nums.len() - 1],
                _ => continue,
            };
            checked += 1;
            assert!(it.options.iter().all(|o| o.starts_with("Rp")), "{}", it.code);
            assert_eq!(numbers(&it.options[it.correct]), vec![expected], "{}", it.prompt);
            assert_eq!(it.options[it.correct], rupiah(expected));
        }
        assert!(checked >= 20);
    }

    #[test]
    fn rupiah_format() {
        assert_eq!(rupiah(250_000), "Rp250.000");
        assert_eq!(rupiah(1_500), "Rp1.500");
        assert_eq!(rupiah(500), "Rp500");
        assert_eq!(rupiah(1_250_000), "Rp1.250.000");
    }
}
