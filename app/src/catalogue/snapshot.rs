//! The server's catalogue in memory: one snapshot per process, built from the database and
//! searched by the same code the browser runs (`local.rs`), so a catalogue page costs no query.
//! The snapshot is replaced whenever the catalogue changes: PostgreSQL tells every process of an
//! import, a hidden or shown training or a provider's owner (`LISTEN catalogue_changed`), and a
//! check of the catalogue's version every `CHECK_EVERY` catches what no notice announces (a
//! purchase or a review moving a count) and a notice missed while the connection was down.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock, Weak},
    time::Duration,
};

use sqlx::{postgres::PgListener, Connection, PgPool};

use super::{
    compared::ComparedTraining, document::CatalogueDocument, local::indexed_beside_title, local::median_of,
    local::LocalCatalogue, words::described_by, CatalogueQuery, TrainingLevel, TrainingMode, TrainingSummary,
};
use crate::{
    domain::{Rupiah, TrainingCategory},
    error::AppError,
};

/// The channel the catalogue's triggers notify (migration `20261207000027`).
pub const CHANGED_CHANNEL: &str = "catalogue_changed";

/// How often each process compares its snapshot's version with the database's.
pub const CHECK_EVERY: Duration = Duration::from_millis(400);

/// What identifies the catalogue's content: the revision the triggers count (every edit but the
/// counters) and a digest of the counters (purchases and ratings) that change too often to be
/// announced one by one.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    revision: i64,
    counters: String,
}

/// What the comparison shows beyond the catalogue document.
struct Details {
    outcomes: Vec<String>,
    description: String,
    provider_rating_counts: [i32; 5],
}

/// The visible catalogue at one version: searchable, and as the document the browser fetches.
pub struct CatalogueSnapshot {
    version: Version,
    local: LocalCatalogue,
    document: String,
    etag: String,
    details: HashMap<i32, Details>,
    /// Each training as an item of the server's list (`item::training_item_html`).
    items_html: HashMap<i32, String>,
}

mod db {
    use super::*;

    pub async fn version(conn: &mut sqlx::PgConnection) -> Result<Version, AppError> {
        let row = sqlx::query!(
            r#"select (select revision from catalogue_revision) as "revision!",
                      (select coalesce(sum(hashtextextended(id || ':' || purchases || ':' || rating_counts::text, 0)), 0)
                       from trainings)::text
                      || ':' ||
                      (select coalesce(sum(hashtextextended(id || ':' || rating_counts::text, 0)), 0)
                       from providers)::text as "counters!""#
        )
        .fetch_one(conn)
        .await?;
        Ok(Version {
            revision: row.revision,
            counters: row.counters,
        })
    }

    pub struct TrainingRow {
        pub id: i32,
        pub title: String,
        pub provider: String,
        pub platform: String,
        pub category_code: String,
        pub price: i64,
        pub hours: i16,
        pub mode: String,
        pub level: String,
        pub rating_counts: Vec<i32>,
        pub purchases: i32,
        pub conflict_of_interest: bool,
        pub outcomes: Vec<String>,
        pub description: String,
        pub provider_rating_counts: Vec<i32>,
    }

    pub async fn visible_trainings(conn: &mut sqlx::PgConnection) -> Result<Vec<TrainingRow>, AppError> {
        Ok(sqlx::query_as!(
            TrainingRow,
            r#"select t.id, t.title, pr.name as provider, pl.name as platform, t.category_code, t.price, t.hours,
                      t.mode, t.level, t.rating_counts, t.purchases,
                      coalesce(pr.owned_by_platform = t.platform_code, false) as "conflict_of_interest!",
                      t.outcomes, t.description, pr.rating_counts as provider_rating_counts
               from trainings t
               join providers pr on pr.id = t.provider_id
               join platforms pl on pl.code = t.platform_code
               where t.hidden_at is null
               order by t.id"#
        )
        .fetch_all(conn)
        .await?)
    }
}

fn counts(values: Vec<i32>) -> Result<[i32; 5], AppError> {
    values.try_into().map_err(|_| AppError::internal("rating counts"))
}

