//! Participants' cards: a 16-digit number and a training balance, and buying a training with it.
//! Only participants (selected in a wave) have a card. A purchase deducts the price in one
//! transaction; the database keeps the balance from going negative whatever the timing, and a
//! retried purchase with the same idempotency key charges once.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{domain::Rupiah, error::AppError, forms::Submitted};

#[cfg(feature = "ssr")]
pub(crate) const BUY_FORM: &str = "beli-pelatihan";

#[cfg(feature = "ssr")]
pub mod db;

/// A training bought with a card, and the voucher to start it on the platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: Uuid,
    pub training_id: i32,
    pub price: Rupiah,
    pub voucher_code: String,
    /// The card's balance after this purchase (for a replay: the balance now).
    pub balance_after: Rupiah,
}

/// What became of a request to buy a training.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PurchaseOutcome {
    /// Bought now, or bought by an earlier request with the same idempotency key (charged once).
    Bought(Purchase),
    /// This card already bought this training (with another request).
    AlreadyBought(Purchase),
    NotEnoughBalance {
        balance: Rupiah,
        price: Rupiah,
    },
    /// Revoked, or the first purchase came too late.
    CardRevoked,
    /// Hidden by operators, or no such training.
    TrainingUnavailable,
}

impl PurchaseOutcome {
    /// What the participant is told, in Bahasa Indonesia.
    pub fn message(&self) -> String {
        match self {
            PurchaseOutcome::Bought(purchase) => format!(
                "Pembelian berhasil. Kode voucher Anda: {}. Sisa saldo: {}.",
                purchase.voucher_code, purchase.balance_after
            ),
            PurchaseOutcome::AlreadyBought(purchase) => format!(
                "Anda sudah membeli pelatihan ini. Kode vouchernya: {}.",
                purchase.voucher_code
            ),
            PurchaseOutcome::NotEnoughBalance { balance, price } => {
                format!("Saldo Anda ({balance}) tidak cukup untuk pelatihan seharga {price}. Pilih pelatihan lain.")
            }
            PurchaseOutcome::CardRevoked => {
                "Kartu Prakerja Anda sudah dicabut karena tidak ada pembelian pertama dalam \
                                             batas waktu, sehingga saldo pelatihan dikembalikan."
                    .to_owned()
            }
            PurchaseOutcome::TrainingUnavailable => {
                "Pelatihan ini tidak tersedia lagi. Pilih pelatihan lain di katalog.".to_owned()
            }
        }
    }
}

/// A participant's card, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    pub id: Uuid,
    /// Only the last four digits: the number buys trainings.
    pub masked_number: String,
    pub balance: Rupiah,
    pub initial_balance: Rupiah,
    /// Not revoked, and its first purchase not past due.
    pub usable: bool,
    pub revoked: bool,
    /// "10 Januari 2027 10.00 WIB" while no purchase has been made yet.
    pub first_purchase_due: Option<String>,
}

/// A purchase on the participant's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLine {
    pub id: Uuid,
    pub training_id: i32,
    pub title: String,
    pub platform: String,
    pub price: Rupiah,
    pub voucher_code: String,
    pub purchased_at: String,
    pub progress: TrainingProgress,
}

/// Where a bought training stands, as its platform reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainingProgress {
    NotStarted,
    InProgress {
        percent: i16,
    },
    /// Completed: the certificate's code, and whether the participant has reviewed it.
    Completed {
        certificate: String,
        reviewed: bool,
    },
    /// Reported finished, but its certificate was revoked (the reason).
    CertificateRevoked {
        reason: String,
    },
    /// Reported finished sooner than the minimum study time: an operator decides.
    AwaitingReview,
    /// Reported finished, and refused by an operator (the reason).
    CompletionRefused {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchasesPageData {
    pub card: Option<CardView>,
    pub purchases: Vec<PurchaseLine>,
    pub notice: Option<String>,
}

/// Each buy button of a page gets its own idempotency key, derived from one drawn for the page:
/// a double click or a resent form carries the same key, another training another key.
pub fn purchase_key(page_key: Uuid, training_id: i32) -> Uuid {
    let mut bytes = *page_key.as_bytes();
    for (byte, id_byte) in bytes[12..].iter_mut().zip(training_id.to_be_bytes()) {
        *byte ^= id_byte;
    }
    Uuid::from_bytes(bytes)
}

#[server(prefix = "/api", endpoint = "buy-training")]
pub async fn buy_training(training_id: i32, idempotency_key: Uuid) -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::CATALOGUE_PATH).await?;
    let card = db::card_of_account(&state.pool, account_id, state.clock.now())
        .await?
        .ok_or(AppError::Forbidden)?;
    let outcome = db::purchase(&state.pool, card.id, training_id, idempotency_key, state.clock.now()).await?;
    let purchases = crate::paths::PURCHASES_PATH;
    crate::forms::accepted_with_notice(
        &state,
        &session,
        BUY_FORM,
        purchases,
        outcome.message(),
        Default::default(),
    )
    .await
}

