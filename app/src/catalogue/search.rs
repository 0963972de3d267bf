//! The catalogue search in PostgreSQL: Indonesian full-text search with trigram matching for
//! partial or misspelt words, filters, sorting and pages. Every value is a bound parameter.
//! Pages are searched in memory (`snapshot.rs`); this search is the reference the tests hold
//! the snapshot to, on the same data.

use sqlx::{postgres::PgRow, PgPool, Postgres, QueryBuilder, Row};

use super::{query::PAGE_SIZE, CatalogueQuery, SortOrder, TrainingLevel, TrainingMode, TrainingSummary};
use crate::{
    domain::{Rupiah, TrainingCategory},
    error::AppError,
};

/// The partner platforms as (code, name), by name: the filter's choices, the document's list.
pub async fn platforms(executor: impl sqlx::PgExecutor<'_>) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query!("select code, name from platforms order by name")
        .fetch_all(executor)
        .await?
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect())
}

/// One page of trainings matching `query`, and how many match in all. `balance` is the
/// participant's remaining balance, for "no dearer than my balance".
pub async fn search(
    pool: &PgPool,
    query: &CatalogueQuery,
    balance: Option<Rupiah>,
) -> Result<(Vec<TrainingSummary>, i64), AppError> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(
        "with medians as (
             select category_code, percentile_disc(0.5) within group (order by price) as median
             from trainings where hidden_at is null group by category_code
         )
         select t.id, t.title, pr.name as provider, pl.name as platform, t.category_code, t.price, t.hours,
                t.mode, t.level, t.rating_counts, t.purchases, m.median,
                coalesce(pr.owned_by_platform = t.platform_code, false) as conflict_of_interest,
                count(*) over () as total
         from trainings t
         join providers pr on pr.id = t.provider_id
         join platforms pl on pl.code = t.platform_code
         join medians m on m.category_code = t.category_code
         where t.hidden_at is null",
    );
    push_conditions(&mut sql, query, balance);
    sql.push(" order by ");
    match (query.sort, &query.words) {
        (SortOrder::Relevance, Some(words)) => {
            sql.push("ts_rank(t.search, websearch_to_tsquery('indonesian', ")
                .push_bind(words.clone())
                .push(")) + word_similarity(")
                .push_bind(words.clone())
                .push(", t.title) desc, t.purchases desc");
        }
        (SortOrder::Relevance | SortOrder::Popularity, _) => {
            sql.push("t.purchases desc");
        }
        (SortOrder::PriceLowFirst, _) => {
            sql.push("t.price");
        }
        (SortOrder::PricePerHourLowFirst, _) => {
            sql.push("t.price::numeric / t.hours");
        }
        (SortOrder::RatingHighFirst, _) => {
            sql.push("rating_mean(t.rating_counts) desc nulls last, t.purchases desc");
        }
    }
    sql.push(", t.id limit ")
        .push_bind(PAGE_SIZE)
        .push(" offset ")
        .push_bind((query.page - 1) * PAGE_SIZE);

    let rows = sql.build().fetch_all(pool).await?;
    let total = match rows.first() {
        Some(row) => row.try_get::<i64, _>("total")?,
        // Past the last page the window count has no row to ride on: count on its own.
        None if query.page > 1 => {
            let mut count: QueryBuilder<Postgres> =
                QueryBuilder::new("select count(*) from trainings t where t.hidden_at is null");
            push_conditions(&mut count, query, balance);
            count.build_query_scalar::<i64>().fetch_one(pool).await?
        }
        None => 0,
    };
    let trainings = rows.iter().map(summary_of).collect::<Result<Vec<_>, AppError>>()?;
    Ok((trainings, total))
}

