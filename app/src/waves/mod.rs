//! Waves (gelombang) and their draw.
//!
//! Applicants who are verified and passed the test join the open wave from their dashboard and
//! get a pseudonymous draw id. When joining has closed, an operator enters the seed (a public
//! randomness value whose source was committed when the wave was created) and closes the wave:
//! eligibility is checked again, the pool is frozen and its digest published, and the quota is
//! filled by the ranking of the `draw` crate, within priority tiers. Selected applicants get
//! their card in the same transaction. Everyone sees their outcome with its reason; anyone can
//! check the draw on the wave's public page with the downloadable pool and result.

pub mod audit;
#[cfg(feature = "ssr")]
pub mod db;

use crate::paths::audit_path;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use leptos::{prelude::*, server_fn::ServerFn};

use serde::{Deserialize, Serialize};

use crate::{
    domain::{FieldErrors, Nik, Rupiah},
    error::AppError,
    forms::Submitted,
};

#[cfg(feature = "ssr")]
const JOIN_FORM: &str = "join-wave";

/// A wave's name, as operators and applicants see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveName(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WaveNameError {
    #[error("Isi nama gelombang, contoh: Gelombang 1.")]
    Empty,
    #[error("Nama gelombang paling banyak 100 karakter.")]
    TooLong,
}

impl WaveName {
    pub fn parse(raw: &str) -> Result<WaveName, WaveNameError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match name.chars().count() {
            0 => Err(WaveNameError::Empty),
            1..=100 => Ok(WaveName(name)),
            _ => Err(WaveNameError::TooLong),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many applicants a wave selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota(u32);

pub const MAX_QUOTA: u32 = 10_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    #[error("Isi kuota gelombang (jumlah peserta yang dipilih).")]
    Empty,
    #[error("Kuota antara 1 dan {}.", group_thousands(u64::from(MAX_QUOTA)))]
    OutOfRange,
    #[error("Tulis kuota dengan angka saja, contoh: 1000000.")]
    NotANumber,
}

impl Quota {
    /// Accepts "1000000" and "1.000.000".
    pub fn parse(raw: &str) -> Result<Quota, QuotaError> {
        let digits: String = raw.trim().chars().filter(|c| *c != '.').collect();
        if digits.is_empty() {
            return Err(QuotaError::Empty);
        }
        match digits.parse::<u32>() {
            Ok(quota) if (1..=MAX_QUOTA).contains(&quota) => Ok(Quota(quota)),
            Ok(_) | Err(_) if digits.chars().all(|c| c.is_ascii_digit()) => Err(QuotaError::OutOfRange),
            _ => Err(QuotaError::NotANumber),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

pub use crate::domain::group_thousands;

/// When applicants may join: two WIB wall-clock times from `datetime-local` inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinWindow {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

impl JoinWindow {
    pub fn parse(opens: &str, closes: &str) -> Result<JoinWindow, FieldErrors> {
        let mut errors = FieldErrors::new();
        let read = |raw: &str| {
            let raw = raw.trim();
            if raw.is_empty() {
                return Err("Isi tanggal dan jam (WIB).".to_owned());
            }
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
                .ok()
                .and_then(|local| crate::domain::wib::zone().from_local_datetime(&local).single())
                .map(|at| at.with_timezone(&Utc))
                .ok_or_else(|| "Tulis tanggal dan jam seperti 2027-01-04T08:00 (WIB).".to_owned())
        };
        let opens_at = errors.check("join_opens", read(opens));
        let closes_at = errors.check("join_closes", read(closes));
        if let (Some(opens_at), Some(closes_at)) = (opens_at, closes_at) {
            if closes_at <= opens_at {
                errors.push("join_closes", "Waktu tutup harus sesudah waktu buka.");
            } else {
                return Ok(JoinWindow { opens_at, closes_at });
            }
        }
        Err(errors)
    }
}

/// The value a `datetime-local` input shows for an instant (WIB).
pub fn datetime_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::domain::wib::zone())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Where the seed will come from, announced before its value exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedSource(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedSourceError {
    #[error(
        "Tulis sumber seed yang diumumkan sebelumnya, contoh: hasil putaran drand 5.000.000 pada 5 Januari 2027 \
         12.00 WIB."
    )]
    Empty,
    #[error("Sumber seed terlalu singkat: sebutkan sumber dan kapan nilainya diumumkan.")]
    TooShort,
    #[error("Sumber seed paling banyak 500 karakter.")]
    TooLong,
}

impl SeedSource {
    pub fn parse(raw: &str) -> Result<SeedSource, SeedSourceError> {
        let text = raw.trim();
        match text.chars().count() {
            0 => Err(SeedSourceError::Empty),
            1..=9 => Err(SeedSourceError::TooShort),
            10..=500 => Ok(SeedSource(text.to_owned())),
            _ => Err(SeedSourceError::TooLong),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The seed's value, as announced by its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedValue(draw::Seed);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedValueError {
    #[error("Isi nilai seed persis seperti yang diumumkan sumbernya.")]
    Empty,
    #[error("Seed paling banyak {} karakter.", draw::MAX_SEED_CHARS)]
    TooLong,
    #[error("Seed harus satu baris teks, tanpa ganti baris.")]
    NotOneLine,
}

impl SeedValue {
    pub fn parse(raw: &str) -> Result<SeedValue, SeedValueError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(SeedValueError::Empty);
        }
        if text.chars().count() > draw::MAX_SEED_CHARS {
            return Err(SeedValueError::TooLong);
        }
        draw::Seed::parse(text)
            .map(SeedValue)
            .map_err(|_| SeedValueError::NotOneLine)
    }

