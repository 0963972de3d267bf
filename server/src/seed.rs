//! Demo data for `cargo xtask run`. Idempotent: running it twice changes nothing.

use app::{
    domain::{birth::parse_iso_date, nik::compose_nik, Gender},
    signup::{db as signup_db, SignupApplication, SignupDraft},
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Demo accounts. Sign in with these addresses; the code appears on /dev/surat.
pub const REGISTERED_DEMO_EMAIL: &str = "budi@contoh.id";
pub const DRAFT_DEMO_EMAIL: &str = "siti@contoh.id";
/// A participant with a card and the default balance, to try the catalogue and buying.
pub const PARTICIPANT_DEMO_EMAIL: &str = "rina@contoh.id";
/// Demo operators (username, role); both sign in on /operator/masuk with `DEMO_OPERATOR_PASSWORD`.
pub const DEMO_OPERATORS: [(&str, &str, app::operators::OperatorRole); 2] = [
    (
        "verifikator",
        "Verifikator Demo",
        app::operators::OperatorRole::Verifier,
    ),
    (
        "admin",
        "Admin Program Demo",
        app::operators::OperatorRole::ProgramAdmin,
    ),
];
pub const DEMO_OPERATOR_PASSWORD: &str = "prakerja-demo-2026";

/// A demo person as their KTP and the civil registry (the simulator's population) know them.
/// The NIK is composed from the birth date and gender (`region` and `sequence` give its other
/// digits), so they always agree.
pub struct DemoPerson {
    pub region: &'static str,
    pub sequence: u16,
    /// YYYY-MM-DD, as the form sends it.
    pub birth_date: &'static str,
    pub gender: Gender,
    pub kk: &'static str,
    pub full_name: &'static str,
    pub birth_place: &'static str,
}

pub const BUDI: DemoPerson = DemoPerson {
    region: "327302",
    sequence: 17,
    birth_date: "1994-05-21",
    gender: Gender::Male,
    kk: "3273021804120003",
    full_name: "Budi Santoso",
    birth_place: "Bandung",
};
pub const SITI: DemoPerson = DemoPerson {
    region: "357801",
    sequence: 42,
    birth_date: "1999-11-03",
    gender: Gender::Female,
    kk: "3578010907150011",
    full_name: "Siti Aminah",
    birth_place: "Surabaya",
};
pub const RINA: DemoPerson = DemoPerson {
    region: "317404",
    sequence: 8,
    birth_date: "1997-02-14",
    gender: Gender::Female,
    kk: "3174041102170005",
    full_name: "Rina Wulandari",
    birth_place: "Jakarta",
};
/// Rina's DANA e-wallet (0812-3456-7890), in her name at the development rail simulator.
pub const DEMO_WALLET: &str = "+6281234567890";
/// Everyone the demo signs up (the registry simulator knows them).
pub const DEMO_PEOPLE: [&DemoPerson; 3] = [&BUDI, &SITI, &RINA];

impl DemoPerson {
    pub fn birth(&self) -> Result<chrono::NaiveDate, String> {
        parse_iso_date(self.birth_date).ok_or_else(|| format!("demo birth date {:?}", self.birth_date))
    }

    pub fn nik(&self) -> Result<String, String> {
        Ok(compose_nik(self.region, self.birth()?, self.gender, self.sequence))
    }

    /// The first step of the form, as this person fills it in.
    fn first_step(&self) -> Result<SignupDraft, String> {
        Ok(SignupDraft {
            nik: self.nik()?,
            kk: self.kk.into(),
            full_name: self.full_name.into(),
            birth_date: self.birth_date.into(),
            gender: self.gender.code().into(),
            birth_place: self.birth_place.into(),
            ..Default::default()
        })
    }
}

/// Registers a complete draft for the demo account of `email` (created if missing), unless that
/// account already has an applicant.
async fn register_once(
    pool: &PgPool,
    email: &str,
    draft: &SignupDraft,
    now: DateTime<Utc>,
    who: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let account_id = account(pool, email).await?;
    if app::session::has_applicant(pool, account_id).await? {
        return Ok(());
    }
    let today = app::domain::wib::date_in_program_tz(now);
    let application = SignupApplication::parse(draft, true, today).map_err(|e| format!("{who}: {e:?}"))?;
    signup_db::register(pool, account_id, Uuid::new_v4(), &application, now).await?;
    Ok(())
}

/// Loads the demo data as of `now` (the server's clock: `PRAKERJA_CLOCK_START` when set, so the
/// demo wave and card fit a server whose clock was moved).
pub async fn seed_demo(pool: &PgPool, now: DateTime<Utc>) -> Result<(), Box<dyn std::error::Error>> {
    let draft = SignupDraft {
        province: "32".into(),
        city: "Kota Bandung".into(),
        mobile: "081234500001".into(),
        education: "sma".into(),
        employment: "korban-phk".into(),
        interests: vec!["barista".into(), "jualan-online".into()],
        ..BUDI.first_step()?
    };
    register_once(pool, REGISTERED_DEMO_EMAIL, &draft, now, "demo applicant").await?;

    // Siti has started the form and stopped after the first step.
    let siti = account(pool, DRAFT_DEMO_EMAIL).await?;
    let draft = SITI.first_step()?;
    if !sqlx::query_scalar!(
        r#"select exists(select 1 from signup_drafts where account_id = $1) as "x!""#,
        siti
    )
    .fetch_one(pool)
    .await?
    {
        signup_db::save_draft(pool, siti, &draft, now).await?;
    }

    // A wave open for the next 30 days, so the test can be taken.
    sqlx::query!(
        "insert into waves (name, join_opens_at, join_closes_at, created_at, quota, balance, seed_source)
         values ('Gelombang Demo', $1, $2, $1, 1000, 1000000, 'Diumumkan di halaman ini sebelum gelombang ditutup (data demo).')
         on conflict (name) do nothing",
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(30)
    )
    .execute(pool)
    .await?;
    // Rina, who will be selected in the demo's drawn wave (below).
    let draft = SignupDraft {
        province: "31".into(),
        city: "Kota Jakarta Selatan".into(),
        mobile: "081234500002".into(),
        education: "diploma".into(),
        employment: "pencari-kerja".into(),
        interests: vec![
            "pemasaran-digital".into(),
            "desain-grafis".into(),
            "jualan-online".into(),
        ],
        ..RINA.first_step()?
    };
    register_once(pool, PARTICIPANT_DEMO_EMAIL, &draft, now, "demo participant").await?;
    crate::demo_catalogue::load(pool, crate::demo_catalogue::DEFAULT_SEED, now).await?;

    for (username, name, role) in DEMO_OPERATORS {
        let username = app::operators::Username::parse(username)?;
        let password = app::operators::Password::parse(DEMO_OPERATOR_PASSWORD)?;
        match app::operators::db::create(pool, &username, name, role, password, "seed-demo", now).await {
            Ok(_) | Err(app::operators::db::CreateOperatorError::UsernameTaken) => {}
            Err(error) => return Err(error.into()),
        }
    }
    // Rina was selected in the demo's drawn wave: she has a card and can buy trainings.
    drawn_demo_wave(pool, now).await?;
    Ok(())
}

async fn account(pool: &PgPool, email: &str) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into accounts (id, email) values ($1, $2) on conflict (email) do update set email = excluded.email returning id",
        Uuid::new_v4(),
        email
    )
    .fetch_one(pool)
    .await
}

