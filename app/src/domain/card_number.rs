//! How card numbers and voucher codes are spelled: the rules the card, wave and completion
//! features share.

/// Card numbers are 16 digits whose last is a Luhn check digit, so a mistyped digit is caught
/// before anything is looked up.
pub fn luhn_check_digit(first_fifteen: &[u8; 15]) -> u8 {
    let sum: u32 = first_fifteen
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| {
            let digit = u32::from(digit);
            // The digit next to the check digit is doubled, and every second one from there.
            if i % 2 == 0 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A new card number: 8 (never a bank card's first digit), 14 random digits and the Luhn check
/// digit.
#[cfg(feature = "ssr")]
pub fn new_card_number() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut digits = [0u8; 15];
    // Prakerja cards start with 8, so they are never mistaken for a bank card.
    digits[0] = 8;
    for digit in &mut digits[1..] {
        *digit = rng.random_range(0..10);
    }
    let check = luhn_check_digit(&digits);
    digits
        .iter()
        .chain(std::iter::once(&check))
        .map(|d| char::from(b'0' + d))
        .collect()
}

/// Voucher codes: four groups of four from 32 characters that cannot be confused when read
/// aloud or typed (no 0/O, 1/I): 80 random bits.
pub const VOUCHER_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_digit_is_luhn() {
        // 4111 1111 1111 1111 is the well-known Luhn-valid test number.
        assert_eq!(luhn_check_digit(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 1);
        // 7992739871 + check 3 is the textbook example; padded with leading zeros.
        assert_eq!(luhn_check_digit(&[0, 0, 0, 0, 0, 7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
    }
}
