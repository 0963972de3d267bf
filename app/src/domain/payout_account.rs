//! Where a participant's incentive is paid: a bank account (a bank from the code list and an
//! account number) or an e-wallet (a provider and the mobile number it is registered to).

use serde::{Deserialize, Serialize};

use super::{choice_enum, mobile::MobileNumberError, MobileNumber};

choice_enum! {
    /// Banks the payout rail transfers to, by their clearing code.
    PayoutBank, PayoutBankError, "Pilih bank Anda.",
    {
        Bri => ("002", "BRI"),
        Mandiri => ("008", "Bank Mandiri"),
        Bni => ("009", "BNI"),
        Danamon => ("011", "Bank Danamon"),
        Permata => ("013", "Bank Permata"),
        Bca => ("014", "BCA"),
        CimbNiaga => ("022", "CIMB Niaga"),
        Btn => ("200", "BTN"),
        Mega => ("426", "Bank Mega"),
        Bsi => ("451", "Bank Syariah Indonesia (BSI)"),
    }
}

choice_enum! {
    /// E-wallets the payout rail tops up.
    EWallet, EWalletError, "Pilih dompet digital Anda.",
    {
        GoPay => ("gopay", "GoPay"),
        Ovo => ("ovo", "OVO"),
        Dana => ("dana", "DANA"),
        LinkAja => ("linkaja", "LinkAja"),
        ShopeePay => ("shopeepay", "ShopeePay"),
    }
}

/// A bank account number: 8 to 16 digits (spaces, dots and dashes people type are dropped).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BankAccountNumber(String);

super::masked_debug!(BankAccountNumber);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankAccountNumberError {
    #[error("Isi nomor rekening Anda.")]
    Empty,
    #[error("Nomor rekening hanya berisi angka.")]
    NotDigits,
    #[error("Nomor rekening terdiri dari 8 sampai 16 angka.")]
    WrongLength,
}

impl BankAccountNumber {
    pub fn parse(raw: &str) -> Result<BankAccountNumber, BankAccountNumberError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.'))
            .collect();
        if compact.is_empty() {
            return Err(BankAccountNumberError::Empty);
        }
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankAccountNumberError::NotDigits);
        }
        if !(8..=16).contains(&compact.len()) {
            return Err(BankAccountNumberError::WrongLength);
        }
        Ok(BankAccountNumber(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, for screens that only need to recognise it: ••••1234.
    pub fn masked(&self) -> String {
        format!("••••{}", &self.0[self.0.len() - 4..])
    }
}

super::parsed_text!(BankAccountNumber, BankAccountNumberError);

/// Where the incentive goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayoutDestination {
    Bank {
        bank: PayoutBank,
        account: BankAccountNumber,
    },
    EWallet {
        wallet: EWallet,
        number: MobileNumber,
    },
}

/// Why a payout destination was refused, by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayoutDestinationError {
    #[error("Pilih rekening bank atau dompet digital.")]
    KindMissing,
    #[error("{0}")]
    Bank(PayoutBankError),
    #[error("{0}")]
    Account(BankAccountNumberError),
    #[error("{0}")]
    Wallet(EWalletError),
    #[error("{0}")]
    WalletNumber(MobileNumberError),
}

impl PayoutDestination {
    /// Parses the form's fields: `kind` ("bank" or "dompet"), then the bank and account number
    /// or the e-wallet and its number. Every wrong field is reported.
    pub fn parse(
        kind: &str,
        bank: &str,
        account: &str,
        wallet: &str,
        wallet_number: &str,
    ) -> Result<PayoutDestination, Vec<PayoutDestinationError>> {
        match kind.trim() {
            "bank" => match (PayoutBank::parse(bank), BankAccountNumber::parse(account)) {
                (Ok(bank), Ok(account)) => Ok(PayoutDestination::Bank { bank, account }),
                (bank, account) => Err([
                    bank.err().map(PayoutDestinationError::Bank),
                    account.err().map(PayoutDestinationError::Account),
                ]
                .into_iter()
                .flatten()
                .collect()),
            },
            "dompet" => match (EWallet::parse(wallet), MobileNumber::parse(wallet_number)) {
                (Ok(wallet), Ok(number)) => Ok(PayoutDestination::EWallet { wallet, number }),
                (wallet, number) => Err([
                    wallet.err().map(PayoutDestinationError::Wallet),
                    number.err().map(PayoutDestinationError::WalletNumber),
                ]
                .into_iter()
                .flatten()
                .collect()),
            },
            _ => Err(vec![PayoutDestinationError::KindMissing]),
        }
    }

