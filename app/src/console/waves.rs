//! Waves in the operators' console (program admins): create a wave (its seed source committed
//! then), add priority lists of NIKs, enter the seed once joining has closed, and close the
//! wave (the draw). Every action is audited; the CLI does the same (`prakerja wave …`).

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsolePage, LastPost};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, Submitted, TextField},
    waves::group_thousands,
};

/// The page's forms share one flash: the wave a refused form was about is among its values.
#[cfg(feature = "ssr")]
const FORM: super::ConsoleForm = super::ConsoleForm::new("waves-console", crate::paths::WAVES_CONSOLE_PATH);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleWave {
    pub id: i32,
    pub name: String,
    pub join_window: String,
    pub quota: i64,
    pub joined: i64,
    /// Priority tiers: (number, name, NIKs listed).
    pub tiers: Vec<(i16, String, i64)>,
    pub joining_closed: bool,
    pub seed: Option<String>,
    pub drawn: Option<String>,
    /// Cards the close queued and the job has not issued yet.
    pub cards_pending: i64,
}

#[server(prefix = "/api", endpoint = "waves-console")]
pub async fn load_waves_console() -> Result<ConsolePage<Vec<ConsoleWave>>, AppError> {
    let (state, operator, flash) = super::open_page(super::PROGRAM_ADMINS, &[FORM.id]).await?;
    let now = state.clock.now();
    // Waves are few; their entries are counted by index (millions take a moment, once per view).
    let rows = sqlx::query!(
        r#"select w.id, w.name, w.join_opens_at, w.join_closes_at, w.quota, w.seed, w.drawn_at,
                  (select count(*) from wave_entries e where e.wave_id = w.id) as "joined!",
                  coalesce((select json_agg(json_build_array(t.tier, t.name,
                              (select count(*) from wave_tier_niks n where n.wave_id = t.wave_id and n.tier = t.tier))
                              order by t.tier)
                            from wave_tiers t where t.wave_id = w.id), '[]') as "tiers!",
                  coalesce((select sum(p.holder_count) from wave_pending_cards p where p.wave_id = w.id), 0)::bigint
                    as "cards_pending!"
           from waves w order by w.join_opens_at desc, w.id desc limit 50"#
    )
    .fetch_all(&state.pool)
    .await?;
    let waves = rows
        .into_iter()
        .map(|w| ConsoleWave {
            id: w.id,
            name: w.name,
            join_window: crate::domain::wib::format_window(w.join_opens_at, w.join_closes_at),
            quota: i64::from(w.quota),
            joined: w.joined,
            tiers: serde_json::from_value(w.tiers).unwrap_or_default(),
            joining_closed: now >= w.join_closes_at,
            seed: w.seed,
            drawn: w.drawn_at.map(crate::domain::wib::format_wib),
            cards_pending: w.cards_pending,
        })
        .collect();
    Ok(ConsolePage::new(operator.identity, flash, waves))
}

/// Answers a console form: back to the page with a notice, or with the errors and what was typed.
#[cfg(feature = "ssr")]
async fn done(
    state: &crate::state::AppState,
    operator: &super::Operator,
    outcome: Result<String, FieldErrors>,
    values: std::collections::BTreeMap<String, String>,
) -> Result<Submitted, AppError> {
    match outcome {
        Ok(notice) => FORM.accept(state, &operator.session, notice, Default::default()).await,
        Err(errors) => {
            // A wave's form fields are named after the wave on the page ("seed-3"): the summary
            // links there.
            let errors = match values.get("wave_id") {
                Some(id) => {
                    let mut named = FieldErrors::new();
                    for error in errors {
                        let field = if error.field == crate::forms::FORM_ERROR {
                            error.field
                        } else {
                            format!("{}-{id}", error.field)
                        };
                        named.push(&field, error.message);
                    }
                    named
                }
                None => errors,
            };
            FORM.refuse(state, errors, values).await
        }
    }
}

