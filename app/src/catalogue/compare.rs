//! Comparing up to four trainings side by side: price, hours, price per hour against its
//! category's median, mode, provider, platform, the whole spread of ratings, and how well each
//! fits the applicant, with the reason in words. The choice is in the URL (`?pilih=12&pilih=34`),
//! so a comparison can be shared and works without JavaScript.

use crate::paths::CATALOGUE_PATH;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::compared::ComparedTraining;
pub use super::compared::{Comparison, MAX_COMPARED};
use crate::error::AppError;

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
    let mut trainings = super::snapshot::current(&state).await?.compare(&ids);
    let missing = ids.len() - trainings.len();
    let account = crate::session::current(&state).await?.and_then(|s| s.account_id);
    if let Some(account_id) = account {
        let interests = super::search::interests_of(&state.pool, account_id).await?;
        let balance = crate::card::card_of_account(&state.pool, account_id, state.clock.now())
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
                Err(error) => crate::forms::load_error(&error),
            })}
        </Suspense>
    }
}

/// One cell of the comparison. Every cell has this one shape, so the table is one view type:
/// the in-page comparison's WASM stays small.
#[derive(Default)]
struct Cell {
    /// Shown first and strong (a price, a score).
    lead: Option<String>,
    text: Option<String>,
    /// A link before the text (href, words).
    link: Option<(&'static str, &'static str)>,
    /// A list, each entry with an optional bar (value out of a maximum).
    items: Vec<(String, Option<(i32, i32)>)>,
    /// The list's class.
    list: &'static str,
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: Some(text.into()),
            ..Cell::default()
        }
    }
}

/// The rows: a label and what each training shows for it.
fn rows(trainings: &[ComparedTraining]) -> Vec<(&'static str, Vec<Cell>)> {
    let row =
        |label: &'static str, cell: &dyn Fn(&ComparedTraining) -> Cell| (label, trainings.iter().map(cell).collect());
    let mut rows = vec![
        row("Harga", &|t| Cell::text(t.summary.price.to_string())),
        row("Durasi", &|t| Cell::text(format!("{} jam", t.summary.hours))),
        row("Harga per jam", &|t| {
            let per_hour = t.summary.price_per_hour();
            let against = if per_hour.whole() > t.median_price_per_hour.whole() {
                "di atas"
            } else {
                "tidak lebih dari"
            };
            Cell {
                lead: Some(per_hour.to_string()),
                text: Some(format!("{against} median kategorinya ({})", t.median_price_per_hour)),
                ..Cell::default()
            }
        }),
        row("Kategori", &|t| Cell::text(t.summary.category.label())),
        row("Cara belajar", &|t| Cell::text(t.summary.mode.label())),
        row("Tingkat", &|t| Cell::text(t.summary.level.label())),
        row("Lembaga pelatihan", &|t| Cell::text(t.summary.provider.clone())),
        row("Platform", &|t| Cell::text(t.summary.platform.clone())),
        row("Rating", &|t| rating_spread(t.summary.rating_counts)),
        row("Kecocokan untuk Anda", &|t| match &t.fit {
            Some(fit) => Cell {
                lead: Some(format!("{}/100", fit.score)),
                text: Some(fit.sentence()),
                ..Cell::default()
            },
            None => Cell {
                link: Some((crate::paths::SIGN_IN_PATH, "Masuk")),
                text: Some(" untuk melihat kecocokan dengan minat Anda.".to_owned()),
                ..Cell::default()
            },
        }),
        row("Perlu diperhatikan", &|t| {
            let mut flags = Vec::new();
            if t.summary.overpriced() {
                flags.push((
                    format!(
                        "Harga jauh di atas median kategorinya ({}).",
                        t.summary.category_median_price
                    ),
                    None,
                ));
            }
            if t.summary.conflict_of_interest {
                flags.push((
                    "Lembaga pelatihan dimiliki platform penjualnya (konflik kepentingan).".to_owned(),
                    None,
                ));
            }
            if flags.is_empty() {
                Cell::text("—")
            } else {
                Cell {
                    items: flags,
                    list: "flags",
                    ..Cell::default()
                }
            }
        }),
    ];
    if trainings.iter().any(|t| t.provider_rating_counts.is_some()) {
        rows.push(row(
            "Penilaian lembaga (semua pelatihannya)",
            &|t| match t.provider_rating_counts {
                Some(counts) => rating_spread(counts),
                None => Cell::text("—"),
            },
        ));
    }
    if trainings.iter().any(|t| !t.outcomes.is_empty()) {
        rows.push(row("Yang dipelajari", &|t| Cell {
            items: t.outcomes.iter().map(|o| (o.clone(), None)).collect(),
            ..Cell::default()
        }));
    }
    rows
}