impl CatalogueSnapshot {
    /// Reads the visible catalogue and its version in one consistent view, and indexes it.
    pub async fn build(pool: &PgPool) -> Result<CatalogueSnapshot, AppError> {
        let mut conn = pool.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query!("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
        let version = db::version(&mut tx).await?;
        let rows = db::visible_trainings(&mut tx).await?;
        let platforms = super::search::platforms(&mut *tx).await?;
        tx.commit().await?;
        drop(conn);
        // The CPU work (stemming ~900 titles and descriptions) off the async workers.
        tokio::task::spawn_blocking(move || Self::index(version, rows, platforms))
            .await
            .map_err(AppError::internal)?
    }

    fn index(
        version: Version,
        rows: Vec<db::TrainingRow>,
        platforms: Vec<(String, String)>,
    ) -> Result<CatalogueSnapshot, AppError> {
        use sha2::{Digest, Sha256};
        let amount = |value: i64| Rupiah::from_whole(value).ok_or_else(|| AppError::internal("amount out of range"));
        // Each category's median price, once for the whole snapshot.
        let mut prices: HashMap<&str, Vec<i64>> = HashMap::new();
        for row in &rows {
            prices.entry(row.category_code.as_str()).or_default().push(row.price);
        }
        let medians: HashMap<String, i64> = prices
            .into_iter()
            .filter_map(|(category, values)| Some((category.to_owned(), median_of(values)?)))
            .collect();
        let mut summaries = Vec::with_capacity(rows.len());
        let mut described = Vec::with_capacity(rows.len());
        let mut details = HashMap::with_capacity(rows.len());
        let mut items_html = HashMap::with_capacity(rows.len());
        for row in rows {
            let summary = TrainingSummary {
                id: row.id,
                category: TrainingCategory::parse(&row.category_code).map_err(AppError::internal)?,
                price: amount(row.price)?,
                hours: row.hours,
                mode: TrainingMode::parse(&row.mode).map_err(AppError::internal)?,
                level: TrainingLevel::parse(&row.level).map_err(AppError::internal)?,
                rating_counts: counts(row.rating_counts)?,
                purchases: row.purchases,
                category_median_price: amount(medians.get(&row.category_code).copied().unwrap_or(row.price))?,
                conflict_of_interest: row.conflict_of_interest,
                title: row.title,
                provider: row.provider,
                platform: row.platform,
            };
            let indexed = format!("{} {}", summary.title, indexed_beside_title(&summary));
            described.push(described_by(&indexed, &row.description, &row.outcomes));
            items_html.insert(summary.id, super::item::training_item_html(&summary));
            summaries.push(summary);
            details.insert(
                row.id,
                Details {
                    outcomes: row.outcomes,
                    description: row.description,
                    provider_rating_counts: counts(row.provider_rating_counts)?,
                },
            );
        }
        // A stem in more than a tenth of the descriptions ("pelatihan", "kerja") tells no
        // training apart and would only weigh down the document every browser fetches.
        let mut frequency: HashMap<&str, usize> = HashMap::new();
        for stems in &described {
            for stem in stems {
                *frequency.entry(stem.as_str()).or_default() += 1;
            }
        }
        let telling = |stem: &&String| frequency.get(stem.as_str()).copied().unwrap_or(0) * 10 <= summaries.len();
        let compact = summaries
            .iter()
            .zip(&described)
            .map(|(summary, stems)| {
                let kept: Vec<&str> = stems.iter().filter(telling).map(String::as_str).collect();
                CatalogueDocument::compact(summary, kept.join(" "))
            })
            .collect();
        let document = CatalogueDocument {
            platforms,
            trainings: compact,
        };
        let json = serde_json::to_string(&document).map_err(AppError::internal)?;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(json.as_bytes())[..12]));
        Ok(CatalogueSnapshot {
            version,
            local: LocalCatalogue::new(document),
            document: json,
            etag,
            details,
            items_html,
        })
    }

    /// One page of trainings matching `query`, and how many match in all.
    pub fn search(&self, query: &CatalogueQuery, balance: Option<Rupiah>) -> (Vec<TrainingSummary>, i64) {
        self.local.search(query, balance)
    }

    /// The server's list of these trainings (found in this snapshot) as HTML, with buy forms
    /// keyed from `page_key` when the visitor can buy.
    pub fn list_html(&self, trainings: &[TrainingSummary], page_key: Option<uuid::Uuid>) -> String {
        let items = trainings
            .iter()
            .filter_map(|training| Some((training, self.items_html.get(&training.id)?.as_str())));
        super::item::training_list_html(items, page_key)
    }

    /// The partner platforms as (code, name), by name.
    pub fn platforms(&self) -> Vec<(String, String)> {
        self.local.platforms().to_vec()
    }

    /// Visible trainings by id, in the order asked, with all the comparison shows (but the fit).
    pub fn compare(&self, ids: &[i32]) -> Vec<ComparedTraining> {
        let mut compared = self.local.compare(ids, None, None).trainings;
        for training in &mut compared {
            if let Some(details) = self.details.get(&training.summary.id) {
                training.outcomes = details.outcomes.clone();
                training.description = details.description.clone();
                training.provider_rating_counts = Some(details.provider_rating_counts);
            }
        }
        compared
    }

    /// The catalogue document as JSON, and its ETag (a digest of the JSON).
    pub fn document(&self) -> (&str, &str) {
        (&self.document, &self.etag)
    }

    pub fn len(&self) -> usize {
        self.local.len()
    }

    pub fn is_empty(&self) -> bool {
        self.local.is_empty()
    }
}