/// The search's conditions on `trainings t`, after a `where`.
fn push_conditions(sql: &mut QueryBuilder<'_, Postgres>, query: &CatalogueQuery, balance: Option<Rupiah>) {
    if let Some(words) = &query.words {
        sql.push(" and (t.search @@ websearch_to_tsquery('indonesian', ")
            .push_bind(words.clone())
            .push(") or ")
            .push_bind(words.clone())
            .push(" <% t.title)");
    }
    if let Some(category) = query.category {
        sql.push(" and t.category_code = ").push_bind(category.code());
    }
    if let Some(platform) = &query.platform {
        sql.push(" and t.platform_code = ").push_bind(platform.clone());
    }
    let ceiling = match (query.max_price, balance.filter(|_| query.within_balance)) {
        (Some(price), Some(balance)) => Some(price.min(balance)),
        (price, balance) => price.or(balance),
    };
    if let Some(ceiling) = ceiling {
        sql.push(" and t.price <= ").push_bind(ceiling.whole());
    }
    if let Some(hours) = query.min_hours {
        sql.push(" and t.hours >= ").push_bind(hours);
    }
    if let Some(hours) = query.max_hours {
        sql.push(" and t.hours <= ").push_bind(hours);
    }
    if let Some(mode) = query.mode {
        sql.push(" and t.mode = ").push_bind(mode.code());
    }
    if let Some(rating) = query.min_rating {
        sql.push(" and rating_mean(t.rating_counts) >= ").push_bind(rating);
    }
}

/// The columns `summary_of` reads, for a query over `trainings t`.
const SUMMARY_COLUMNS: &str = "t.id, t.title, pr.name as provider, pl.name as platform, t.category_code, t.price,
    t.hours, t.mode, t.level, t.rating_counts, t.purchases, m.median,
    coalesce(pr.owned_by_platform = t.platform_code, false) as conflict_of_interest";

fn summary_of(row: &PgRow) -> Result<TrainingSummary, AppError> {
    let amount = |value: i64| Rupiah::from_whole(value).ok_or_else(|| AppError::internal("amount out of range"));
    let counts: Vec<i32> = row.try_get("rating_counts")?;
    Ok(TrainingSummary {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        provider: row.try_get("provider")?,
        platform: row.try_get("platform")?,
        category: TrainingCategory::parse(row.try_get("category_code")?).map_err(AppError::internal)?,
        price: amount(row.try_get("price")?)?,
        hours: row.try_get("hours")?,
        mode: TrainingMode::parse(row.try_get("mode")?).map_err(AppError::internal)?,
        level: TrainingLevel::parse(row.try_get("level")?).map_err(AppError::internal)?,
        rating_counts: counts.try_into().map_err(|_| AppError::internal("rating counts"))?,
        purchases: row.try_get("purchases")?,
        category_median_price: amount(row.try_get("median")?)?,
        conflict_of_interest: row.try_get("conflict_of_interest")?,
    })
}

/// Visible trainings by id, in the order asked, with what the comparison shows beyond the list.
pub async fn compare(pool: &PgPool, ids: &[i32]) -> Result<Vec<super::compared::ComparedTraining>, AppError> {
    let sql = format!(
        "with medians as (
             select category_code, percentile_disc(0.5) within group (order by price) as median,
                    percentile_disc(0.5) within group (order by price / hours) as median_per_hour
             from trainings where hidden_at is null group by category_code
         )
         select {SUMMARY_COLUMNS}, m.median_per_hour, t.outcomes, t.description, pr.rating_counts as provider_rating_counts
         from trainings t
         join providers pr on pr.id = t.provider_id
         join platforms pl on pl.code = t.platform_code
         join medians m on m.category_code = t.category_code
         where t.hidden_at is null and t.id = any($1)
         order by array_position($1, t.id)"
    );
    let rows = sqlx::query(&sql).bind(ids).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(super::compared::ComparedTraining {
                summary: summary_of(row)?,
                median_price_per_hour: Rupiah::from_whole(row.try_get("median_per_hour")?)
                    .ok_or_else(|| AppError::internal("amount out of range"))?,
                outcomes: row.try_get("outcomes")?,
                description: row.try_get("description")?,
                provider_rating_counts: {
                    let counts: Vec<i32> = row.try_get("provider_rating_counts")?;
                    counts.try_into().ok()
                },
                fit: None,
            })
        })
        .collect()
}

/// The interests an applicant gave at signup (none when they have not signed up yet).
pub async fn interests_of(pool: &PgPool, account_id: uuid::Uuid) -> Result<Vec<TrainingCategory>, AppError> {
    let codes = sqlx::query_scalar!("select interests from applicants where account_id = $1", account_id)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default();
    Ok(codes
        .iter()
        .filter_map(|code| TrainingCategory::parse(code).ok())
        .collect())
}
