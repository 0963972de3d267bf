//! Fairness: over many seeds, whether an applicant is selected does not depend on the day they
//! signed up, their region or where their id falls in order. (The 2012 US diversity-visa draw
//! was voided because a bug picked most winners from the first two days of entries.)
//!
//! The pool is the worst case for an order bug: draw ids given out in signup order, so day and
//! id order coincide. Selection counts per group, summed over the seeds, are compared with what
//! an equal chance would give by a chi-square statistic; the bounds are the 0.1% critical values.
//! A selector that takes ids in order is shown to fail the same test.

use draw::{DrawId, Pool, PoolEntry, Ranking, Seed, Tier};

const POOL_SIZE: u64 = 4_000;
const QUOTA: u64 = 1_000;
const SEEDS: u64 = 300;
const DAYS: u64 = 4;
const REGIONS: u64 = 7;
const ID_BANDS: u64 = 10;

struct Applicant {
    day: u64,
    region: u64,
    band: u64,
}

fn applicants() -> Vec<Applicant> {
    (0..POOL_SIZE)
        .map(|i| Applicant {
            day: i * DAYS / POOL_SIZE,
            region: (i * 31 + i / 13) % REGIONS,
            band: i * ID_BANDS / POOL_SIZE,
        })
        .collect()
}

fn pool() -> Pool {
    let one = Tier::new(1).unwrap();
    Pool::new(
        (0..POOL_SIZE)
            .map(|i| PoolEntry {
                draw_id: DrawId::from_i64(i as i64).unwrap(),
                tier: one,
            })
            .collect(),
    )
    .unwrap()
}

/// Chi-square of selections per group against an equal rate for everyone.
fn chi_square(selected_per_group: &[u64], group_sizes: &[u64]) -> f64 {
    let rate = QUOTA as f64 / POOL_SIZE as f64;
    selected_per_group
        .iter()
        .zip(group_sizes)
        .map(|(&observed, &size)| {
            let expected = rate * size as f64 * SEEDS as f64;
            (observed as f64 - expected).powi(2) / expected
        })
        .sum()
}

/// Chi-square per attribute (day, region, id band) for a selector run over every seed.
fn statistics(select: impl Fn(&Pool, u64) -> Vec<DrawId>) -> [f64; 3] {
    let people = applicants();
    let pool = pool();
    let mut by_day = vec![0u64; DAYS as usize];
    let mut by_region = vec![0u64; REGIONS as usize];
    let mut by_band = vec![0u64; ID_BANDS as usize];
    for seed in 0..SEEDS {
        for id in select(&pool, seed) {
            let person = &people[id.as_i64() as usize];
            by_day[person.day as usize] += 1;
            by_region[person.region as usize] += 1;
            by_band[person.band as usize] += 1;
        }
    }
    let sizes = |key: fn(&Applicant) -> u64, groups: u64| {
        let mut sizes = vec![0u64; groups as usize];
        for person in &people {
            sizes[key(person) as usize] += 1;
        }
        sizes
    };
    [
        chi_square(&by_day, &sizes(|p| p.day, DAYS)),
        chi_square(&by_region, &sizes(|p| p.region, REGIONS)),
        chi_square(&by_band, &sizes(|p| p.band, ID_BANDS)),
    ]
}

/// 0.1% critical values of chi-square with 3, 6 and 9 degrees of freedom.
const BOUNDS: [f64; 3] = [16.27, 22.46, 27.88];

fn the_draw(pool: &Pool, seed: u64) -> Vec<DrawId> {
    let seed = Seed::parse(&format!("beacon round {seed}")).unwrap();
    Ranking::new(pool, &seed)
        .selected(QUOTA)
        .iter()
        .map(|e| e.draw_id)
        .collect()
}

#[test]
fn selection_does_not_depend_on_signup_day_region_or_id_order() {
    let found = statistics(the_draw);
    for ((statistic, bound), attribute) in found.iter().zip(BOUNDS).zip(["day", "region", "id order"]) {
        assert!(
            statistic < &bound,
            "{attribute}: chi-square {statistic:.2} ≥ {bound} (all: {found:?})"
        );
    }
}

#[test]
fn the_test_catches_a_draw_that_favours_early_ids() {
    // Shuffles only within the first half of the ids: the first days win far too often.
    let biased = |pool: &Pool, seed: u64| {
        let mut ids: Vec<DrawId> = pool.entries().iter().map(|e| e.draw_id).collect();
        let half = ids.len() / 2;
        ids[..half].rotate_left((seed as usize * 97) % half);
        ids.into_iter().take(QUOTA as usize).collect()
    };
    let found = statistics(biased);
    assert!(found[0] > BOUNDS[0] && found[2] > BOUNDS[2], "{found:?}");
}
