//! The catalogue and buying over HTTP, as a browser with JavaScript off uses them: the demo
//! catalogue, a GET form whose search is in the URL, and a plain form that buys once.

mod support;

use sqlx::PgPool;
use support::*;

async fn demo(pool: &PgPool) {
    server::seed::seed_demo(pool, wednesday_morning()).await.unwrap();
}

/// What is left on the card of the applicant signed up with `email`.
async fn card_balance(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar(
        "select c.balance from cards c join applicants a on a.id = c.applicant_id
         join accounts u on u.id = a.account_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The id of the catalogue's first training.
async fn first_training(pool: &PgPool) -> i32 {
    sqlx::query_scalar("select min(id) from trainings")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_catalogue_loads_once_with_about_900_trainings(pool: PgPool) {
    demo(&pool).await;
    assert_eq!(count(&pool, "select count(*) from trainings").await, 900);
    assert!(count(&pool, "select count(distinct category_code) from trainings").await >= 15);
    assert_eq!(
        count(&pool, "select count(distinct platform_code) from trainings").await,
        8
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from providers where owned_by_platform is not null"
        )
        .await,
        2
    );
    let fingerprint = "select md5(string_agg(platform_course_id || title || description || price || hours || mode,
                                              ',' order by platform_code, platform_course_id)) from trainings";
    let before: String = sqlx::query_scalar(fingerprint).fetch_one(&pool).await.unwrap();
    demo(&pool).await;
    assert_eq!(count(&pool, "select count(*) from trainings").await, 900, "idempotent");
    let after: String = sqlx::query_scalar(fingerprint).fetch_one(&pool).await.unwrap();
    assert_eq!(before, after);
}