    /// An account as stored: its kind's code, the provider's code and the number (`None` when
    /// the row no longer parses: a bank taken off the list, say).
    pub fn from_stored(kind: &str, provider: &str, number: &str) -> Option<PayoutDestination> {
        match kind {
            "bank" => PayoutDestination::parse(kind, provider, number, "", "").ok(),
            _ => PayoutDestination::parse(kind, "", "", provider, number).ok(),
        }
    }

    /// "bank" or "dompet", as the form, the database and the rail name the kinds.
    pub fn kind_code(&self) -> &'static str {
        match self {
            PayoutDestination::Bank { .. } => "bank",
            PayoutDestination::EWallet { .. } => "dompet",
        }
    }

    /// The provider's code (a bank's clearing code or an e-wallet's name) and the number.
    pub fn provider_and_number(&self) -> (&'static str, &str) {
        match self {
            PayoutDestination::Bank { bank, account } => (bank.code(), account.as_str()),
            PayoutDestination::EWallet { wallet, number } => (wallet.code(), number.as_str()),
        }
    }

    /// For the participant's page: "BCA ••••1234", "GoPay 0812-••••-7890".
    pub fn described(&self) -> String {
        match self {
            PayoutDestination::Bank { bank, account } => format!("{} {}", bank.label(), account.masked()),
            PayoutDestination::EWallet { wallet, number } => format!("{} {}", wallet.label(), number.masked()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_account_needs_a_bank_from_the_list_and_eight_to_sixteen_digits() {
        assert_eq!(
            PayoutDestination::parse("bank", "014", "1234-5678-90", "", ""),
            Ok(PayoutDestination::Bank {
                bank: PayoutBank::Bca,
                account: BankAccountNumber::parse("1234567890").unwrap()
            })
        );
        assert_eq!(
            PayoutDestination::parse("bank", "999", "12ab", "", ""),
            Err(vec![
                PayoutDestinationError::Bank(PayoutBankError::Missing),
                PayoutDestinationError::Account(BankAccountNumberError::NotDigits)
            ])
        );
        assert_eq!(
            BankAccountNumber::parse("1234567"),
            Err(BankAccountNumberError::WrongLength)
        );
        assert_eq!(BankAccountNumber::parse(" "), Err(BankAccountNumberError::Empty));
        assert_eq!(
            BankAccountNumber::parse("12345678901234567"),
            Err(BankAccountNumberError::WrongLength)
        );
    }

    #[test]
    fn an_e_wallet_needs_a_provider_and_an_indonesian_mobile_number() {
        let parsed = PayoutDestination::parse("dompet", "", "", "dana", "0812-3456-7890").unwrap();
        assert_eq!(parsed.provider_and_number(), ("dana", "+6281234567890"));
        assert_eq!(
            PayoutDestination::parse("dompet", "", "", "", "12"),
            Err(vec![
                PayoutDestinationError::Wallet(EWalletError::Missing),
                PayoutDestinationError::WalletNumber(MobileNumberError::NotIndonesianMobile)
            ])
        );
        assert_eq!(
            PayoutDestination::parse("", "014", "1234567890", "", ""),
            Err(vec![PayoutDestinationError::KindMissing])
        );
    }

    #[test]
    fn a_stored_account_reads_back_as_it_was_linked() {
        for linked in [
            PayoutDestination::parse("bank", "451", "7001234567", "", "").unwrap(),
            PayoutDestination::parse("dompet", "", "", "gopay", "0812 3456 7890").unwrap(),
        ] {
            let (provider, number) = linked.provider_and_number();
            assert_eq!(
                PayoutDestination::from_stored(linked.kind_code(), provider, number),
                Some(linked.clone())
            );
        }
        assert_eq!(PayoutDestination::from_stored("bank", "999", "7001234567"), None);
    }

    #[test]
    fn numbers_are_masked_where_only_recognised() {
        let account = BankAccountNumber::parse("1234567890").unwrap();
        assert_eq!(account.masked(), "••••7890");
        assert_eq!(format!("{account:?}"), "BankAccountNumber(••••7890)");
    }
}