/// Gives the applicant registered with `email` a card in `wave` (idempotent: one card each).
pub async fn issue_demo_card(
    pool: &PgPool,
    email: &str,
    wave: &str,
    balance: app::domain::Rupiah,
    first_purchase_within: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Uuid, Box<dyn std::error::Error>> {
    let applicant_id = sqlx::query_scalar!(
        "select a.id from applicants a join accounts c on c.id = a.account_id where c.email = $1",
        email
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| format!("no applicant registered with {email}"))?;
    let wave_id = sqlx::query_scalar!("select id from waves where name = $1", wave)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| format!("no wave named {wave}"))?;
    let mut conn = pool.acquire().await?;
    let card = app::cards::db::issue_card(
        &mut conn,
        &app::cards::db::NewCard {
            applicant_id,
            wave_id,
            balance,
            accepted_at: now,
            first_purchase_due_at: now + first_purchase_within,
        },
    )
    .await?;
    Ok(card)
}

/// The demo's drawn wave: 400 synthetic applicants and Rina (on its priority list), a quota of
/// 100, drawn nine days ago by the real close, so its audit page and files can be checked.
pub const DRAWN_DEMO_WAVE: &str = "Gelombang Contoh";
const DRAWN_DEMO_SEED: &str = "contoh: nilai acak yang diumumkan sesudah pendaftaran gelombang ditutup";