    pub fn as_seed(&self) -> &draw::Seed {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Days a new participant has for their first purchase before the card is revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstPurchaseDays(u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Batas pembelian pertama: 1 sampai 365 hari.")]
pub struct FirstPurchaseDaysError;

impl FirstPurchaseDays {
    pub fn parse(raw: &str) -> Result<FirstPurchaseDays, FirstPurchaseDaysError> {
        match raw.trim().parse::<u16>() {
            Ok(days) if (1..=365).contains(&days) => Ok(FirstPurchaseDays(days)),
            _ => Err(FirstPurchaseDaysError),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// A new wave, as an operator fills it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWave {
    pub name: WaveName,
    pub window: JoinWindow,
    pub quota: Quota,
    pub balance: Rupiah,
    pub first_purchase_days: FirstPurchaseDays,
    pub test_carries_over: bool,
    pub seed_source: SeedSource,
}

/// The create-wave form's fields, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWaveForm {
    pub name: String,
    pub join_opens: String,
    pub join_closes: String,
    pub quota: String,
    pub balance: String,
    pub first_purchase_days: String,
    /// "ya" when ticked (an unticked checkbox sends nothing).
    pub test_carries_over: Option<String>,
    pub seed_source: String,
}

impl NewWave {
    pub fn parse(form: &NewWaveForm) -> Result<NewWave, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", WaveName::parse(&form.name));
        let window = match JoinWindow::parse(&form.join_opens, &form.join_closes) {
            Ok(window) => Some(window),
            Err(window_errors) => {
                for error in window_errors {
                    errors.push(&error.field, error.message);
                }
                None
            }
        };
        let quota = errors.check("quota", Quota::parse(&form.quota));
        let balance = errors.check("balance", Rupiah::parse(&form.balance));
        let days = errors.check(
            "first_purchase_days",
            FirstPurchaseDays::parse(&form.first_purchase_days),
        );
        let seed_source = errors.check("seed_source", SeedSource::parse(&form.seed_source));
        match (name, window, quota, balance, days, seed_source) {
            (Some(name), Some(window), Some(quota), Some(balance), Some(first_purchase_days), Some(seed_source))
                if errors.is_empty() =>
            {
                Ok(NewWave {
                    name,
                    window,
                    quota,
                    balance,
                    first_purchase_days,
                    test_carries_over: form.test_carries_over.is_some(),
                    seed_source,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A priority tier's name, such as "Korban PHK (usulan Kemnaker)".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierName(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TierNameError {
    #[error("Isi nama prioritas, contoh: Korban PHK (usulan Kemnaker).")]
    Empty,
    #[error("Nama prioritas terlalu singkat.")]
    TooShort,
    #[error("Nama prioritas paling banyak 100 karakter.")]
    TooLong,
}

impl TierName {
    pub fn parse(raw: &str) -> Result<TierName, TierNameError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match name.chars().count() {
            0 => Err(TierNameError::Empty),
            1 => Err(TierNameError::TooShort),
            2..=100 => Ok(TierName(name)),
            _ => Err(TierNameError::TooLong),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The NIKs of a priority list, one per line (commas and spaces also separate them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NikList(Vec<Nik>);

/// NIKs a list may hold (a ministry's list; larger ones are split).
pub const MAX_LIST_NIKS: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NikListError {
    /// The numbers of the lines (from 1) that hold something that is not a NIK.
    #[error(
        "NIK tidak sah di baris {}{}. Perbaiki lalu kirim lagi.",
        .0.iter().take(10).map(ToString::to_string).collect::<Vec<_>>().join(", "),
        if .0.len() > 10 { " dan lainnya" } else { "" }
    )]
    BadLines(Vec<usize>),
    #[error("Tempel daftar NIK, satu NIK per baris.")]
    Empty,
    #[error("Paling banyak {} NIK sekali kirim: bagi daftarnya.", group_thousands(MAX_LIST_NIKS as u64))]
    TooMany,
}

impl NikList {
    pub fn parse(raw: &str) -> Result<NikList, NikListError> {
        let mut niks = Vec::new();
        let mut bad = Vec::new();
        for (index, line) in raw.lines().enumerate() {
            for item in line.split([',', ';', ' ', '\t']).filter(|s| !s.is_empty()) {
                match Nik::parse(item) {
                    Ok(nik) => niks.push(nik),
                    Err(_) => bad.push(index + 1),
                }
            }
        }
        if !bad.is_empty() {
            bad.dedup();
            return Err(NikListError::BadLines(bad));
        }
        if niks.is_empty() {
            return Err(NikListError::Empty);
        }
        if niks.len() > MAX_LIST_NIKS {
            return Err(NikListError::TooMany);
        }
        niks.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        niks.dedup();
        Ok(NikList(niks))
    }

    pub fn niks(&self) -> &[Nik] {
        &self.0
    }
}

/// A check that failed when the wave closed, so the applicant was not in the draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailedCheck {
    NotVerified,
    Excluded,
    AlreadyParticipant,
    /// Someone disputes that the NIK is this applicant's: held until operators decide.
    NikDisputed,
}

impl FailedCheck {
    pub const ALL: [FailedCheck; 4] = [
        FailedCheck::NotVerified,
        FailedCheck::Excluded,
        FailedCheck::AlreadyParticipant,
        FailedCheck::NikDisputed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FailedCheck::NotVerified => "tidak-terverifikasi",
            FailedCheck::Excluded => "daftar-pengecualian",
            FailedCheck::AlreadyParticipant => "sudah-peserta",
            FailedCheck::NikDisputed => "nik-disengketakan",
        }
    }

    pub fn parse(code: &str) -> Option<FailedCheck> {
        FailedCheck::ALL.into_iter().find(|check| check.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            FailedCheck::NotVerified => "Data tidak lagi terverifikasi",
            FailedCheck::Excluded => "Termasuk daftar pengecualian",
            FailedCheck::AlreadyParticipant => "Sudah menjadi peserta",
            FailedCheck::NikDisputed => "NIK sedang disanggah",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            FailedCheck::NotVerified => {
                "Saat gelombang ditutup, status verifikasi data Anda bukan lagi terverifikasi (misalnya sedang diperiksa ulang petugas)."
            }
            FailedCheck::Excluded => {
                "Saat gelombang ditutup, NIK Anda ada di daftar pengecualian (misalnya ASN, TNI/Polri, perangkat desa, atau penerima sebelumnya) yang diperbarui instansi terkait."
            }
            FailedCheck::AlreadyParticipant => "Anda sudah memiliki Kartu Prakerja dari gelombang lain.",
            FailedCheck::NikDisputed => {
                "Saat gelombang ditutup, ada sanggahan yang menyatakan NIK Anda dipakai orang lain. Data Anda ditahan sampai petugas memutuskannya; Anda akan diberi tahu lewat email."
            }
        }
    }
}

/// A wave open now that the applicant may join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinableWave {
    pub id: i32,
    pub name: String,
    pub closes_at: String,
}

/// Where an applicant stands with waves, for the dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WavePanelData {
    /// Their latest wave.
    pub standing: WaveStanding,
    /// Open waves they may join (usually one).
    pub joinable: Vec<JoinableWave>,
}

impl WavePanelData {
    pub fn nothing() -> WavePanelData {
        WavePanelData {
            standing: WaveStanding::Nothing,
            joinable: Vec::new(),
        }
    }

    /// Whether the wave stage of the journey is done, and the selection stage.
    pub fn stages(&self) -> (bool, bool) {
        match self.standing {
            WaveStanding::Nothing => (false, false),
            WaveStanding::Selected { .. } | WaveStanding::SelectedCardComing { .. } => (true, true),
            _ => (true, false),
        }
    }
}

/// The applicant's latest wave and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WaveStanding {
    /// Never joined a wave.
    Nothing,
    Joined {
        wave_id: i32,
        wave_name: String,
        draw_id: String,
        closes_at: String,
    },
    Selected {
        wave_id: i32,
        wave_name: String,
        draw_id: String,
        rank: i64,
        masked_card_number: String,
        balance: Rupiah,
    },
    /// Selected by a close that committed moments ago: the card is being issued.
    SelectedCardComing {
        wave_id: i32,
        wave_name: String,
        draw_id: String,
        rank: i64,
    },
    NotSelected {
        wave_id: i32,
        wave_name: String,
        draw_id: String,
        rank: i64,
        cut_off: i64,
        pool_size: i64,
    },
    NotEligible {
        wave_id: i32,
        wave_name: String,
        check: FailedCheck,
    },
}

/// Joins the open wave (a plain form on the dashboard). Joining twice keeps the first entry
/// (the wave and the applicant are the key), so a double click or a resent form does nothing more.
#[server(prefix = "/api", endpoint = "join-wave")]
pub async fn join_wave(wave_id: i32) -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    let dashboard = crate::paths::DASHBOARD_PATH;
    let (session, account_id) = crate::session::require_account(&state, dashboard).await?;
    let outcome = db::join(&state.pool, account_id, wave_id, state.clock.now()).await?;
    crate::forms::accepted_with_notice(
        &state,
        &session,
        JOIN_FORM,
        dashboard,
        outcome.message(),
        Default::default(),
    )
    .await
}

/// The notice the dashboard shows once after joining.
#[cfg(feature = "ssr")]
pub async fn take_join_notice(
    state: &crate::state::AppState,
    session: &crate::session::Session,
) -> Result<Option<String>, AppError> {
    Ok(session.take_flash(&state.pool, JOIN_FORM).await?.and_then(|f| f.notice))
}

/// What became of a request to join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined { wave_name: String },
    AlreadyJoined { wave_name: String },
    NotOpen,
    NotVerified,
    TestNotPassed,
    AlreadyParticipant,
}

impl JoinOutcome {
    pub fn message(&self) -> String {
        match self {
            JoinOutcome::Joined { wave_name } => format!(
                "Anda bergabung dengan {wave_name}. Hasil undian akan tampil di dasbor ini dan dikirim lewat email setelah gelombang ditutup."
            ),
            JoinOutcome::AlreadyJoined { wave_name } => format!("Anda sudah bergabung dengan {wave_name}."),
            JoinOutcome::NotOpen => "Pendaftaran gelombang ini sudah ditutup atau belum dibuka.".into(),
            JoinOutcome::NotVerified => "Data Anda harus terverifikasi sebelum bergabung dengan gelombang.".into(),
            JoinOutcome::TestNotPassed => "Anda perlu lulus tes kemampuan dasar dan motivasi untuk gelombang ini.".into(),
            JoinOutcome::AlreadyParticipant => "Anda sudah menjadi peserta dan memiliki Kartu Prakerja.".into(),
        }
    }
}

/// The join button: a plain form without JavaScript; with WASM it is sent by the page and,
/// offline, kept until the connection returns. The wave's field and button are its children.
#[island]
fn JoinWaveForm(children: Children) -> impl IntoView {
    let state = crate::forms::FormState::new(FieldErrors::new());
    view! {
        <crate::forms::ErrorSummary state/>
        <crate::forms::SubmissionStatus state/>
        <crate::forms::ProgressiveForm action=JoinWave::url() id="join-wave" state keep_draft=false class="inline-form">
            {children()}
        </crate::forms::ProgressiveForm>
    }
}

/// The wave panel of the dashboard.
#[component]
pub fn WavePanel(panel: WavePanelData, notice: Option<String>) -> impl IntoView {
    let WavePanelData { standing, joinable } = panel;
    if standing == WaveStanding::Nothing && joinable.is_empty() && notice.is_none() {
        return None;
    }
    let audit_link = |wave_id: i32| {
        view! { <p><a href=audit_path(wave_id)>"Periksa undian gelombang ini"</a></p> }
    };
    let complaint_link = |wave_id: i32| {
        let about = crate::domain::complaint::About::Wave(wave_id);
        view! { <p><a href=crate::paths::new_complaint_path(&about)>"Ajukan pengaduan tentang hasil ini"</a></p> }
    };
    let body = match standing {
        WaveStanding::Nothing => None,
        WaveStanding::Joined {
            wave_id,
            wave_name,
            draw_id,
            closes_at,
        } => Some(view! {
            <p data-outcome="bergabung">{format!("Anda sudah bergabung dengan {wave_name}. Pendaftaran gelombang ditutup {closes_at}; sesudah itu undian dilakukan.")}</p>
            <p>"Nomor undian Anda (tanpa data pribadi, muncul di daftar pool yang dapat diunduh): "<code class="draw-id">{draw_id}</code></p>
            {audit_link(wave_id)}
        }
        .into_any()),
        WaveStanding::Selected {
            wave_id,
            wave_name,
            draw_id,
            rank,
            masked_card_number,
            balance,
        } => Some(view! {
            <p data-outcome="terpilih"><strong>{format!("Selamat, Anda terpilih di {wave_name}.")}</strong></p>
            <dl class="facts">
                <div><dt>"Nomor Kartu Prakerja"</dt><dd>{masked_card_number}</dd></div>
                <div><dt>"Saldo pelatihan"</dt><dd class="balance">{balance.to_string()}</dd></div>
                <div><dt>"Peringkat undian"</dt><dd>{group_thousands(rank as u64)}</dd></div>
                <div><dt>"Nomor undian"</dt><dd><code class="draw-id">{draw_id}</code></dd></div>
            </dl>
            <p><a class="button" href=crate::paths::PURCHASES_PATH>"Lihat kartu dan pilih pelatihan"</a></p>
            {audit_link(wave_id)}
        }
        .into_any()),
        WaveStanding::SelectedCardComing {
            wave_id,
            wave_name,
            draw_id,
            rank,
        } => Some(view! {
            <p data-outcome="terpilih"><strong>{format!("Selamat, Anda terpilih di {wave_name}.")}</strong></p>
            <p data-card="diterbitkan">"Kartu Prakerja dan saldo pelatihan Anda sedang diterbitkan, biasanya dalam satu menit. Muat ulang halaman ini sebentar lagi; kami juga mengirim email begitu kartu aktif."</p>
            <dl class="facts">
                <div><dt>"Peringkat undian"</dt><dd>{group_thousands(rank as u64)}</dd></div>
                <div><dt>"Nomor undian"</dt><dd><code class="draw-id">{draw_id}</code></dd></div>
            </dl>
            {audit_link(wave_id)}
        }
        .into_any()),
        WaveStanding::NotSelected {
            wave_id,
            wave_name,
            draw_id,
            rank,
            cut_off,
            pool_size,
        } => Some(view! {
            <p data-outcome="tidak-terpilih"><strong>{format!("Anda belum terpilih di {wave_name}.")}</strong></p>
            <p class="outcome-reason">{format!(
                "Alasannya: kuota gelombang terisi oleh undian. Peringkat Anda {} dari {} pendaftar; yang terpilih adalah peringkat 1 sampai {}.",
                group_thousands(rank as u64), group_thousands(pool_size as u64), group_thousands(cut_off as u64)
            )}</p>
            <p>"Nomor undian Anda: "<code class="draw-id">{draw_id}</code>". Peringkat ini dapat Anda periksa sendiri dengan berkas pool dan seed yang diumumkan."</p>
            <p>"Anda dapat bergabung lagi di gelombang berikutnya; hasil tes Anda tetap berlaku bila gelombang itu mengizinkannya."</p>
            {audit_link(wave_id)}
            {complaint_link(wave_id)}
        }
        .into_any()),
        WaveStanding::NotEligible {
            wave_id,
            wave_name,
            check,
        } => Some(view! {
            <p data-outcome="tidak-memenuhi-syarat"><strong>{format!("Anda tidak diikutkan dalam undian {wave_name}.")}</strong></p>
            <ul class="reasons"><li><strong>{check.title()}</strong><p>{check.explanation()}</p></li></ul>
            {audit_link(wave_id)}
            {complaint_link(wave_id)}
        }
        .into_any()),
    };
    Some(view! {
        <section class="wave" aria-labelledby="wave-heading">
            <h2 id="wave-heading">"Gelombang dan undian"</h2>
            {notice.map(|notice| view! { <p class="notice" role="status" tabindex="-1" autofocus=true>{notice}</p> })}
            {body}
            {joinable.into_iter().map(|wave| view! {
                <div class="joinable-wave">
                    <p>{format!("{} dibuka sampai {}. Bergabunglah untuk ikut undian peserta.", wave.name, wave.closes_at)}</p>
                    <JoinWaveForm>
                        <input type="hidden" name="wave_id" value=wave.id.to_string()/>
                        <button type="submit" class="button">{format!("Bergabung dengan {}", wave.name)}</button>
                    </JoinWaveForm>
                </div>
            }).collect_view()}
        </section>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_window_is_read_in_wib_and_must_close_after_it_opens() {
        let window = JoinWindow::parse("2027-01-04T08:00", "2027-01-07T16:00").unwrap();
        assert_eq!(window.opens_at.to_rfc3339(), "2027-01-04T01:00:00+00:00");
        assert_eq!(datetime_local(window.closes_at), "2027-01-07T16:00");
        let errors = JoinWindow::parse("2027-01-04T08:00", "2027-01-04T08:00").unwrap_err();
        assert!(errors.get("join_closes").is_some());
        let errors = JoinWindow::parse("", "4 Januari").unwrap_err();
        assert!(errors.get("join_opens").is_some() && errors.get("join_closes").is_some());
    }

    #[test]
    fn quotas_are_whole_numbers_with_or_without_dots() {
        assert_eq!(Quota::parse("1.000.000").map(Quota::get), Ok(1_000_000));
        assert!(Quota::parse("0").is_err());
        assert!(Quota::parse("10.000.001").is_err());
        assert!(Quota::parse("satu juta").is_err());
        assert_eq!(group_thousands(4_000_000), "4.000.000");
        assert_eq!(group_thousands(999), "999");
    }

    #[test]
    fn a_new_wave_reports_every_field_at_once() {
        let errors = NewWave::parse(&NewWaveForm::default()).unwrap_err();
        for field in [
            "name",
            "join_opens",
            "join_closes",
            "quota",
            "balance",
            "first_purchase_days",
            "seed_source",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let wave = NewWave::parse(&NewWaveForm {
            name: " Gelombang  1 ".into(),
            join_opens: "2027-01-04T08:00".into(),
            join_closes: "2027-01-07T16:00".into(),
            quota: "1.000.000".into(),
            balance: "Rp1.000.000".into(),
            first_purchase_days: "30".into(),
            test_carries_over: Some("ya".into()),
            seed_source: "Putaran drand 5.000.000 (diumumkan 8 Januari 2027)".into(),
        })
        .unwrap();
        assert_eq!(wave.name.as_str(), "Gelombang 1");
        assert!(wave.test_carries_over);
        assert_eq!(wave.balance.whole(), 1_000_000);
    }

    #[test]
    fn nik_lists_name_the_lines_that_are_wrong() {
        let list = NikList::parse("3201010101900001\n3201010101900002, 3201010101900001\n").unwrap();
        assert_eq!(list.niks().len(), 2);
        let error = NikList::parse("3201010101900001\n12345\n\nabc").unwrap_err();
        assert!(error.to_string().contains("baris 2, 4"), "{error}");
        assert!(NikList::parse("  \n").is_err());
    }

    #[test]
    fn seeds_are_one_line_as_announced() {
        assert_eq!(SeedValue::parse("  8f2c 91 ").unwrap().as_str(), "8f2c 91");
        assert!(SeedValue::parse("").is_err());
        assert!(SeedValue::parse("a\nb").is_err());
    }

    #[test]
    fn failed_checks_read_back_from_their_codes() {
        for check in FailedCheck::ALL {
            assert_eq!(FailedCheck::parse(check.code()), Some(check));
        }
    }
}