/// The process's snapshot, and the task that keeps it current (started with the first use, so
/// a process that never shows the catalogue holds no listening connection).
pub struct CatalogueSnapshots {
    shared: Arc<Shared>,
    following: std::sync::Once,
}

struct Shared {
    pool: PgPool,
    current: RwLock<Option<Arc<CatalogueSnapshot>>>,
    /// One rebuild at a time; a caller that waited finds the snapshot already current.
    rebuilding: tokio::sync::Mutex<()>,
}

impl CatalogueSnapshots {
    pub fn new(pool: PgPool) -> CatalogueSnapshots {
        CatalogueSnapshots {
            shared: Arc::new(Shared {
                pool,
                current: RwLock::new(None),
                rebuilding: tokio::sync::Mutex::new(()),
            }),
            following: std::sync::Once::new(),
        }
    }

    /// The current snapshot; built first if this process has none yet. While the database is
    /// out of reach the last snapshot keeps serving.
    pub async fn current(&self) -> Result<Arc<CatalogueSnapshot>, AppError> {
        if let Some(snapshot) = self.shared.loaded() {
            return Ok(snapshot);
        }
        let snapshot = self.shared.refresh().await?;
        self.following.call_once(|| {
            tokio::spawn(follow(Arc::downgrade(&self.shared), self.shared.pool.clone()));
        });
        Ok(snapshot)
    }

    /// Rebuilds the snapshot now if the catalogue changed: after a change made through this
    /// process, so that the operator's next page already shows it.
    pub async fn refresh(&self) -> Result<(), AppError> {
        if self.shared.loaded().is_some() {
            self.shared.refresh().await?;
        }
        Ok(())
    }
}

/// The state's snapshot of the catalogue.
pub async fn current(state: &crate::state::AppState) -> Result<Arc<CatalogueSnapshot>, AppError> {
    state.services.get::<CatalogueSnapshots>()?.current().await
}

/// After a change to the catalogue made through this process: its snapshot follows at once. A
/// failure is only logged: the change is made, and the follower catches up.
pub async fn changed(state: &crate::state::AppState) {
    if let Ok(snapshots) = state.services.get::<CatalogueSnapshots>() {
        if let Err(error) = snapshots.refresh().await {
            tracing::warn!(%error, "refreshing the catalogue snapshot after a change failed");
        }
    }
}

impl Shared {
    fn loaded(&self) -> Option<Arc<CatalogueSnapshot>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rebuilds the snapshot if the database's catalogue is at another version.
    async fn refresh(&self) -> Result<Arc<CatalogueSnapshot>, AppError> {
        let _one_at_a_time = self.rebuilding.lock().await;
        if let Some(loaded) = self.loaded() {
            let mut conn = self.pool.acquire().await?;
            if db::version(&mut conn).await? == loaded.version {
                return Ok(loaded);
            }
        }
        let snapshot = Arc::new(CatalogueSnapshot::build(&self.pool).await?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }
}

/// Keeps the snapshot current until the process drops it or its pool closes: a rebuild on each
/// notice, and a version check every `CHECK_EVERY` whatever happens to the listening connection.
async fn follow(snapshots: Weak<Shared>, pool: PgPool) {
    let announced = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(listen(pool.clone(), announced.clone()));
    while !pool.is_closed() {
        // Whichever comes first; `Notify` keeps a notice that came while rebuilding.
        let _ = tokio::time::timeout(CHECK_EVERY, announced.notified()).await;
        let Some(snapshots) = snapshots.upgrade() else {
            return;
        };
        if let Err(error) = snapshots.refresh().await {
            if !pool.is_closed() {
                tracing::warn!(%error, "refreshing the catalogue snapshot failed; the last one keeps serving");
            }
        }
    }
}

/// Passes on the database's notices of a changed catalogue, reconnecting after a lost
/// connection (what was announced meanwhile is caught by the version check).
async fn listen(pool: PgPool, announced: Arc<tokio::sync::Notify>) {
    while !pool.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(_) => {
                tokio::time::sleep(CHECK_EVERY).await;
                continue;
            }
        };
        if listener.listen(CHANGED_CHANNEL).await.is_err() {
            tokio::time::sleep(CHECK_EVERY).await;
            continue;
        }
        // A notice, or a lost connection (`Ok(None)`, reconnected on the next call).
        while listener.try_recv().await.is_ok() {
            announced.notify_one();
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}
