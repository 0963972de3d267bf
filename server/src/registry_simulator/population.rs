//! The simulator's synthetic population. Every well-formed NIK has the same resident on every
//! run and every machine: the birth date and gender are the NIK's own digits, and the name and
//! family card are chosen by a hash of the NIK. A few NIKs are not in the registry, a few
//! residents are deceased, and a few are recorded with the registry's placeholder birth date
//! (1 January of the year: the real date unknown). Residents given by name (the demo's people,
//! a test's applicants) take precedence.

use std::collections::HashMap;

use app::{
    domain::Nik,
    verification::registry::{LifeStatus, Resident},
};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Out of 1000 well-formed NIKs: not in the registry, deceased, placeholder birth date.
pub const NOT_FOUND_PER_MILLE: u64 = 20;
pub const DECEASED_PER_MILLE: u64 = 10;
pub const PLACEHOLDER_DATE_PER_MILLE: u64 = 10;

const MEN: [&str; 24] = [
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Fajar",
    "Hendra",
    "Imam",
    "Joko",
    "Kurniawan",
    "Muhammad",
    "Rudi",
    "Slamet",
    "Teguh",
    "Wahyu",
    "Yusuf",
    "Ahmad",
    "Bambang",
    "Dimas",
    "Rizky",
    "Andi",
    "Bayu",
    "Hadi",
    "Ilham",
    "Arif",
];
const WOMEN: [&str; 24] = [
    "Ayu", "Dewi", "Fitri", "Indah", "Kartika", "Lestari", "Maya", "Nur", "Putri", "Rina", "Sari", "Siti", "Tuti",
    "Wulan", "Yuni", "Ani", "Diah", "Endang", "Novi", "Ratna", "Sri", "Utami", "Lina", "Rahma",
];
const MIDDLE: [&str; 16] = [
    "Adi", "Dwi", "Tri", "Eka", "Nur", "Indra", "Putra", "Sri", "Ayu", "Dian", "Puspita", "Wira", "Cahya", "Bagus",
    "Ratna", "Tirta",
];
const FAMILY: [&str; 32] = [
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Nugroho",
    "Setiawan",
    "Pratama",
    "Kusuma",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Wibowo",
    "Purnomo",
    "Susanto",
    "Halim",
    "Lubis",
    "Sihombing",
    "Rahayu",
    "Permana",
    "Gunawan",
    "Hakim",
    "Ramadhan",
    "Firmansyah",
    "Kurnia",
    "Syahputra",
    "Lestari",
    "Maharani",
    "Anggraini",
    "Wulandari",
    "Handayani",
    "Prasetyo",
];

/// The registry's residents: those given, and the derived one of every other well-formed NIK.
#[derive(Default)]
pub struct Population {
    given: HashMap<String, Resident>,
}

impl Population {
    /// The synthetic population with the demo's people in it.
    pub fn synthetic() -> Population {
        let demo = crate::seed::DEMO_PEOPLE.iter().filter_map(|person| {
            Some(Resident {
                nik: person.nik().ok()?,
                family_card: person.kk.to_owned(),
                full_name: person.full_name.to_owned(),
                birth_date: person.birth().ok()?,
                gender: person.gender.code().to_owned(),
                life: LifeStatus::Alive,
            })
        });
        Population::default().with(demo)
    }

    /// Adds residents (they replace the derived ones of their NIKs).
    pub fn with(mut self, residents: impl IntoIterator<Item = Resident>) -> Population {
        self.given
            .extend(residents.into_iter().map(|resident| (resident.nik.clone(), resident)));
        self
    }

    pub fn resident(&self, nik: &Nik) -> Option<Resident> {
        match self.given.get(nik.as_str()) {
            Some(resident) => Some(resident.clone()),
            None => derived(nik),
        }
    }
}

/// The hash that chooses everything the NIK's digits do not say.
fn choices(nik: &Nik) -> [u64; 4] {
    let digest = Sha256::new()
        .chain_update(b"prakerja-dukcapil-simulasi:")
        .chain_update(nik.as_str().as_bytes())
        .finalize();
    let word = |i: usize| u64::from_be_bytes(digest[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    [word(0), word(1), word(2), word(3)]
}

/// The birth date in the NIK's digits (day plus 40 for women). Two-digit years up to 10 are read
/// as 20xx: the program's ages (18-64) put everyone between 1962 and 2008.
pub fn nik_birth_date(nik: &Nik) -> Option<NaiveDate> {
    let digits = nik.as_str();
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let day = number(6..8)?;
    let day = if day > 40 { day - 40 } else { day };
    let month = number(8..10)?;
    let yy = number(10..12)?;
    let year = if yy <= 10 { 2000 + yy } else { 1900 + yy };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn pick<'a>(list: &[&'a str], choice: u64) -> &'a str {
    list[(choice % list.len() as u64) as usize]
}