#[sqlx::test(migrations = "../migrations")]
async fn anyone_can_search_the_catalogue_and_the_search_is_in_the_url(pool: PgPool) {
    demo(&pool).await;
    let mut browser = Browser::new(pool, wednesday_morning());
    let all = browser.get("/pelatihan").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("900 pelatihan ditemukan"), "{}", all.body);
    assert!(all.body.contains("Halaman 1 dari 45"));
    assert!(!all.body.contains("Beli dengan saldo"), "only participants can buy");

    let barista = browser.get("/pelatihan?kategori=barista&urut=harga").await;
    assert!(barista.body.contains("Barista dan minuman"));
    assert!(
        !barista.body.contains("Pemrograman web ·"),
        "other categories are filtered out"
    );

    // A filter that does not parse is explained next to its field and in the summary; what was
    // typed stays in the form, and the other filters still apply.
    let typo = browser.get("/pelatihan?kategori=barista&harga_maks=murah").await;
    assert_eq!(typo.status, 200);
    assert!(typo.body.contains("id=\"harga_maks-error\""), "{}", typo.body);
    assert!(typo.body.contains("Ada yang perlu diperbaiki"));
    assert!(typo.body.contains("value=\"murah\""));
    assert!(!typo.body.contains("Pemrograman web ·"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_participant_buys_a_training_once_and_sees_the_voucher_and_balance(pool: PgPool) {
    demo(&pool).await;
    let mut browser = Browser::signed_in(pool.clone(), "rina@contoh.id").await;
    let page = browser
        .get("/pelatihan?kategori=barista&urut=harga&dalam_saldo=1")
        .await;
    assert!(
        page.body.contains("Sampai sisa saldo saya (Rp1.000.000)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Beli dengan saldo"));
    let fields = hidden_fields(&page.body);
    let first_form: Vec<(&str, &str)> = fields[..2].iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(first_form[0].0, "training_id");

    let purchases = browser.submit("/api/buy-training", &first_form, "/pembelian").await;
    assert!(
        purchases.contains("Pembelian berhasil. Kode voucher Anda:"),
        "{purchases}"
    );
    let price: i64 = sqlx::query_scalar("select price from purchases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let balance = card_balance(&pool, "rina@contoh.id").await;
    assert_eq!(balance, 1_000_000 - price);
    let shown = app::domain::Rupiah::from_whole(balance).unwrap().to_string();
    assert!(purchases.contains(&shown), "the balance shown is {shown}");

    // The same form sent again (a double click, or a resend after a dropped connection).
    let again = browser.post_form("/api/buy-training", &first_form).await;
    assert_eq!(again.location(), Some("/pembelian"));
    assert_eq!(count(&pool, "select count(*) from purchases").await, 1);
    assert_eq!(card_balance(&pool, "rina@contoh.id").await, balance);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_applicant_without_a_card_cannot_buy(pool: PgPool) {
    demo(&pool).await;
    let mut browser = Browser::signed_in(pool.clone(), "budi@contoh.id").await;
    let page = browser.get("/pelatihan").await;
    assert!(!page.body.contains("Beli dengan saldo"));
    let training = first_training(&pool).await;
    let refused = browser
        .post_form(
            "/api/buy-training",
            &[
                ("training_id", &training.to_string()),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_ne!(refused.status, 200);
    assert_eq!(count(&pool, "select count(*) from purchases").await, 0);
    let mine = browser.get("/pembelian").await;
    assert!(mine.body.contains("Anda belum memiliki Kartu Prakerja"));
}

#[sqlx::test(migrations = "../migrations")]
async fn up_to_four_trainings_are_compared_side_by_side_with_the_fit_explained(pool: PgPool) {
    demo(&pool).await;
    let ids: Vec<i32> = sqlx::query_scalar(
        "select id from trainings where category_code in ('pemasaran-digital', 'barista') order by id limit 5",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let choice = |n: usize| {
        ids[..n]
            .iter()
            .map(|id| format!("pilih={id}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let mut visitor = Browser::new(pool.clone(), wednesday_morning());
    let three = visitor.get(&format!("/pelatihan/banding?{}", choice(3))).await;
    assert_eq!(three.status, 200);
    assert_eq!(three.body.matches("<th scope=\"col\">").count(), 3, "{}", three.body);
    for row in [
        "Harga per jam",
        "median kategorinya",
        "Lembaga pelatihan",
        "Platform",
        "Rating",
        "Kecocokan untuk Anda",
    ] {
        assert!(three.body.contains(row), "{row}");
    }
    assert!(three.body.contains("untuk melihat kecocokan dengan minat Anda"));

    // Rina's interests include digital marketing, not barista; her fit says so, in words.
    let mut rina = Browser::signed_in(pool.clone(), "rina@contoh.id").await;
    let hers = rina.get(&format!("/pelatihan/banding?{}", choice(3))).await;
    assert!(hers.body.contains("/100"), "{}", hers.body);
    assert!(hers.body.contains("Sesuai minat Anda (Pemasaran digital)") || hers.body.contains("Di luar minat"));
    assert!(hers.body.contains("terjangkau dengan sisa saldo Anda"));

    let five = visitor.get(&format!("/pelatihan/banding?{}", choice(5))).await;
    assert_eq!(five.body.matches("<th scope=\"col\">").count(), 4);
    assert!(five.body.contains("Paling banyak 4 pelatihan"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_catalogue_document_is_cacheable_and_changes_with_the_catalogue(pool: PgPool) {
    use axum::{
        body::Body,
        http::{header, Request},
    };
    demo(&pool).await;
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    let first = browser.get("/api/katalog.json").await;
    assert_eq!(first.status, 200);
    assert!(first.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let document: app::catalogue::document::CatalogueDocument = serde_json::from_str(&first.body).unwrap();
    assert_eq!(document.trainings().len(), 900);
    assert_eq!(document.platforms.len(), 8);

    let revalidate = |etag: &str| {
        Request::get("/api/katalog.json")
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .unwrap()
    };
    let unchanged = browser.send(revalidate(&etag)).await;
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());

    let id = document.trainings()[0].id;
    let reason = app::domain::OperatorReason::parse("Uji ETag").unwrap();
    app::catalogue::import::hide(&pool, id, &reason, "operator:uji", wednesday_morning())
        .await
        .unwrap();
    // Hidden behind the process's back: its snapshot follows within a second.
    let started = std::time::Instant::now();
    let changed = loop {
        let answer = browser.send(revalidate(&etag)).await;
        if answer.status != 304 || started.elapsed() > std::time::Duration::from_secs(1) {
            break answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(changed.status, 200);
    assert_ne!(changed.headers[header::ETAG].to_str().unwrap(), etag);
    let document: app::catalogue::document::CatalogueDocument = serde_json::from_str(&changed.body).unwrap();
    assert_eq!(document.trainings().len(), 899);
}

/// The page filters and compares in the browser from the catalogue document; for every filter
/// and sort it must find the same page as the server's SQL search (words are held to real
/// queries in `catalogue_snapshot.rs`: the SQL search ranks them its own way).
#[sqlx::test(migrations = "../migrations")]
async fn the_browser_finds_the_same_pages_and_medians_as_the_server(pool: PgPool) {
    use app::catalogue::{local::LocalCatalogue, search, CatalogueQuery, RawCatalogueQuery};
    demo(&pool).await;
    let mut browser = Browser::new(pool.clone(), wednesday_morning());
    let document = browser.get("/api/katalog.json").await;
    let local = LocalCatalogue::new(serde_json::from_str(&document.body).unwrap());
    assert_eq!(local.len(), 900);

    let balance = app::domain::Rupiah::from_whole(400_000);
    let some = |value: &str| Some(value.to_owned());
    let mut searches = Vec::new();
    for sort in ["relevan", "harga", "harga-per-jam", "rating", "populer"] {
        for page in ["1", "3"] {
            searches.push(RawCatalogueQuery {
                urut: some(sort),
                hal: some(page),
                ..Default::default()
            });
        }
        searches.push(RawCatalogueQuery {
            urut: some(sort),
            kategori: some("barista"),
            rating_min: some("4"),
            ..Default::default()
        });
        searches.push(RawCatalogueQuery {
            urut: some(sort),
            platform: some("pintaria"),
            harga_maks: some("Rp600.000"),
            dalam_saldo: some("1"),
            jam_min: some("10"),
            jam_maks: some("40"),
            cara: some("webinar-langsung"),
            ..Default::default()
        });
    }
    searches.push(RawCatalogueQuery {
        hal: some("46"),
        ..Default::default()
    });
    for raw in searches {
        let (query, errors) = CatalogueQuery::parse(&raw);
        assert!(errors.is_empty(), "{errors:?}");
        let (on_server, server_total) = search::search(&pool, &query, balance).await.unwrap();
        let (in_browser, browser_total) = local.search(&query, balance);
        assert_eq!(browser_total, server_total, "{raw:?}");
        assert_eq!(in_browser, on_server, "{raw:?}");
    }

    let ids: Vec<i32> = (1..=900).step_by(97).take(4).collect();
    let on_server = search::compare(&pool, &ids).await.unwrap();
    let in_browser = local.compare(&ids, None, None);
    assert_eq!(in_browser.trainings.len(), 4);
    for (server, browser) in on_server.iter().zip(&in_browser.trainings) {
        assert_eq!(browser.summary, server.summary);
        assert_eq!(
            browser.median_price_per_hour, server.median_price_per_hour,
            "{}",
            server.summary.title
        );
    }
}

/// Posts the console's form that hides a training; asserts the answer sends the admin back to
/// the console and returns the console page.
async fn hide_training(admin: &mut Browser, training: &str, reason: &str) -> String {
    admin
        .submit(
            "/api/hide-training",
            &[("training", training), ("reason", reason)],
            "/operator/katalog",
        )
        .await
}

async fn program_admin(browser: &Browser) -> Browser {
    signed_in_operator(browser, "admin.katalog", app::operators::OperatorRole::ProgramAdmin).await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_hides_a_training_with_a_reason_from_the_console(pool: PgPool) {
    demo(&pool).await;
    let visitor = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = program_admin(&visitor).await;
    let id = first_training(&pool).await;
    let page = admin.get("/operator/katalog").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sembunyikan pelatihan"), "{}", page.body);

    // Without a reason: refused next to the field, the number typed kept.
    let id_text = id.to_string();
    let page = hide_training(&mut admin, &id_text, "").await;
    assert!(page.contains("id=\"reason-error\""), "{page}");
    assert!(page.contains(&format!("value=\"{id}\"")));
    assert_eq!(
        count(&pool, "select count(*) from trainings where hidden_at is not null").await,
        0
    );

    let page = hide_training(&mut admin, &id_text, "Harga jauh di atas harga pasar").await;
    assert!(page.contains(&format!("Pelatihan No. {id} disembunyikan dari katalog.")));
    assert!(page.contains("alasan: Harga jauh di atas harga pasar"));
    assert_eq!(
        audit_entries(&pool, "katalog.sembunyikan", "operator:admin.katalog").await,
        1
    );
    let mut anyone = visitor.another();
    assert!(anyone.get("/pelatihan").await.body.contains("899 pelatihan ditemukan"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_imports_a_platforms_file_from_the_console_once(pool: PgPool) {
    let visitor = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = program_admin(&visitor).await;
    let file = format!(
        "{}\n\
         KOPI-1,Barista Pemula,Menyeduh kopi dari nol.,barista,Akademi Kopi,Rp350.000,12,video-mandiri,pemula,Espresso|Manual brew\n\
         KOPI-2,Latte Art,Menggambar di atas susu.,barista,Akademi Kopi,400000,8,campuran,menengah,Latte art\n\
         KOPI-3,Sulap Kopi,Tanpa harga.,barista,Akademi Kopi,gratis,8,campuran,menengah,Sulap\n",
        app::catalogue::CSV_HEADER
    );
    let imported = upload(&mut admin, "pintaria", &file).await;
    assert_eq!(imported.location(), Some("/operator/katalog"), "{}", imported.body);
    let page = admin.get("/operator/katalog").await;
    assert!(
        page.body
            .contains("Impor Pintaria: 2 pelatihan baru, 0 diperbarui, 0 tidak berubah, 1 baris ditolak."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("baris 4: harga"),
        "the rejected row, by its line: {}",
        page.body
    );
    assert_eq!(
        count(&pool, "select count(*) from trainings where platform_code = 'pintaria'").await,
        2
    );

    // The same file again changes nothing; the report says so.
    upload(&mut admin, "pintaria", &file).await;
    let page = admin.get("/operator/katalog").await;
    assert!(
        page.body.contains("0 pelatihan baru, 0 diperbarui, 2 tidak berubah"),
        "{}",
        page.body
    );
    assert_eq!(count(&pool, "select count(*) from trainings").await, 2);
    assert_eq!(audit_entries(&pool, "katalog.impor", "operator:%").await, 2);

    // No platform, or a file that is not a platform's: refused beside the field, nothing written.
    let refused = upload(&mut admin, "", &file).await;
    assert_eq!(refused.location(), Some("/operator/katalog"));
    let page = admin.get("/operator/katalog").await;
    assert!(page.body.contains("id=\"platform-error\""), "{}", page.body);
    upload(&mut admin, "pintaria", "nama,umur\nRina,30\n").await;
    let page = admin.get("/operator/katalog").await;
    assert!(page.body.contains("id=\"file-error\""), "{}", page.body);
    assert!(page.body.contains("baris pertama CSV harus"), "{}", page.body);
    assert!(
        page.body.contains("<option value=\"pintaria\" selected"),
        "the platform chosen stays chosen"
    );

    // Applicants and other operators cannot import.
    let mut stranger = visitor.another();
    let refused = upload(&mut stranger, "pintaria", &file).await;
    assert_ne!(refused.location(), Some("/operator/katalog"));
    assert_eq!(count(&pool, "select count(*) from trainings").await, 2);
}

/// The console's import form, sent with a file as a browser does without JavaScript.
async fn upload(browser: &mut Browser, platform: &str, file: &str) -> Response {
    browser
        .post_multipart(
            "/api/import-trainings",
            &[("platform", None, platform), ("file", Some("pelatihan.csv"), file)],
        )
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_shows_a_hidden_training_again(pool: PgPool) {
    demo(&pool).await;
    let visitor = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = program_admin(&visitor).await;
    let id = first_training(&pool).await.to_string();
    hide_training(&mut admin, &id, "Harga jauh di atas harga pasar").await;
    let mut verifier =
        signed_in_operator(&visitor, "verifikator.katalog", app::operators::OperatorRole::Verifier).await;
    verifier.post_form("/api/unhide-training", &[("training", &id)]).await;
    assert_eq!(
        count(&pool, "select count(*) from trainings where hidden_at is not null").await,
        1,
        "a verifier cannot"
    );

    let page = admin
        .submit("/api/unhide-training", &[("training", &id)], "/operator/katalog")
        .await;
    assert!(
        page.contains(&format!("Pelatihan No. {id} tampil lagi di katalog.")),
        "{page}"
    );
    assert_eq!(
        count(&pool, "select count(*) from trainings where hidden_at is not null").await,
        0
    );
    let reason: String = sqlx::query_scalar(
        "select before->>'alasan' from audit_log where action = 'katalog.tampilkan' and actor = 'operator:admin.katalog'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reason, "Harga jauh di atas harga pasar");
    // Twice: said plainly, nothing audited again.
    let again = admin
        .submit("/api/unhide-training", &[("training", &id)], "/operator/katalog")
        .await;
    assert!(again.contains("Pelatihan itu tidak tersembunyi (lagi)."), "{again}");
    assert_eq!(
        audit_entries(&pool, "katalog.tampilkan", "operator:admin.katalog").await,
        1
    );
    let mut anyone = visitor.another();
    assert!(anyone.get("/pelatihan").await.body.contains("900 pelatihan ditemukan"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_owner_of_a_provider_set_in_the_console_marks_its_trainings_a_conflict(pool: PgPool) {
    demo(&pool).await;
    let visitor = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = program_admin(&visitor).await;
    // A training whose provider no platform owns, and its platform.
    let (training, provider, platform): (i32, String, String) = sqlx::query_as(
        "select t.id, p.name, t.platform_code from trainings t join providers p on p.id = t.provider_id
         where p.owned_by_platform is null order by t.id limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let compared = format!("/pelatihan/banding?pilih={training}");
    let mut anyone = visitor.another();
    assert!(!anyone.get(&compared).await.body.contains("konflik kepentingan"));

    let page = admin
        .submit(
            "/api/set-provider-owner",
            &[("provider", &provider), ("owner", &platform)],
            "/operator/katalog",
        )
        .await;
    assert!(page.contains(&format!("Pemilik {provider} disimpan.")), "{page}");
    assert!(anyone.get(&compared).await.body.contains("konflik kepentingan"));
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select before, after from audit_log where action = 'katalog.pemilik-lembaga' and actor = 'operator:admin.katalog'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(before["platform"], serde_json::Value::Null);
    assert_eq!(after["platform"], platform.as_str());

    // A file: the same provider freed again, an unknown provider and platform refused by line.
    let file =
        format!("lembaga,platform\n\"{provider}\",\nLembaga Yang Tidak Ada,tokopedia\n{provider},toko-sebelah\n");
    let answer = admin
        .post_multipart("/api/import-provider-owners", &[("file", Some("pemilik.csv"), &file)])
        .await;
    assert_eq!(answer.location(), Some("/operator/katalog"));
    let page = admin.get("/operator/katalog").await.body;
    assert!(
        page.contains("Kepemilikan lembaga diimpor: 1 berubah, 0 tetap, 2 baris ditolak."),
        "{page}"
    );
    assert!(
        page.contains("baris 3: lembaga Lembaga Yang Tidak Ada tidak ada di katalog"),
        "{page}"
    );
    assert!(page.contains("baris 4: platform toko-sebelah tidak dikenal"), "{page}");
    assert!(!anyone.get(&compared).await.body.contains("konflik kepentingan"));
    assert_eq!(
        audit_entries(&pool, "katalog.pemilik-lembaga", "operator:admin.katalog").await,
        2
    );

    // A verifier changes nothing.
    let mut verifier =
        signed_in_operator(&visitor, "verifikator.katalog", app::operators::OperatorRole::Verifier).await;
    verifier
        .post_form(
            "/api/set-provider-owner",
            &[("provider", &provider), ("owner", &platform)],
        )
        .await;
    assert!(!anyone.get(&compared).await.body.contains("konflik kepentingan"));
}