/// The whole spread of ratings, not only the mean: how many gave each number of stars.
fn rating_spread(counts: [i32; 5]) -> Cell {
    let spread = crate::domain::rating_spread::RatingSpread(counts);
    let Some(mean) = spread.mean() else {
        return Cell::text("Belum ada ulasan");
    };
    let count = spread.count();
    Cell {
        text: Some(format!("{mean} dari 5 ({count} ulasan)")),
        items: (1..=5usize)
            .rev()
            .map(|stars| {
                let n = counts[stars - 1];
                (format!("{stars} bintang: {n}"), Some((n, count)))
            })
            .collect(),
        list: "spread",
        ..Cell::default()
    }
}

/// The comparison itself: on its own page, and in the catalogue page once the browser holds the
/// catalogue document (without what the document leaves out: what each training teaches).
#[component]
pub fn ComparisonTable(comparison: Comparison) -> impl IntoView {
    let Comparison {
        trainings,
        truncated,
        missing,
    } = comparison;
    if trainings.is_empty() {
        return Either::Left(view! {
            <p>"Belum ada pelatihan yang dipilih. Centang "<strong>"Bandingkan"</strong>" pada dua sampai empat pelatihan di katalog, lalu tekan "<strong>"Bandingkan yang dipilih"</strong>"."</p>
        });
    }
    let heads = trainings
        .iter()
        .map(|t| view! { <th scope="col">{t.summary.title.clone()}</th> })
        .collect_view();
    let body = rows(&trainings)
        .into_iter()
        .map(|(label, cells)| {
            let cells = cells.into_iter().map(|cell| view! {
                <td>
                    {cell.lead.map(|lead| view! { <strong>{lead}</strong><br/> })}
                    {cell.link.map(|(href, words)| view! { <a href=href>{words}</a> })}
                    {cell.text}
                    {(!cell.items.is_empty()).then(|| view! {
                        <ul class=cell.list>
                            {cell.items.into_iter().map(|(item, bar)| view! {
                                <li class:flag=cell.list == "flags">
                                    {item}
                                    // A bar without inline styles (the CSP allows none).
                                    {bar.map(|(value, max)| view! {
                                        " "<meter min="0" max=max.to_string() value=value.to_string() aria-hidden="true"></meter>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                </td>
            }).collect_view();
            view! { <tr><th scope="row">{label}</th>{cells}</tr> }
        })
        .collect_view();
    // Not `into_any`: a type-erased view carries its server rendering into the WASM too.
    Either::Right(view! {
        {truncated.then(|| view! { <p class="notice">"Paling banyak 4 pelatihan dibandingkan sekaligus; hanya 4 yang pertama ditampilkan."</p> })}
        {(missing > 0).then(|| view! { <p class="notice">{format!("{missing} pelatihan yang dipilih tidak ada lagi di katalog.")}</p> })}
        <div class="table-scroll" role="region" aria-label="Perbandingan" tabindex="0">
            <table class="comparison">
                <thead><tr><td></td>{heads}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    })
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
