//! Participants' cards: a 16-digit number and a training balance, and buying a training with it.
//! Only participants (selected in a wave) have a card. A purchase deducts the price in one
//! transaction; the database keeps the balance from going negative whatever the timing, and a
//! retried purchase with the same idempotency key charges once.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{domain::Rupiah, error::AppError, forms::Submitted};

#[cfg(feature = "ssr")]
pub(crate) const BUY_FORM: &str = crate::paths::PURCHASES_NOTICE;

#[cfg(feature = "ssr")]
pub mod db;

pub use crate::card::CardView;

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
                            <p>"Anda belum memiliki Kartu Prakerja. Kartu diberikan kepada peserta yang terpilih dalam undian gelombang; bila Anda baru terpilih, kartu Anda sedang diterbitkan dan tampil di sini dalam satu menit."</p>
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
                                <p><a href=crate::paths::INCENTIVE_PATH>"Insentif dan rekening pencairan"</a></p>
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
                                            <br/>"Kode voucher: "<code class="voucher">{p.voucher_code.clone()}</code>
                                            " · "<a href=crate::paths::new_complaint_path(&crate::domain::complaint::About::Purchase(p.voucher_code))>"Adukan pembelian ini"</a>
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
                Err(error) => crate::forms::load_error(&error),
            })}
        </Suspense>
    }
}

// Where card numbers and vouchers are spelled: the domain (waves issue cards, platforms quote
// vouchers).
pub use crate::domain::card_number::{luhn_check_digit, VOUCHER_ALPHABET};

#[cfg(test)]
mod tests {
    use leptos::server_fn::ServerFn;

    #[test]
    fn buy_buttons_post_where_the_purchase_is_answered() {
        assert_eq!(super::BuyTraining::url(), crate::paths::BUY_TRAINING_PATH);
    }
}