fn derived(nik: &Nik) -> Option<Resident> {
    let [bucket, first, middle_and_family, family_card] = choices(nik);
    let bucket = bucket % 1000;
    if bucket < NOT_FOUND_PER_MILLE {
        return None;
    }
    let gender = nik.gender();
    let nik_date = nik_birth_date(nik)?;
    const DECEASED_END: u64 = NOT_FOUND_PER_MILLE + DECEASED_PER_MILLE;
    const PLACEHOLDER_END: u64 = DECEASED_END + PLACEHOLDER_DATE_PER_MILLE;
    let birth_date = if (DECEASED_END..PLACEHOLDER_END).contains(&bucket) {
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&nik_date), 1, 1)?
    } else {
        nik_date
    };
    let life = if bucket < DECEASED_END {
        LifeStatus::Deceased
    } else {
        LifeStatus::Alive
    };
    let name = name_from(gender, first, middle_and_family);
    Some(Resident {
        nik: nik.as_str().to_owned(),
        family_card: family_card_of(nik, family_card),
        full_name: name,
        birth_date,
        gender: gender.code().to_owned(),
        life,
    })
}

/// A name as the population's are made, from two hash words.
fn name_from(gender: app::domain::Gender, first: u64, middle_and_family: u64) -> String {
    let given = pick(
        if gender == app::domain::Gender::Female {
            &WOMEN
        } else {
            &MEN
        },
        first,
    );
    let mut name = given.to_owned();
    // Half have a middle name; one in eight has a single name, as many Indonesians do.
    if middle_and_family.is_multiple_of(2) {
        let middle = pick(&MIDDLE, middle_and_family >> 8);
        if middle != given {
            name = format!("{name} {middle}");
        }
    }
    if !(middle_and_family >> 4).is_multiple_of(8) {
        name = format!("{name} {}", pick(&FAMILY, middle_and_family >> 16));
    }
    name
}

/// A name like the population's, chosen by `choice` (the payout-rail simulator's holders).
pub fn synthetic_name(choice: u64) -> String {
    let gender = if choice & 1 == 1 {
        app::domain::Gender::Female
    } else {
        app::domain::Gender::Male
    };
    name_from(gender, choice >> 1, choice.rotate_left(29))
}

/// A family card in the NIK's region, issued on a date between 2005 and 2024.
fn family_card_of(nik: &Nik, choice: u64) -> String {
    let region = &nik.as_str()[..6];
    let day = 1 + choice % 28;
    let month = 1 + (choice >> 8) % 12;
    let yy = 5 + (choice >> 16) % 20;
    let sequence = 1 + (choice >> 24) % 9999;
    let card = format!("{region}{day:02}{month:02}{yy:02}{sequence:04}");
    if card == nik.as_str() {
        format!("{region}{day:02}{month:02}{yy:02}{:04}", sequence % 9999 + 1)
    } else {
        card
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{nik::compose_nik, FamilyCardNumber, Gender};

    fn nik(sequence: u16, female: bool) -> Nik {
        let gender = if female { Gender::Female } else { Gender::Male };
        Nik::parse(&compose_nik(
            "317401",
            NaiveDate::from_ymd_opt(1993, 4, 9).unwrap(),
            gender,
            sequence,
        ))
        .unwrap()
    }

    #[test]
    fn the_same_nik_is_the_same_resident_and_agrees_with_its_digits() {
        let population = Population::synthetic();
        let mut found = 0;
        for sequence in 1..=500 {
            let nik = nik(sequence, sequence % 2 == 0);
            let Some(resident) = population.resident(&nik) else {
                continue;
            };
            found += 1;
            assert_eq!(population.resident(&nik), Some(resident.clone()), "deterministic");
            assert_eq!(resident.gender, nik.gender().code());
            assert!(
                resident.birth_date == NaiveDate::from_ymd_opt(1993, 4, 9).unwrap()
                    || resident.birth_date == NaiveDate::from_ymd_opt(1993, 1, 1).unwrap()
            );
            // What the signup form takes, the registry's record passes.
            FamilyCardNumber::parse(&resident.family_card).unwrap();
            assert_ne!(resident.family_card, resident.nik);
            app::domain::PersonName::parse(&resident.full_name).unwrap();
        }
        assert!((470..=495).contains(&found), "about 2% not found: {found} of 500");
    }

    #[test]
    fn the_shares_of_unusual_residents_are_as_documented() {
        let population = Population::default();
        let (mut missing, mut deceased, mut placeholder) = (0, 0, 0);
        for sequence in 1..=9999 {
            match population.resident(&nik(sequence, false)) {
                None => missing += 1,
                Some(r) if r.life == LifeStatus::Deceased => deceased += 1,
                Some(r) if r.birth_date.format("%m-%d").to_string() == "01-01" => placeholder += 1,
                Some(_) => {}
            }
        }
        assert!((150..=250).contains(&missing), "{missing}");
        assert!((60..=140).contains(&deceased), "{deceased}");
        assert!((60..=140).contains(&placeholder), "{placeholder}");
    }

    #[test]
    fn the_demo_people_are_residents_as_the_demo_signs_them_up() {
        let population = Population::synthetic();
        for person in crate::seed::DEMO_PEOPLE {
            let resident = population
                .resident(&Nik::parse(&person.nik().unwrap()).unwrap())
                .unwrap();
            assert_eq!(resident.full_name, person.full_name);
            assert_eq!(resident.family_card, person.kk);
            assert_eq!(resident.life, LifeStatus::Alive);
        }
    }
}
