//! Unique, valid applicants: the n-th applicant has a NIK that agrees with its date of birth and
//! gender, a family card shared with at most one other applicant, and its own account.

use chrono::{Datelike, Duration, NaiveDate};

/// Region code of the applicants (Kota Jakarta Selatan, Kebayoran Baru).
const REGION: &str = "317401";
/// Distinct dates of birth used (about 40 years), before the NIK sequence number moves on.
const BIRTH_DAYS: u64 = 14_600;

pub fn nik_of(n: u64) -> String {
    let (birth, female, sequence) = identity(n);
    let day = birth.day() + if female { 40 } else { 0 };
    format!(
        "{REGION}{day:02}{:02}{:02}{sequence:04}",
        birth.month(),
        birth.year() % 100
    )
}

fn identity(n: u64) -> (NaiveDate, bool, u64) {
    let first = NaiveDate::from_ymd_opt(1964, 1, 1).expect("valid date");
    let birth = first + Duration::days((n % BIRTH_DAYS) as i64);
    let sequence = n / BIRTH_DAYS + 1;
    assert!(sequence <= 9_999, "more applicants than NIKs in one region");
    (birth, n.is_multiple_of(3), sequence)
}

/// The urlencoded body of the final signup submission of applicant `n` (without the key).
pub fn signup_body(n: u64) -> String {
    let (birth, female, _) = identity(n);
    let nik = nik_of(n);
    // Two applicants per family card: the card limit is exercised, never exceeded.
    let card = n / 2;
    // Region, an issue date (DDMMYY) and a sequence: 268 million distinct cards.
    let kk = format!(
        "{REGION}{:02}{:02}{:02}{:04}",
        1 + card % 28,
        1 + card / 28 % 12,
        10 + card / 336 % 80,
        1 + card / 26_880 % 9_999
    );
    let gender = if female { "P" } else { "L" };
    format!(
        "draft%5Bnik%5D={nik}&draft%5Bkk%5D={kk}&draft%5Bfull_name%5D=Pendaftar+Uji+Beban&draft%5Bbirth_date%5D={birth}\
         &draft%5Bgender%5D={gender}&draft%5Bbirth_place%5D=Jakarta&draft%5Bprovince%5D=31\
         &draft%5Bcity%5D=Kota+Jakarta+Selatan&draft%5Bmobile%5D=0812{:08}&draft%5Beducation%5D=sma\
         &draft%5Bemployment%5D=korban-phk&draft%5Binterests%5D%5B%5D=barista&declaration=ya",
        n % 100_000_000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn niks_are_unique_and_well_formed() {
        let niks: std::collections::HashSet<String> = (0..50_000).map(super::nik_of).collect();
        assert_eq!(niks.len(), 50_000);
        assert!(niks
            .iter()
            .all(|n| n.len() == 16 && n.bytes().all(|b| b.is_ascii_digit())));
    }

    #[test]
    fn bodies_carry_sixteen_digit_numbers() {
        for n in [0, 1, 26_880 * 2, 9_999_999] {
            let body = super::signup_body(n);
            let kk = body.split("draft%5Bkk%5D=").nth(1).unwrap().split('&').next().unwrap();
            assert_eq!(kk.len(), 16, "{kk}");
        }
    }
}
