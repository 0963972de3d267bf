//! The catalogue against a real PostgreSQL: imports (CSV and JSON, idempotent, with a report of
//! rejected rows), hiding, and the search with its filters, sorting and pages.
#![cfg(feature = "ssr")]

mod support;

use app::catalogue::{
    import::{hide, import, parse_file},
    search::search,
    CatalogueQuery, RawCatalogueQuery, SortOrder, TrainingMode, CSV_HEADER,
};
use app::domain::{Rupiah, TrainingCategory};
use sqlx::PgPool;
use support::now;

fn reason(text: &str) -> app::domain::OperatorReason {
    app::domain::OperatorReason::parse(text).unwrap()
}

fn csv(rows: &[&str]) -> String {
    let mut text = format!("{CSV_HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

const BARISTA: &str = "BRS-1,Barista Pemula: Espresso,\"Belajar menyeduh kopi, dari biji sampai cangkir.\",barista,Akademi Kopi,350000,12,video-mandiri,pemula,Menyeduh espresso|Merawat mesin";
const LATTE: &str = "BRS-2,Latte Art untuk Kafe,Membuat latte art.,barista,Akademi Kopi,300000,10,webinar-langsung,menengah,Latte art dasar";
const DEAR_LATTE: &str = "BRS-3,Latte Art Kelas Eksklusif,Latte art mahal.,barista,Studio Mahal,900000,10,video-mandiri,menengah,Latte art dasar";
const MARKETING: &str = "PMD-1,Pemasaran Media Sosial untuk UMKM,Strategi pemasaran digital bagi usaha kecil.,pemasaran-digital,Lembaga Digital,200000,8,video-mandiri,pemula,Membuat iklan";
const EXCEL: &str = "ADM-1,Microsoft Excel untuk Kerja,Rumus dan tabel pivot.,administrasi-perkantoran,Lembaga Digital,150000,20,campuran,pemula,Tabel pivot";

async fn load(pool: &PgPool, platform: &str, rows: &[&str]) -> app::catalogue::import::ImportReport {
    let (trainings, rejected) = parse_file(&csv(rows)).unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    import(pool, platform, &trainings, &[], "cli:uji", now()).await.unwrap()
}

fn query(pairs: &[(&str, &str)]) -> CatalogueQuery {
    let value = serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
    );
    let raw: RawCatalogueQuery = serde_json::from_value(value).unwrap();
    let (query, errors) = CatalogueQuery::parse(&raw);
    assert!(errors.is_empty(), "{errors:?}");
    query
}

async fn titles(pool: &PgPool, query: &CatalogueQuery) -> Vec<String> {
    search(pool, query, None)
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|t| t.title)
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_import_adds_good_rows_reports_bad_ones_and_a_second_run_changes_nothing(pool: PgPool) {
    let text = csv(&[
        BARISTA,
        "BRS-9,Ka,Terlalu pendek.,barista,Akademi Kopi,100000,5,video-mandiri,pemula,X",
        LATTE,
        "BRS-10,Kopi Tubruk,Tanpa cukup kolom",
        "BRS-1,Barista Pemula lagi,Dobel.,barista,Akademi Kopi,350000,12,video-mandiri,pemula,X",
    ]);
    let (trainings, rejected) = parse_file(&text).unwrap();
    let lines: Vec<usize> = rejected.iter().map(|r| r.row).collect();
    assert_eq!(lines, vec![3, 5, 6], "{rejected:?}");
    assert!(rejected[0].reason.contains("judul"));
    assert!(rejected[2].reason.contains("BRS-1"));
    let report = import(&pool, "pintaria", &trainings, &[], "cli:uji", now())
        .await
        .unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (2, 0, 0));

    let again = import(&pool, "pintaria", &trainings, &[], "cli:uji", now())
        .await
        .unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 2));

    // A new price is an update of the same training, matched by the platform's course id.
    let cheaper = LATTE.replace(",300000,", ",250000,");
    let changed = load(&pool, "pintaria", &[BARISTA, &cheaper]).await;
    assert_eq!((changed.added, changed.updated, changed.unchanged), (0, 1, 1));
    let price: i64 = sqlx::query_scalar("select price from trainings where platform_course_id = 'BRS-2'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(price, 250_000);
    // The same course id on another platform is another training.
    assert_eq!(load(&pool, "sekolahmu", &[BARISTA]).await.added, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn json_imports_like_csv_and_an_unknown_platform_is_refused(pool: PgPool) {
    let text = r#"[
        {"course_id": "PMD-7", "title": "Iklan Instagram untuk Pemula", "description": "Beriklan di Instagram.",
         "category": "pemasaran-digital", "provider": "Lembaga Digital", "price": "Rp199.000", "hours": "6",
         "mode": "video-mandiri", "level": "pemula", "outcomes": ["Membuat iklan", "Membaca hasil"]},
        {"course_id": "PMD-8", "title": "Tanpa harga"}
    ]"#;
    let (trainings, rejected) = parse_file(text).unwrap();
    assert_eq!(trainings.len(), 1);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].row, 2);
    assert_eq!(
        import(&pool, "tokopedia", &trainings, &[], "cli:uji", now())
            .await
            .unwrap()
            .added,
        1
    );
    assert!(import(&pool, "tidak-ada", &trainings, &[], "cli:uji", now())
        .await
        .is_err());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hidden_training_leaves_the_catalogue_stays_hidden_on_reimport_and_is_audited(pool: PgPool) {
    load(&pool, "pintaria", &[BARISTA, LATTE]).await;
    let id: i32 = sqlx::query_scalar("select id from trainings where platform_course_id = 'BRS-2'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hide(&pool, id, &reason("Harga tidak wajar"), "operator:uji", now())
        .await
        .unwrap());
    assert!(
        !hide(&pool, id, &reason("Sekali lagi"), "operator:uji", now())
            .await
            .unwrap(),
        "already hidden"
    );
    load(&pool, "pintaria", &[BARISTA, LATTE]).await;
    assert_eq!(titles(&pool, &query(&[])).await, vec!["Barista Pemula: Espresso"]);
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'katalog.sembunyikan'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn search_finds_indonesian_words_by_their_stem_and_titles_by_part_of_a_word(pool: PgPool) {
    load(&pool, "pintaria", &[BARISTA, LATTE, MARKETING, EXCEL]).await;
    // "pasar" is the stem of "pemasaran".
    assert_eq!(
        titles(&pool, &query(&[("q", "pasar")])).await,
        vec!["Pemasaran Media Sosial untuk UMKM"]
    );
    // Part of a word, as typed on a phone.
    assert_eq!(
        titles(&pool, &query(&[("q", "exce")])).await,
        vec!["Microsoft Excel untuk Kerja"]
    );
    let coffee = titles(&pool, &query(&[("q", "latte art")])).await;
    assert_eq!(coffee.first().map(String::as_str), Some("Latte Art untuk Kafe"));
    assert!(titles(&pool, &query(&[("q", "menjahit")])).await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn filters_sorting_and_pages_apply_together(pool: PgPool) {
    load(&pool, "pintaria", &[BARISTA, LATTE, DEAR_LATTE, MARKETING, EXCEL]).await;
    let barista_by_price = query(&[("kategori", "barista"), ("urut", "harga")]);
    assert_eq!(barista_by_price.category, Some(TrainingCategory::Barista));
    assert_eq!(
        titles(&pool, &barista_by_price).await,
        vec![
            "Latte Art untuk Kafe",
            "Barista Pemula: Espresso",
            "Latte Art Kelas Eksklusif"
        ]
    );
    assert_eq!(
        titles(&pool, &query(&[("kategori", "barista"), ("harga_maks", "Rp320.000")])).await,
        vec!["Latte Art untuk Kafe"]
    );
    assert_eq!(
        titles(&pool, &query(&[("cara", "campuran")])).await,
        vec!["Microsoft Excel untuk Kerja"]
    );
    assert_eq!(
        titles(
            &pool,
            &query(&[("jam_min", "11"), ("jam_maks", "20"), ("urut", "harga-per-jam")])
        )
        .await,
        vec!["Microsoft Excel untuk Kerja", "Barista Pemula: Espresso"]
    );
    // No reviews yet: a minimum rating leaves nothing.
    assert!(titles(&pool, &query(&[("rating_min", "4")])).await.is_empty());

    // "Within my balance": the participant's balance caps the price.
    let within = query(&[("kategori", "barista"), ("dalam_saldo", "1")]);
    let (found, total) = search(&pool, &within, Rupiah::from_whole(320_000)).await.unwrap();
    assert_eq!((found.len(), total), (1, 1));

    // The dear one costs at least twice its category's median and is flagged.
    let (found, _) = search(&pool, &barista_by_price, None).await.unwrap();
    let flagged: Vec<bool> = found.iter().map(|t| t.overpriced()).collect();
    assert_eq!(flagged, vec![false, false, true]);
    assert_eq!(found[0].category_median_price, Rupiah::from_whole(350_000).unwrap());
    assert_eq!(barista_by_price.sort, SortOrder::PriceLowFirst);
    assert_eq!(found[0].mode, TrainingMode::LiveWebinar);
}

#[sqlx::test(migrations = "../migrations")]
async fn results_come_in_pages_of_twenty_with_the_total(pool: PgPool) {
    let rows: Vec<String> = (1..=45)
        .map(|n| format!("EX-{n},Excel Bagian {n:02},Rumus.,administrasi-perkantoran,Lembaga Digital,{},5,video-mandiri,pemula,Rumus", 100_000 + n * 1000))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    load(&pool, "sisnaker", &rows).await;
    let (first, total) = search(&pool, &query(&[("urut", "harga")]), None).await.unwrap();
    assert_eq!((first.len(), total), (20, 45));
    let (third, _) = search(&pool, &query(&[("urut", "harga"), ("hal", "3")]), None)
        .await
        .unwrap();
    let third: Vec<String> = third.into_iter().map(|t| t.title).collect();
    assert_eq!(
        third,
        vec![
            "Excel Bagian 41",
            "Excel Bagian 42",
            "Excel Bagian 43",
            "Excel Bagian 44",
            "Excel Bagian 45"
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_provider_owned_by_the_selling_platform_is_a_conflict_of_interest(pool: PgPool) {
    load(&pool, "pintaria", &[BARISTA]).await;
    load(&pool, "sekolahmu", &[LATTE]).await;
    sqlx::query("update providers set owned_by_platform = 'pintaria' where name = 'Akademi Kopi'")
        .execute(&pool)
        .await
        .unwrap();
    let (found, _) = search(&pool, &query(&[("urut", "harga")]), None).await.unwrap();
    let conflicts: Vec<(String, bool)> = found.into_iter().map(|t| (t.title, t.conflict_of_interest)).collect();
    assert_eq!(
        conflicts,
        vec![
            ("Latte Art untuk Kafe".to_owned(), false),
            ("Barista Pemula: Espresso".to_owned(), true)
        ]
    );
}