#[server(prefix = "/api", endpoint = "purchases")]
pub async fn load_purchases() -> Result<PurchasesPageData, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::PURCHASES_PATH).await?;
    let notice = session
        .take_flash(&state.pool, BUY_FORM)
        .await?
        .and_then(|flash| flash.notice);
    let card = db::card_of_account(&state.pool, account_id, state.clock.now()).await?;
    let purchases = match &card {
        Some(card) => db::purchases_of_card(&state.pool, card.id).await?,
        None => Vec::new(),
    };
    Ok(PurchasesPageData {
        card,
        purchases,
        notice,
    })
}

/// The buy button of a training: a plain form, so it works without JavaScript.
#[component]
pub fn BuyForm(training_id: i32, price: Rupiah, purchase_key: Uuid) -> impl IntoView {
    view! {
        <form method="post" action=BuyTraining::url() class="buy-form">
            <input type="hidden" name="training_id" value=training_id.to_string()/>
            <input type="hidden" name="idempotency_key" value=purchase_key.to_string()/>
            <button type="submit" class="button">{format!("Beli dengan saldo ({price})")}</button>
        </form>
    }
}

/// The participant's card, balance and vouchers.
#[component]
pub fn PurchasesPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| load_purchases());
    view! {
        <Title text="Kartu dan pembelian — Prakerja"/>
        <h1>"Kartu Prakerja dan pembelian"</h1>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || data.get().map(|data| match data {
                Ok(PurchasesPageData { card, purchases, notice }) => view! {
                    {notice.map(|notice| view! { <p class="notice" role="status" tabindex="-1" autofocus=true>{notice}</p> })}
                    {match card {
                        None => view! {
                            <p>"Anda belum memiliki Kartu Prakerja. Kartu diberikan kepada peserta yang terpilih dalam undian gelombang."</p>
                        }.into_any(),
                        Some(card) => view! {
                            <section aria-labelledby="kartu">
                                <h2 id="kartu">"Kartu Anda"</h2>
                                <dl class="facts">
                                    <div><dt>"Nomor kartu"</dt><dd>{card.masked_number.clone()}</dd></div>
                                    <div><dt>"Sisa saldo pelatihan"</dt><dd class="balance">{card.balance.to_string()}</dd></div>
                                    <div><dt>"Saldo awal"</dt><dd>{card.initial_balance.to_string()}</dd></div>
                                </dl>
                                {card.revoked.then(|| view! { <p class="error">"Kartu ini sudah dicabut dan saldonya dikembalikan."</p> })}
                                {card.first_purchase_due.clone().filter(|_| card.usable).map(|due| view! {
                                    <p>{format!("Lakukan pembelian pertama paling lambat {due}, atau kartu akan dicabut.")}</p>
                                })}
                                {card.usable.then(|| view! { <p><a href=crate::paths::CATALOGUE_PATH>"Pilih pelatihan di katalog"</a></p> })}
                            </section>
                        }.into_any(),
                    }}
                    <section aria-labelledby="pembelian">
                        <h2 id="pembelian">"Pelatihan yang sudah dibeli"</h2>
                        {if purchases.is_empty() {
                            view! { <p>"Belum ada."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="purchases">
                                    {purchases.into_iter().map(|p| { let review_path = crate::paths::review_path(p.id); view! {
                                        <li>
                                            <strong>{p.title}</strong>
                                            {format!(" · {} · {} · dibeli {}", p.platform, p.price, p.purchased_at)}
                                            <br/>"Kode voucher: "<code class="voucher">{p.voucher_code}</code>
                                            <br/>{match p.progress {
                                                TrainingProgress::NotStarted => view! { <span>"Belum dimulai di platform."</span> }.into_any(),
                                                TrainingProgress::InProgress { percent } => view! { <span>{format!("Sedang berjalan: {percent}% selesai.")}</span> }.into_any(),
                                                TrainingProgress::CertificateRevoked { reason } => view! {
                                                    <span class="error">{format!("Sertifikat pelatihan ini dicabut: {reason}")}</span>
                                                }.into_any(),
                                                TrainingProgress::AwaitingReview => view! {
                                                    <span>"Dilaporkan selesai. Karena lebih cepat dari waktu belajar minimal, petugas memeriksanya sebelum sertifikat terbit."</span>
                                                }.into_any(),
                                                TrainingProgress::CompletionRefused { reason } => view! {
                                                    <span class="error">{format!("Penyelesaian pelatihan ini ditolak petugas: {reason}")}</span>
                                                }.into_any(),
                                                TrainingProgress::Completed { certificate, reviewed } => view! {
                                                    <span>"Selesai. "<a href=crate::paths::print_path(&certificate)>"Sertifikat (cetak atau simpan PDF)"</a>
                                                    " · "<a href=format!("/sertifikat/{certificate}")>{format!("Halaman verifikasi {certificate}")}</a></span>
                                                    <br/>{if reviewed {
                                                        view! { <a href=review_path>"Ulasan Anda"</a> }.into_any()
                                                    } else {
                                                        view! { <a class="button" href=review_path>"Tulis ulasan"</a> }.into_any()
                                                    }}
                                                }.into_any(),
                                            }}
                                        </li>
                                    }}).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

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