async fn drawn_demo_wave(pool: &PgPool, now: DateTime<Utc>) -> Result<(), Box<dyn std::error::Error>> {
    use app::waves::{datetime_local, db, NewWave, NewWaveForm, SeedValue};
    let drawn = sqlx::query_scalar!(
        r#"select exists(select 1 from waves where name = $1 and drawn_at is not null) as "x!""#,
        DRAWN_DEMO_WAVE
    )
    .fetch_one(pool)
    .await?;
    if drawn {
        return Ok(());
    }
    let closes = now - chrono::Duration::days(10);
    let wave = NewWave::parse(&NewWaveForm {
        name: DRAWN_DEMO_WAVE.into(),
        join_opens: datetime_local(now - chrono::Duration::days(17)),
        join_closes: datetime_local(closes),
        quota: "100".into(),
        balance: "1000000".into(),
        first_purchase_days: "30".into(),
        test_carries_over: Some("ya".into()),
        seed_source: "Contoh: nilai acak yang diumumkan penyelenggara sesudah pendaftaran gelombang ditutup.".into(),
    })
    .map_err(|errors| format!("demo wave: {errors:?}"))?;
    let wave_id = match db::create(pool, &wave, "seed-demo", now - chrono::Duration::days(18)).await? {
        Ok(id) => id,
        Err(db::CreateWaveError::NameTaken) => {
            sqlx::query_scalar!("select id from waves where name = $1", DRAWN_DEMO_WAVE)
                .fetch_one(pool)
                .await?
        }
    };
    let joined = sqlx::query_scalar!(
        r#"select count(*) as "n!" from wave_entries where wave_id = $1"#,
        wave_id
    )
    .fetch_one(pool)
    .await?;
    if joined == 0 {
        crate::synthetic::generate(
            pool,
            DRAWN_DEMO_WAVE,
            &crate::synthetic::SyntheticPool {
                applicants: 400,
                excluded_per_mille: 10,
                priority_per_mille: 20,
            },
        )
        .await?;
    }
    // Rina passed the test in the open demo wave, joined this one, and is on its priority list.
    let rina = sqlx::query!(
        "select a.id, a.nik from applicants a join accounts c on c.id = a.account_id where c.email = $1",
        PARTICIPANT_DEMO_EMAIL
    )
    .fetch_one(pool)
    .await?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into verifications (applicant_id, status, reasons, decided_at) values ($1, 'terverifikasi', '{}', $2)
         on conflict (applicant_id) do update set status = 'terverifikasi', reasons = '{}'",
        rina.id,
        closes - chrono::Duration::days(5)
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("delete from verification_jobs where applicant_id = $1", rina.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "insert into test_attempts (id, applicant_id, wave_id, question_ids, started_at, deadline_at, finished_at,
                                    ability_score, ability_total, pass_mark, passed)
         select $1, $2, id, array_fill(1, array[18]), $3::timestamptz, $3::timestamptz + interval '25 minutes',
                $3::timestamptz + interval '20 minutes',
                12, 14, 7, true
         from waves where name = 'Gelombang Demo'
         on conflict do nothing",
        Uuid::new_v4(),
        rina.id,
        closes - chrono::Duration::days(4)
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into wave_entries (wave_id, applicant_id, draw_id, joined_at) values ($1, $2, $3, $4)
         on conflict do nothing",
        wave_id,
        rina.id,
        (rand::random::<u64>() >> 1) as i64,
        closes - chrono::Duration::days(3)
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into wave_tier_niks (wave_id, nik, tier) values ($1, $2, 1) on conflict do nothing",
        wave_id,
        rina.nik
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let admin = sqlx::query_scalar!("select id from operators where username = 'admin'")
        .fetch_one(pool)
        .await?;
    let seed = SeedValue::parse(DRAWN_DEMO_SEED)?;
    let drawn_at = now - chrono::Duration::days(9);
    match db::enter_seed(pool, wave_id, &seed, admin, "seed-demo", drawn_at).await? {
        Ok(()) | Err(db::SeedError::AlreadyEntered) => {}
        Err(other) => return Err(format!("demo seed: {other:?}").into()),
    }
    db::close(pool, wave_id, "seed-demo", drawn_at, &mut |_| Ok(()))
        .await?
        .map_err(|refusal| format!("demo draw: {refusal:?}"))?;
    db::issue_pending_cards(pool).await?;
    Ok(())
}
