//! Comparing up to four trainings side by side: price, hours, price per hour against its
//! category's median, mode, provider, platform, the whole spread of ratings, and how well each
//! fits the applicant, with the reason in words. The choice is in the URL (`?pilih=12&pilih=34`),
//! so a comparison can be shared and works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{fit::Fit, TrainingSummary, CATALOGUE_PATH};
use crate::{domain::Rupiah, error::AppError};

pub const COMPARE_PATH: &str = "/pelatihan/banding";
pub const MAX_COMPARED: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparedTraining {
    pub summary: TrainingSummary,
    pub median_price_per_hour: Rupiah,
    pub outcomes: Vec<String>,
    pub description: String,
    /// For a signed-in applicant: against the interests they gave at signup.
    pub fit: Option<Fit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub trainings: Vec<ComparedTraining>,
    /// More than four were chosen: only the first four are shown.
    pub truncated: bool,
    /// Chosen trainings that are not (or no longer) in the catalogue.
    pub missing: usize,
}

/// The chosen ids: numbers only, each once, in the order given.
pub fn parse_choice(raw: &[String]) -> Vec<i32> {
    let mut ids = Vec::new();
    for id in raw
        .iter()
        .flat_map(|r| r.split(','))
        .filter_map(|r| r.trim().parse::<i32>().ok())
    {
        if id > 0 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[server(prefix = "/api", endpoint = "compare")]
pub async fn load_comparison(ids: Vec<i32>) -> Result<Comparison, AppError> {
    let state = crate::state::app_state()?;
    let truncated = ids.len() > MAX_COMPARED;
    let ids: Vec<i32> = ids.into_iter().take(MAX_COMPARED).collect();
    let mut trainings = super::search::compare(&state.pool, &ids).await?;
    let missing = ids.len() - trainings.len();
    let account = crate::auth::session::current(&state).await?.and_then(|s| s.account_id);
    if let Some(account_id) = account {
        let interests: Vec<crate::domain::TrainingCategory> =
            sqlx::query_scalar!("select interests from applicants where account_id = $1", account_id)
                .fetch_optional(&state.pool)
                .await?
                .unwrap_or_default()
                .iter()
                .filter_map(|code| crate::domain::TrainingCategory::parse(code).ok())
                .collect();
        let balance = crate::cards::db::card_of_account(&state.pool, account_id, state.clock.now())
            .await?
            .filter(|card| card.usable)
            .map(|card| card.balance);
        for training in &mut trainings {
            training.fit = Some(super::fit::fit(&training.summary, &interests, balance));
        }
    }
    Ok(Comparison {
        trainings,
        truncated,
        missing,
    })
}

#[component]
pub fn ComparePage() -> impl IntoView {
    let params = use_query_map();
    let comparison = Resource::new_blocking(
        move || parse_choice(&params.get().get_all("pilih").unwrap_or_default()),
        load_comparison,
    );
    view! {
        <Title text="Bandingkan pelatihan — Prakerja"/>
        <h1>"Bandingkan pelatihan"</h1>
        <p><a href=CATALOGUE_PATH>"‹ Kembali ke katalog"</a></p>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || comparison.get().map(|comparison| match comparison {
                Ok(comparison) => view! { <ComparisonTable comparison/> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ComparisonTable(comparison: Comparison) -> impl IntoView {
    let Comparison {
        trainings,
        truncated,
        missing,
    } = comparison;
    if trainings.is_empty() {
        return view! {
            <p>"Belum ada pelatihan yang dipilih. Centang "<strong>"Bandingkan"</strong>" pada dua sampai empat pelatihan di katalog, lalu tekan "<strong>"Bandingkan yang dipilih"</strong>"."</p>
        }
        .into_any();
    }
    let row = |label: &'static str, cell: fn(&ComparedTraining) -> AnyView| {
        let cells = trainings.iter().map(|t| view! { <td>{cell(t)}</td> }).collect_view();
        view! { <tr><th scope="row">{label}</th>{cells}</tr> }
    };
    let heads = trainings
        .iter()
        .map(|t| view! { <th scope="col">{t.summary.title.clone()}</th> })
        .collect_view();
    view! {
        {truncated.then(|| view! { <p class="notice">"Paling banyak 4 pelatihan dibandingkan sekaligus; hanya 4 yang pertama ditampilkan."</p> })}
        {(missing > 0).then(|| view! { <p class="notice">{format!("{missing} pelatihan yang dipilih tidak ada lagi di katalog.")}</p> })}
        <div class="table-scroll" role="region" aria-label="Perbandingan" tabindex="0">
            <table class="comparison">
                <thead><tr><td></td>{heads}</tr></thead>
                <tbody>
                    {row("Harga", |t| t.summary.price.to_string().into_any())}
                    {row("Durasi", |t| format!("{} jam", t.summary.hours).into_any())}
                    {row("Harga per jam", |t| {
                        let per_hour = t.summary.price_per_hour();
                        let against = if per_hour.whole() > t.median_price_per_hour.whole() { "di atas" } else { "tidak lebih dari" };
                        view! { {per_hour.to_string()}<br/><small>{format!("{against} median kategorinya ({})", t.median_price_per_hour)}</small> }.into_any()
                    })}
                    {row("Kategori", |t| t.summary.category.label().into_any())}
                    {row("Cara belajar", |t| t.summary.mode.label().into_any())}
                    {row("Tingkat", |t| t.summary.level.label().into_any())}
                    {row("Lembaga pelatihan", |t| t.summary.provider.clone().into_any())}
                    {row("Platform", |t| t.summary.platform.clone().into_any())}
                    {row("Rating", |t| view! { <RatingSpread training=t.summary.clone()/> }.into_any())}
                    {row("Kecocokan untuk Anda", |t| match &t.fit {
                        Some(fit) => view! { <strong>{format!("{}/100", fit.score)}</strong><br/>{fit.sentence()} }.into_any(),
                        None => view! { <a href=crate::auth::SIGN_IN_PATH>"Masuk"</a>" untuk melihat kecocokan dengan minat Anda." }.into_any(),
                    })}
                    {row("Perlu diperhatikan", |t| {
                        let mut flags = Vec::new();
                        if t.summary.overpriced() {
                            flags.push(format!("Harga jauh di atas median kategorinya ({}).", t.summary.category_median_price));
                        }
                        if t.summary.conflict_of_interest {
                            flags.push("Lembaga pelatihan dimiliki platform penjualnya (konflik kepentingan).".to_owned());
                        }
                        if flags.is_empty() {
                            "—".into_any()
                        } else {
                            view! { <ul class="flags">{flags.into_iter().map(|f| view! { <li class="flag">{f}</li> }).collect_view()}</ul> }.into_any()
                        }
                    })}
                    {row("Yang dipelajari", |t| view! {
                        <ul>{t.outcomes.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
                    }.into_any())}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The whole spread of ratings, not only the mean: how many gave each number of stars.
#[component]
pub fn RatingSpread(training: TrainingSummary) -> impl IntoView {
    let count = training.rating_count();
    if count == 0 {
        return view! { <span>"Belum ada ulasan"</span> }.into_any();
    }
    let rows = (1..=5usize)
        .rev()
        .map(|stars| {
            let n = training.rating_counts[stars - 1];
            view! {
                <li>
                    {format!("{stars} bintang: {n} ")}
                    // A bar without inline styles (the CSP allows none).
                    <meter min="0" max=count.to_string() value=n.to_string() aria-hidden="true"></meter>
                </li>
            }
        })
        .collect_view();
    view! {
        <p>{format!("{} dari 5 ({count} ulasan)", training.rating_mean().unwrap_or_default())}</p>
        <ul class="spread">{rows}</ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choice_keeps_numbers_once_in_order() {
        let raw = vec![
            "12".to_owned(),
            "7,12".to_owned(),
            "x".to_owned(),
            "-3".to_owned(),
            "9".to_owned(),
        ];
        assert_eq!(parse_choice(&raw), vec![12, 7, 9]);
        assert!(parse_choice(&[]).is_empty());
    }
}