/// Creates a wave from the create form, whose fields arrive as they are named on the page.
#[server(prefix = "/api", endpoint = "create-wave")]
pub async fn create_wave(#[server(flatten)] form: crate::waves::NewWaveForm) -> Result<Submitted, AppError> {
    FORM.handle(super::PROGRAM_ADMINS, async |state, operator| {
        let values = crate::forms::values([
            ("name", form.name.as_str()),
            ("join_opens", form.join_opens.as_str()),
            ("join_closes", form.join_closes.as_str()),
            ("quota", form.quota.as_str()),
            ("balance", form.balance.as_str()),
            ("first_purchase_days", form.first_purchase_days.as_str()),
            ("test_carries_over", form.test_carries_over.as_deref().unwrap_or("")),
            ("seed_source", form.seed_source.as_str()),
        ]);
        let outcome = match crate::waves::NewWave::parse(&form) {
            Err(errors) => Err(errors),
            Ok(wave) => {
                match crate::waves::db::create(&state.pool, &wave, &operator.actor(), state.clock.now()).await? {
                    Ok(_) => Ok(format!(
                        "{} dibuat. Sumber seed-nya sudah tercatat dan tampil di halaman audit.",
                        wave.name.as_str()
                    )),
                    Err(crate::waves::db::CreateWaveError::NameTaken) => {
                        Err(FieldErrors::single("name", "Sudah ada gelombang dengan nama ini."))
                    }
                }
            }
        };
        done(state, &operator, outcome, values).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "add-priority-tier")]
pub async fn add_priority_tier(wave_id: i32, tier_name: String, niks: String) -> Result<Submitted, AppError> {
    FORM.handle(super::PROGRAM_ADMINS, async |state, operator| {
        let id = wave_id.to_string();
        // The NIK list is personal data: it is not carried back to the page.
        let values = crate::forms::values([("wave_id", id.as_str()), ("tier_name", tier_name.as_str())]);
        let mut errors = FieldErrors::new();
        let name = errors.check("tier_name", crate::waves::TierName::parse(&tier_name));
        let list = errors.check("niks", crate::waves::NikList::parse(&niks));
        let outcome = match (name, list) {
            (Some(name), Some(list)) => {
                use crate::waves::db::TierError;
                match crate::waves::db::add_tier(&state.pool, wave_id, &name, &list, &operator.actor()).await? {
                    Ok((tier, added)) => Ok(format!(
                        "Prioritas {tier} \"{}\" ditambahkan dengan {} NIK.",
                        name.as_str(),
                        group_thousands(added)
                    )),
                    Err(refusal) => Err(FieldErrors::single(
                        "tier_name",
                        match refusal {
                            TierError::SeedEntered => {
                                "Seed gelombang ini sudah dicatat: prioritas tidak dapat diubah lagi."
                            }
                            TierError::NameTaken => "Gelombang ini sudah punya prioritas dengan nama itu.",
                            TierError::TooManyTiers => "Gelombang ini sudah punya 98 prioritas.",
                        },
                    )),
                }
            }
            _ => Err(errors),
        };
        done(state, &operator, outcome, values).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "enter-wave-seed")]
pub async fn enter_wave_seed(wave_id: i32, seed: String) -> Result<Submitted, AppError> {
    FORM.handle(super::PROGRAM_ADMINS, async |state, operator| {
        let id = wave_id.to_string();
        let values = crate::forms::values([("wave_id", id.as_str()), ("seed", seed.as_str())]);
        let outcome = match crate::waves::SeedValue::parse(&seed) {
            Err(error) => Err(FieldErrors::single("seed", error.to_string())),
            Ok(seed) => {
                use crate::waves::db::SeedError;
                let now = state.clock.now();
                match crate::waves::db::enter_seed(&state.pool, wave_id, &seed, operator.id, &operator.actor(), now)
                    .await?
                {
                    Ok(()) => Ok(format!(
                        "Seed dicatat pada {}. Gelombang siap diundi.",
                        crate::domain::wib::format_wib(now)
                    )),
                    Err(refusal) => Err(FieldErrors::single(
                        "seed",
                        match refusal {
                            SeedError::JoiningOpen => {
                                "Pendaftaran gelombang masih dibuka: seed dicatat sesudah ditutup."
                            }
                            SeedError::AlreadyEntered => "Seed gelombang ini sudah dicatat dan tidak dapat diubah.",
                        },
                    )),
                }
            }
        };
        done(state, &operator, outcome, values).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "close-wave")]
pub async fn close_wave(wave_id: i32) -> Result<Submitted, AppError> {
    FORM.handle(super::PROGRAM_ADMINS, async |state, operator| {
        let id = wave_id.to_string();
        let values = crate::forms::values([("wave_id", id.as_str())]);
        use crate::waves::db::CloseRefusal;
        let closed = crate::waves::db::close(&state.pool, wave_id, &operator.actor(), state.clock.now(), &mut |_| {
            Ok(())
        })
        .await?;
        let outcome = match closed {
            Ok(closed) if closed.earlier => Ok(format!(
                "{} sudah diundi sebelumnya; tidak ada yang berubah.",
                closed.wave_name
            )),
            Ok(closed) => Ok(format!(
                "{} diundi: {} terpilih dari pool {} ({} tidak memenuhi syarat). Digest hasil {}.",
                closed.wave_name,
                group_thousands(closed.selected as u64),
                group_thousands(closed.pool_size as u64),
                group_thousands(closed.ineligible as u64),
                closed.result_digest
            )),
            Err(CloseRefusal::JoiningOpen) => Err(FieldErrors::single(
                crate::forms::FORM_ERROR,
                "Pendaftaran gelombang masih dibuka: undian dilakukan sesudah ditutup.",
            )),
            Err(CloseRefusal::NoSeed) => Err(FieldErrors::single("seed", "Catat seed dulu, lalu undi.")),
        };
        done(state, &operator, outcome, values).await
    })
    .await
}

#[component]
pub fn WavesConsolePage() -> impl IntoView {
    super::console_page(super::WAVES, load_waves_console, |last, waves| {
        view! { <WavesConsoleBody last waves/> }
    })
}

#[component]
fn WavesConsoleBody(last: LastPost, waves: Vec<ConsoleWave>) -> impl IntoView {
    let LastPost {
        notice,
        errors,
        values: typed,
    } = last;
    // The wave whose form the errors belong to (none: the create form).
    let errors_for: Option<i32> = typed.get("wave_id").and_then(|id| id.parse().ok());
    let form = crate::forms::FormState::new(errors.clone());
    // The create form shows the errors only when they are its own.
    let create_errors = RwSignal::new(if errors_for.is_none() {
        errors.clone()
    } else {
        FieldErrors::new()
    });
    let typed_value = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let carried = errors_for.is_none() && !typed.is_empty();
    let carries_over = !carried || typed.get("test_carries_over").is_some_and(|v| !v.is_empty());
    view! {
        <ErrorSummary state=form/>
        {notice.map(|notice| view! { <p class="notice" role="status" tabindex="-1" autofocus=true>{notice}</p> })}
        <h2>"Gelombang baru"</h2>
        <form method="post" action=CreateWave::url() class="wave-form">
            <TextField id="name" name="name".into() label="Nama gelombang" value=typed_value("name") errors=create_errors/>
            <TextField id="join_opens" name="join_opens".into() label="Pendaftaran gelombang dibuka (WIB)" input_type="datetime-local"
                value=typed_value("join_opens") errors=create_errors/>
            <TextField id="join_closes" name="join_closes".into() label="Pendaftaran gelombang ditutup (WIB)" input_type="datetime-local"
                value=typed_value("join_closes") errors=create_errors/>
            <TextField id="quota" name="quota".into() label="Kuota (jumlah peserta terpilih)" inputmode="numeric"
                value=typed_value("quota") errors=create_errors/>
            <TextField id="balance" name="balance".into() label="Saldo pelatihan per peserta (Rp)" inputmode="numeric"
                value={if carried { typed_value("balance") } else { "1000000".to_owned() }} errors=create_errors/>
            <TextField id="first_purchase_days" name="first_purchase_days".into() label="Batas pembelian pertama (hari sejak terpilih)"
                inputmode="numeric" value={if carried { typed_value("first_purchase_days") } else { "30".to_owned() }} errors=create_errors/>
            <TextField id="seed_source" name="seed_source".into() label="Sumber seed undian"
                hint="Nilai acak publik yang BELUM ada saat ini dan diumumkan sesudah pendaftaran gelombang ditutup, contoh: hasil putaran drand nomor tertentu, atau hasil undian resmi pada tanggal tertentu. Dicatat sekarang dan tampil di halaman audit."
                value=typed_value("seed_source") errors=create_errors/>
            <div class="field">
                <input type="checkbox" id="test_carries_over" name="test_carries_over" value="ya" checked=carries_over/>
                <label for="test_carries_over">"Hasil tes lulus dari gelombang sebelumnya tetap berlaku"</label>
            </div>
            <button type="submit" class="button">"Buat gelombang"</button>
        </form>
        <h2>"Daftar gelombang"</h2>
        {super::item_list(waves, "Belum ada gelombang.", |wave| {
            let own = errors_for == Some(wave.id);
            let wave_errors = RwSignal::new(if own { errors.clone() } else { FieldErrors::new() });
            let typed_here = |name: &str| if own { typed.get(name).cloned().unwrap_or_default() } else { String::new() };
            view! { <WaveItem wave errors=wave_errors typed_tier=typed_here("tier_name") typed_seed=typed_here("seed")/> }
        })}
    }
}

#[component]
fn WaveItem(wave: ConsoleWave, errors: RwSignal<FieldErrors>, typed_tier: String, typed_seed: String) -> impl IntoView {
    let id = wave.id;
    let field_error = move |element: String| {
        errors.with(|e| e.get(&element).map(str::to_owned)).map(|message| {
            view! { <p class="field-error" id=format!("{element}-error")><span class="visually-hidden">"Kesalahan: "</span>{message}</p> }
        })
    };
    let invalid = move |element: &str| errors.with(|e| e.get(element).is_some()).then_some("true");
    let (tier_id, niks_id, seed_id) = (format!("tier_name-{id}"), format!("niks-{id}"), format!("seed-{id}"));
    let seeded = wave.seed.is_some();
    let drawn = wave.drawn.is_some();
    view! {
        <li class="queue-item wave-item" data-wave=wave.name.clone()>
            <h3>{wave.name.clone()}</h3>
            <p>{format!("{} · kuota {} · {} bergabung", wave.join_window, group_thousands(wave.quota as u64), group_thousands(wave.joined as u64))}</p>
            {(!wave.tiers.is_empty()).then(|| view! {
                <ul>{wave.tiers.iter().map(|(tier, name, niks)| view! {
                    <li>{format!("Prioritas {tier}: {name} ({} NIK)", group_thousands(*niks as u64))}</li>
                }).collect_view()}</ul>
            })}
            <p><a href=crate::paths::audit_path(id)>"Halaman audit publik"</a></p>
            {(!seeded).then(|| view! {
                <details open=errors.with_untracked(|e| e.get(&tier_id).is_some() || e.get(&niks_id).is_some())>
                    <summary>"Tambah daftar prioritas (NIK)"</summary>
                    <form method="post" action=AddPriorityTier::url()>
                        <input type="hidden" name="wave_id" value=id.to_string()/>
                        <WaveInput id=tier_id.clone() name="tier_name" label="Nama prioritas" typed=typed_tier errors/>
                        <div class="field">
                            <label for=niks_id.clone()>"NIK, satu per baris"</label>
                            {field_error(niks_id.clone())}
                            <textarea id=niks_id.clone() name="niks" rows="5" aria-invalid=invalid(&niks_id)></textarea>
                        </div>
                        <button type="submit" class="button">"Tambah prioritas"</button>
                    </form>
                </details>
            })}
            {(wave.joining_closed && !seeded).then(|| view! {
                <form method="post" action=EnterWaveSeed::url()>
                    <input type="hidden" name="wave_id" value=id.to_string()/>
                    <WaveInput id=seed_id name="seed" label="Seed (persis seperti diumumkan sumbernya)" typed=typed_seed errors/>
                    <button type="submit" class="button">"Catat seed"</button>
                </form>
            })}
            {wave.seed.clone().map(|seed| view! { <p>"Seed: "<code class="digest">{seed}</code></p> })}
            {(seeded && !drawn).then(|| view! {
                <form method="post" action=CloseWave::url()>
                    <input type="hidden" name="wave_id" value=id.to_string()/>
                    <button type="submit" class="button">"Tutup dan undi"</button>
                </form>
            })}
            {wave.drawn.map(|at| view! { <p>{format!("Diundi {at}.")}</p> })}
            {drawn.then(|| {
                let (state, text) = if wave.cards_pending > 0 {
                    ("diterbitkan", format!("Kartu peserta terpilih sedang diterbitkan: {} lagi.", group_thousands(wave.cards_pending as u64)))
                } else {
                    ("selesai", "Semua kartu peserta terpilih sudah diterbitkan.".to_owned())
                };
                view! { <p data-cards=state>{text}</p> }
            })}
            {(!seeded && !wave.joining_closed).then(|| view! { <p class="hint">"Seed dicatat sesudah pendaftaran gelombang ditutup."</p> })}
            <FieldErrorSlot errors/>
        </li>
    }
}

/// A labelled input of one wave's form: its id carries the wave's ("seed-3"), so an error comes
/// back beside the right wave.
#[component]
fn WaveInput(
    id: String,
    name: &'static str,
    label: &'static str,
    typed: String,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let error = errors.with(|e| e.get(&id).map(str::to_owned));
    let invalid = error.is_some().then_some("true");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {error.map(|message| view! {
                <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Kesalahan: "</span>{message}</p>
            })}
            <input id=id.clone() name=name value=typed aria-invalid=invalid/>
        </div>
    }
}

/// A problem of this wave's forms that belongs to no field (the close refused).
#[component]
fn FieldErrorSlot(errors: RwSignal<FieldErrors>) -> impl IntoView {
    view! { <FieldError id=crate::forms::FORM_ERROR errors/> }
}
