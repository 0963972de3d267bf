//! Honest reviews of finished trainings: only a participant whose training was reported
//! finished by its platform can review it, once per purchase, with 1 to 5 stars for the training
//! and for the platform's service and some words. The stars feed the catalogue's ratings (per
//! training, per provider, per platform's service). Operators can hide a review, with a
//! reason that stays visible; a hidden review's stars no longer count.

use crate::paths::training_reviews_path;
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{
        ChoiceField, ErrorSummary, FormState, FormValues, ProgressiveForm, SubmissionStatus, Submitted, TextAreaField,
    },
};

#[cfg(feature = "ssr")]
pub mod db;

#[cfg(feature = "ssr")]
const REVIEW_FORM: &str = "ulasan";
/// A review says at least this much: a few words are not a review.
pub const REVIEW_MIN_CHARS: usize = 30;
pub const REVIEW_MAX_CHARS: usize = 2000;

/// What the stars are for: each has its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rated {
    Training,
    Service,
}

/// 1 to 5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stars(u8);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StarsError {
    #[error("Pilih 1 sampai 5 bintang untuk pelatihannya.")]
    Training,
    #[error("Pilih 1 sampai 5 bintang untuk layanan platformnya.")]
    Service,
}

impl Stars {
    pub fn parse(raw: &str, rated: Rated) -> Result<Stars, StarsError> {
        match raw.trim().parse::<u8>() {
            Ok(n @ 1..=5) => Ok(Stars(n)),
            _ => Err(match rated {
                Rated::Training => StarsError::Training,
                Rated::Service => StarsError::Service,
            }),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// What the participant wrote: trimmed, 30 to 2000 characters, line breaks kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewText(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewTextError {
    #[error("Tulis ulasan Anda: apa yang Anda pelajari, dan bagaimana pelatihannya.")]
    Empty,
    #[error("Ulasan paling sedikit 30 karakter (sekarang {0}): ceritakan sedikit lebih banyak.")]
    TooShort(usize),
    #[error("Ulasan paling banyak 2000 karakter (sekarang {0}).")]
    TooLong(usize),
}

impl ReviewText {
    pub fn parse(raw: &str) -> Result<ReviewText, ReviewTextError> {
        // Line endings as the browser sends them (\r\n) count as one character.
        let text = raw.trim().replace("\r\n", "\n");
        let length = text.chars().count();
        match length {
            0 => Err(ReviewTextError::Empty),
            n if n < REVIEW_MIN_CHARS => Err(ReviewTextError::TooShort(n)),
            n if n > REVIEW_MAX_CHARS => Err(ReviewTextError::TooLong(n)),
            _ => Ok(ReviewText(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The review form as posted (missing fields are empty: an unchosen star rating sends nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawReview {
    pub training_stars: String,
    pub service_stars: String,
    pub body: String,
}

/// A review, every field parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReview {
    pub training_stars: Stars,
    pub service_stars: Stars,
    pub body: ReviewText,
}

impl NewReview {
    /// The one set of rules, run in the browser and on the server.
    pub fn parse(raw: &RawReview) -> Result<NewReview, FieldErrors> {
        let mut errors = FieldErrors::new();
        let training_stars = errors.check("training_stars", Stars::parse(&raw.training_stars, Rated::Training));
        let service_stars = errors.check("service_stars", Stars::parse(&raw.service_stars, Rated::Service));
        let body = errors.check("body", ReviewText::parse(&raw.body));
        match (training_stars, service_stars, body) {
            (Some(training_stars), Some(service_stars), Some(body)) => Ok(NewReview {
                training_stars,
                service_stars,
                body,
            }),
            _ => Err(errors),
        }
    }
}

pub use crate::domain::rating_spread::RatingSpread;

/// A review as others read it: no name, only the month it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedReview {
    pub number: i64,
    pub training_stars: u8,
    pub service_stars: u8,
    pub body: String,
    pub written_on: String,
}

/// A hidden review leaves a trace: when, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenReview {
    pub number: i64,
    pub hidden_on: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingReviews {
    pub training_id: i32,
    pub title: String,
    pub provider: String,
    pub platform: String,
    pub training: RatingSpread,
    pub provider_spread: RatingSpread,
    pub service: RatingSpread,
    pub reviews: Vec<PublishedReview>,
    pub hidden: Vec<HiddenReview>,
}

/// The review page of one purchase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFormPage {
    pub purchase: Uuid,
    pub training_id: i32,
    pub title: String,
    pub platform: String,
    pub standing: ReviewStanding,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewStanding {
    /// The platform has not reported the training finished.
    NotFinished,
    /// Its certificate was revoked (the reason): there is nothing to review.
    CertificateRevoked(String),
    /// The form, with the errors and what was typed in a plain post that was refused.
    Open { errors: FieldErrors, typed: RawReview },
    /// Written; and the reason, if operators hid it.
    Written(PublishedReview, Option<String>),
}

#[server(prefix = "/api", endpoint = "review-form")]
pub async fn load_review_form(purchase: Uuid) -> Result<ReviewFormPage, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, &crate::paths::review_path(purchase)).await?;
    let found = db::purchase_for_review(&state.pool, account_id, purchase)
        .await?
        .ok_or(AppError::NotFound)?;
    let flash = session.flash_for(&state.pool, REVIEW_FORM).await?;
    let value = |name: &str| flash.values.get(name).cloned().unwrap_or_default();
    // The flash belongs to this purchase's form only.
    let (errors, typed) = if value("purchase") == purchase.to_string() {
        (
            flash.errors,
            RawReview {
                training_stars: value("training_stars"),
                service_stars: value("service_stars"),
                body: value("body"),
            },
        )
    } else {
        (FieldErrors::new(), RawReview::default())
    };
    let standing = match (found.review, found.finished, found.certificate_revoked) {
        (Some(review), _, _) => ReviewStanding::Written(review, found.hidden_reason),
        (None, false, _) => ReviewStanding::NotFinished,
        (None, true, Some(reason)) => ReviewStanding::CertificateRevoked(reason),
        (None, true, None) => ReviewStanding::Open { errors, typed },
    };
    Ok(ReviewFormPage {
        purchase,
        training_id: found.training_id,
        title: found.title,
        platform: found.platform,
        standing,
    })
}

/// Writes a participant's review of a finished training; a second post for the same purchase
/// (a double click, a resent form) writes nothing more.
#[server(prefix = "/api", endpoint = "write-review")]
pub async fn write_review(purchase: Uuid, review: RawReview) -> Result<Submitted, AppError> {
    let form_path = crate::paths::review_path(purchase);
    crate::forms::handle_post(REVIEW_FORM, &form_path, async |state| {
        let (session, account_id) = crate::session::require_account(state, &form_path).await?;
        let parsed = match NewReview::parse(&review) {
            Ok(parsed) => parsed,
            Err(errors) => {
                let purchase = purchase.to_string();
                let values = crate::forms::values([
                    ("purchase", purchase.as_str()),
                    ("training_stars", review.training_stars.as_str()),
                    ("service_stars", review.service_stars.as_str()),
                    ("body", review.body.as_str()),
                ]);
                return crate::forms::reply(state, REVIEW_FORM, &form_path, Submitted::Invalid(errors), values).await;
            }
        };
        let outcome = db::write(
            &state.pool,
            account_id,
            purchase,
            &parsed,
            &state.settings.incentive,
            state.clock.now(),
        )
        .await?;
        let notice = match outcome {
            db::WriteOutcome::NotYours => return Err(AppError::NotFound),
            db::WriteOutcome::NotFinished => {
                "Ulasan baru bisa ditulis setelah platform melaporkan pelatihan Anda selesai.".to_owned()
            }
            db::WriteOutcome::CertificateRevoked => {
                "Sertifikat pelatihan ini dicabut, sehingga ulasannya tidak bisa ditulis.".to_owned()
            }
            db::WriteOutcome::AlreadyWritten => {
                "Ulasan Anda untuk pelatihan ini sudah tersimpan sebelumnya.".to_owned()
            }
            db::WriteOutcome::Written { incentive_scheduled } => {
                let mut notice =
                    "Terima kasih, ulasan Anda tersimpan dan ikut dihitung dalam rating pelatihan.".to_owned();
                if incentive_scheduled {
                    let plan = &state.settings.incentive;
                    notice.push_str(&format!(
                        " Insentif pascapelatihan Anda dijadwalkan: {} sebulan selama {} bulan.",
                        plan.monthly(),
                        plan.months()
                    ));
                }
                notice
            }
        };
        // The notice shows above the purchases, where the participant is sent back.
        let purchases = crate::paths::PURCHASES_PATH;
        let form = crate::paths::PURCHASES_NOTICE;
        crate::forms::accepted_with_notice(state, &session, form, purchases, notice, Default::default()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "training-reviews")]
pub async fn load_training_reviews(training_id: i32) -> Result<TrainingReviews, AppError> {
    let state = crate::state::app_state()?;
    db::training_reviews(&state.pool, training_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A page's data, loaded by `load` for the URL's parameter `name` as `read` reads it: a
/// parameter that does not read names no page.
fn loaded_for_param<K, T, Fut>(
    name: &'static str,
    read: impl Fn(&str) -> Option<K> + Copy + Send + Sync + 'static,
    load: impl Fn(K) -> Fut + Copy + Send + Sync + 'static,
) -> Resource<Result<T, AppError>>
where
    K: PartialEq + Clone + Send + Sync + 'static,
    T: Send + Sync + Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let params = use_params_map();
    Resource::new_blocking(
        move || params.with(|p| p.get(name).and_then(|raw| read(raw.as_str()))),
        move |key| async move {
            match key {
                Some(key) => load(key).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

/// A participant's review page for one purchase.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let page = loaded_for_param("purchase", |id| Uuid::parse_str(id).ok(), load_review_form);
    view! {
        <Title text="Ulasan pelatihan — Prakerja"/>
        <h1>"Ulasan pelatihan"</h1>
        {crate::forms::loaded(page, |page| {
            let ReviewFormPage { purchase, training_id, title, platform, standing } = page;
            view! {
                <p><strong>{title}</strong>{format!(" · {platform}")}</p>
                {match standing {
                    ReviewStanding::NotFinished => view! {
                        <p>"Ulasan bisa ditulis setelah platform melaporkan pelatihan ini selesai."</p>
                        <p><a href=crate::paths::PURCHASES_PATH>"‹ Kembali ke pembelian"</a></p>
                    }.into_any(),
                    ReviewStanding::CertificateRevoked(reason) => view! {
                        <p>{format!("Sertifikat pelatihan ini dicabut ({reason}), sehingga ulasannya tidak bisa ditulis.")}</p>
                        <p><a href=crate::paths::PURCHASES_PATH>"‹ Kembali ke pembelian"</a></p>
                    }.into_any(),
                    ReviewStanding::Written(review, hidden_reason) => view! {
                        <p>"Anda sudah menulis ulasan untuk pelatihan ini (satu ulasan untuk setiap pembelian)."</p>
                        {hidden_reason.map(|reason| view! {
                            <p class="notice">{format!("Ulasan ini disembunyikan operator dan tidak dihitung dalam rating: {reason}")}</p>
                        })}
                        <ReviewCard review/>
                        <p><a href=training_reviews_path(training_id)>"Lihat semua ulasan pelatihan ini"</a></p>
                    }.into_any(),
                    ReviewStanding::Open { errors, typed } => view! {
                        <ReviewFormBody purchase errors typed/>
                    }.into_any(),
                }}
            }
        })}
    }
}

fn star_options(low: &str, high: &str) -> Vec<(String, String)> {
    (1..=5)
        .map(|n| {
            let label = match n {
                1 => format!("1 bintang — {low}"),
                5 => format!("5 bintang — {high}"),
                n => format!("{n} bintang"),
            };
            (n.to_string(), label)
        })
        .collect()
}

/// The review form, rendered by the server; its behaviour is the island.
#[component]
fn ReviewFormBody(purchase: Uuid, errors: FieldErrors, typed: RawReview) -> impl IntoView {
    let shown = RwSignal::new(errors.clone());
    let chosen = |value: &str| {
        if value.is_empty() {
            vec![]
        } else {
            vec![value.to_owned()]
        }
    };
    view! {
        <p>"Ulasan Anda dibaca calon peserta lain dan ikut menentukan rating pelatihan, lembaga dan platform. Tulis dengan jujur: apa yang Anda pelajari, dan apa yang kurang."</p>
        <ReviewForm errors>
            <input type="hidden" name="purchase" value=purchase.to_string()/>
            <ChoiceField id="training_stars" name="review[training_stars]".into() legend="Nilai pelatihannya"
                options=star_options("sangat buruk", "sangat baik") chosen=chosen(&typed.training_stars) errors=shown/>
            <ChoiceField id="service_stars" name="review[service_stars]".into() legend="Nilai layanan platformnya"
                hint="Pendaftaran di platform, akses materi, bantuan bila ada kendala."
                options=star_options("sangat buruk", "sangat baik") chosen=chosen(&typed.service_stars) errors=shown/>
            <TextAreaField id="body" name="review[body]".into() label="Ulasan Anda" value=typed.body
                hint="Paling sedikit 30 karakter." maxlength=2000 errors=shown/>
            <button type="submit" class="button">"Kirim ulasan"</button>
        </ReviewForm>
    }
}

/// The review form's behaviour: with WASM its fields (its children) are checked as they are
/// filled, by the same `NewReview::parse` the server runs. Its code is a module of its own,
/// fetched by the review page only.
#[island(lazy)]
fn ReviewForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let validate = Callback::new(|values: FormValues| {
        let raw = RawReview {
            training_stars: values.get("review[training_stars]").to_owned(),
            service_stars: values.get("review[service_stars]").to_owned(),
            body: values.get("review[body]").to_owned(),
        };
        NewReview::parse(&raw).err().unwrap_or_default()
    });
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=WriteReview::url() id="ulasan" state validate>
            {children()}
        </ProgressiveForm>
    }
}

#[component]
fn ReviewCard(review: PublishedReview) -> impl IntoView {
    view! {
        <article class="review" aria-label=format!("Ulasan No. {}", review.number)>
            <p class="review-stars">
                {format!("Pelatihan {} dari 5 · Layanan {} dari 5 · {}", review.training_stars, review.service_stars, review.written_on)}
            </p>
            <p class="review-body">{review.body}</p>
        </article>
    }
}

/// A spread of ratings as a list of bars, with its mean and count.
#[component]
pub fn SpreadList(label: &'static str, spread: RatingSpread) -> impl IntoView {
    let count = spread.count();
    view! {
        <section class="rating-spread">
            <h3>{label}</h3>
            {match spread.mean() {
                None => view! { <p>"Belum ada ulasan."</p> }.into_any(),
                Some(mean) => view! {
                    <p class="rating">{format!("{mean} dari 5 ({count} ulasan)")}</p>
                    <ul class="spread">
                        {(1..=5usize).rev().map(|stars| {
                            let n = spread.0[stars - 1];
                            view! {
                                <li>
                                    <span>{format!("{stars} bintang: {n}")}</span>
                                    " "<meter min="0" max=count.to_string() value=n.to_string() aria-hidden="true"></meter>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// Everyone can read a training's reviews and the spread of its ratings.
#[component]
pub fn TrainingReviewsPage() -> impl IntoView {
    let page = loaded_for_param("id", |id| id.parse::<i32>().ok(), load_training_reviews);
    view! {
        <Title text="Ulasan pelatihan — Prakerja"/>
        {crate::forms::loaded(page, |page| {
            let TrainingReviews { training_id, title, provider, platform, training, provider_spread, service, reviews, hidden } = page;
            view! {
                <h1>{format!("Ulasan: {title}")}</h1>
                <p>{format!("No. {training_id} · {provider} · {platform}")}</p>
                <p><a href=crate::paths::compare_url(&[training_id])>"Lihat rinciannya di perbandingan"</a></p>
                <h2>"Sebaran rating"</h2>
                <div class="spreads">
                    <SpreadList label="Rating pelatihan ini" spread=training/>
                    <SpreadList label="Rating semua pelatihan lembaga ini" spread=provider_spread/>
                    <SpreadList label="Rating layanan platform" spread=service/>
                </div>
                <h2>"Ulasan peserta"</h2>
                {if reviews.is_empty() {
                    view! { <p>"Belum ada ulasan."</p> }.into_any()
                } else {
                    view! { <div class="reviews">{reviews.into_iter().map(|review| view! { <ReviewCard review/> }).collect_view()}</div> }.into_any()
                }}
                {(!hidden.is_empty()).then(|| view! {
                    <h2>"Ulasan yang disembunyikan"</h2>
                    <ul>{hidden.into_iter().map(|h| view! {
                        <li>{format!("Ulasan No. {} disembunyikan operator pada {}: {}", h.number, h.hidden_on, h.reason)}</li>
                    }).collect_view()}</ul>
                })}
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(training: &str, service: &str, body: &str) -> RawReview {
        RawReview {
            training_stars: training.into(),
            service_stars: service.into(),
            body: body.into(),
        }
    }

    #[test]
    fn stars_are_one_to_five() {
        assert_eq!(Stars::parse(" 4 ", Rated::Training).unwrap().get(), 4);
        for bad in ["", "0", "6", "-1", "empat", "4.5"] {
            assert_eq!(Stars::parse(bad, Rated::Service), Err(StarsError::Service), "{bad:?}");
        }
    }

    #[test]
    fn a_review_says_something_within_bounds() {
        assert_eq!(ReviewText::parse("  "), Err(ReviewTextError::Empty));
        assert_eq!(ReviewText::parse("Bagus."), Err(ReviewTextError::TooShort(6)));
        let windows = "Materinya jelas.\r\nLatihan espresso sangat membantu.";
        assert_eq!(
            ReviewText::parse(windows).unwrap().as_str(),
            windows.replace("\r\n", "\n")
        );
        assert_eq!(
            ReviewText::parse(&"a".repeat(2001)),
            Err(ReviewTextError::TooLong(2001))
        );
        assert!(ReviewText::parse(&"a".repeat(2000)).is_ok());
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let errors = NewReview::parse(&raw("", "9", "Bagus.")).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["training_stars", "service_stars", "body"]);
        let review = NewReview::parse(&raw("5", "3", "Materinya lengkap dan mentornya sabar menjawab.")).unwrap();
        assert_eq!((review.training_stars.get(), review.service_stars.get()), (5, 3));
    }

    #[test]
    fn the_mean_is_rounded_to_one_decimal() {
        assert_eq!(RatingSpread([0; 5]).mean(), None);
        assert_eq!(RatingSpread([1, 0, 0, 0, 2]).mean().as_deref(), Some("3,7"));
        assert_eq!(RatingSpread([0, 0, 0, 1, 1]).count(), 2);
    }
}
