//! The public pages of waves: the list, and each wave's audit page (the pool digest, the seed
//! and its source, the algorithm, the counts per tier, the result digest and the downloads).
//! No sign-in: anyone can check a draw.

use crate::paths::{audit_path, pool_file_path, result_file_path, WAVES_PATH};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::{group_thousands, FailedCheck};
use crate::{domain::Rupiah, error::AppError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveSummary {
    pub id: i32,
    pub name: String,
    pub join_window: String,
    pub quota: i64,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierLine {
    pub tier: i16,
    pub name: String,
    pub pool: i64,
    pub selected: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveAudit {
    pub id: i32,
    pub name: String,
    pub join_opens: String,
    pub join_closes: String,
    pub quota: i64,
    pub balance: Rupiah,
    pub created_at: String,
    pub seed_source: String,
    /// The seed and when it was entered.
    pub seed: Option<(String, String)>,
    pub drawn_at: Option<String>,
    pub pool_digest: Option<String>,
    pub result_digest: Option<String>,
    pub pool_size: Option<i64>,
    pub selected: Option<i64>,
    pub tiers: Vec<TierLine>,
    /// (check, how many) of those left out at the close.
    pub ineligible: Vec<(FailedCheck, i64)>,
}

/// A wave's status in words.
#[cfg(feature = "ssr")]
fn status(
    now: chrono::DateTime<chrono::Utc>,
    opens: chrono::DateTime<chrono::Utc>,
    closes: chrono::DateTime<chrono::Utc>,
    seeded: bool,
    drawn: bool,
) -> &'static str {
    if drawn {
        "Sudah diundi"
    } else if now < opens {
        "Belum dibuka"
    } else if now < closes {
        "Pendaftaran gelombang dibuka"
    } else if seeded {
        "Seed sudah dicatat, menunggu undian"
    } else {
        "Ditutup, menunggu seed"
    }
}

#[server(prefix = "/api", endpoint = "waves")]
pub async fn load_waves() -> Result<Vec<WaveSummary>, AppError> {
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let rows = sqlx::query!(
        "select id, name, join_opens_at, join_closes_at, quota, seed is not null as \"seeded!\", drawn_at
         from waves order by join_opens_at desc, id desc limit 200"
    )
    .fetch_all(state.stale_ok_pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|w| WaveSummary {
            id: w.id,
            name: w.name,
            join_window: crate::domain::wib::format_window(w.join_opens_at, w.join_closes_at),
            quota: i64::from(w.quota),
            status: status(now, w.join_opens_at, w.join_closes_at, w.seeded, w.drawn_at.is_some()).to_owned(),
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "wave-audit")]
pub async fn load_wave_audit(wave_id: i32) -> Result<WaveAudit, AppError> {
    let state = crate::state::app_state()?;
    let wave = sqlx::query!(
        "select id, name, join_opens_at, join_closes_at, quota, balance, created_at, seed_source, seed, seed_entered_at,
                drawn_at, pool_digest, result_digest, pool_size, selected_count, tier_counts, ineligible_counts,
                general_tier
         from waves where id = $1",
        wave_id
    )
    .fetch_optional(state.stale_ok_pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let names: Vec<(i16, String)> = sqlx::query!(
        "select tier, name from wave_tiers where wave_id = $1 order by tier",
        wave_id
    )
    .fetch_all(state.stale_ok_pool())
    .await?
    .into_iter()
    .map(|t| (t.tier, t.name))
    .collect();
    let counts = wave.tier_counts.unwrap_or_default();
    let count = |tier: i16, key: &str| {
        counts
            .get(tier.to_string())
            .and_then(|c| c.get(key))
            .and_then(|n| n.as_i64())
    };
    let general = wave
        .general_tier
        .unwrap_or_else(|| names.last().map_or(1, |(tier, _)| tier + 1));
    let tiers = names
        .into_iter()
        .chain(std::iter::once((general, "Umum (semua pendaftar lain)".to_owned())))
        .map(|(tier, name)| TierLine {
            tier,
            name,
            pool: count(tier, "pool").unwrap_or(0),
            selected: count(tier, "selected").unwrap_or(0),
        })
        .collect();
    let ineligible_counts = wave.ineligible_counts.unwrap_or_default();
    let ineligible = FailedCheck::ALL
        .into_iter()
        .filter_map(|check| {
            ineligible_counts
                .get(check.code())
                .and_then(|n| n.as_i64())
                .map(|n| (check, n))
        })
        .collect();
    let format = crate::domain::wib::format_wib;
    Ok(WaveAudit {
        id: wave.id,
        name: wave.name,
        join_opens: format(wave.join_opens_at),
        join_closes: format(wave.join_closes_at),
        quota: i64::from(wave.quota),
        balance: Rupiah::from_whole(wave.balance).ok_or_else(|| AppError::internal("balance out of range"))?,
        created_at: format(wave.created_at),
        seed_source: wave.seed_source,
        seed: wave.seed.zip(wave.seed_entered_at.map(format)),
        drawn_at: wave.drawn_at.map(format),
        pool_digest: wave.pool_digest,
        result_digest: wave.result_digest,
        pool_size: wave.pool_size.map(i64::from),
        selected: wave.selected_count.map(i64::from),
        tiers,
        ineligible,
    })
}

#[component]
pub fn WavesPage() -> impl IntoView {
    let waves = Resource::new_blocking(|| (), |_| load_waves());
    view! {
        <Title text="Gelombang dan undian — Prakerja"/>
        <h1>"Gelombang dan undian"</h1>
        <p>"Setiap gelombang diundi dengan cara yang dapat diperiksa siapa saja: daftar peserta undian (tanpa data pribadi), seed, dan hasilnya dapat diunduh dan dihitung ulang."</p>
        {crate::forms::loaded(waves, |waves| if waves.is_empty() {
            view! { <p>"Belum ada gelombang."</p> }.into_any()
        } else {
            view! {
                <ul class="queue">{waves.into_iter().map(|w| view! {
                    <li class="queue-item">
                        <a href=audit_path(w.id)><strong>{w.name}</strong></a>
                        <br/>{format!("{} · kuota {} · {}", w.join_window, group_thousands(w.quota as u64), w.status)}
                    </li>
                }).collect_view()}</ul>
            }.into_any()
        })}
    }
}

#[component]
pub fn WaveAuditPage() -> impl IntoView {
    let params = use_params_map();
    let audit = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok())),
        |id| async move {
            match id {
                Some(id) => load_wave_audit(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Audit undian gelombang — Prakerja"/>
        {crate::forms::loaded(audit, |audit| view! { <AuditBody audit/> })}
    }
}

#[component]
fn AuditBody(audit: WaveAudit) -> impl IntoView {
    let number = |n: i64| group_thousands(n.max(0) as u64);
    let verify_command = match (&audit.seed, &audit.pool_digest, &audit.result_digest) {
        (Some((seed, _)), Some(pool), Some(result)) => Some(format!(
            "prakerja-verify --pool pool.csv --seed '{}' --quota {} --result hasil.csv --pool-digest {pool} --result-digest {result}",
            seed.replace('\'', "'\\''"),
            audit.quota
        )),
        _ => None,
    };
    view! {
        <h1>{format!("Audit undian: {}", audit.name)}</h1>
        <p><a href=WAVES_PATH>"Semua gelombang"</a></p>
        <dl class="facts audit-facts">
            <div><dt>"Pendaftaran gelombang"</dt><dd>{format!("{} sampai {}", audit.join_opens, audit.join_closes)}</dd></div>
            <div><dt>"Kuota"</dt><dd>{number(audit.quota)}</dd></div>
            <div><dt>"Saldo pelatihan per peserta"</dt><dd>{audit.balance.to_string()}</dd></div>
            <div><dt>"Sumber seed (diumumkan saat gelombang dibuat)"</dt><dd>{audit.seed_source} <span class="hint">{format!(" — dicatat {}", audit.created_at)}</span></dd></div>
            <div><dt>"Seed"</dt><dd>{match audit.seed.clone() {
                Some((seed, at)) => view! { <code class="digest" data-field="seed">{seed}</code><span class="hint">{format!(" — dicatat {at}")}</span> }.into_any(),
                None => view! { <span>"Belum dicatat (dicatat sesudah pendaftaran gelombang ditutup)."</span> }.into_any(),
            }}</dd></div>
            <div><dt>"Diundi"</dt><dd>{audit.drawn_at.clone().unwrap_or_else(|| "Belum".into())}</dd></div>
            <div><dt>"Digest pool (SHA-256)"</dt><dd><code class="digest" data-field="pool-digest">{audit.pool_digest.clone().unwrap_or_else(|| "—".into())}</code></dd></div>
            <div><dt>"Digest hasil (SHA-256)"</dt><dd><code class="digest" data-field="result-digest">{audit.result_digest.clone().unwrap_or_else(|| "—".into())}</code></dd></div>
        </dl>
        <h2>"Per prioritas"</h2>
        <p class="hint">"Prioritas dilayani berurutan: semua pendaftar prioritas 1 lebih dulu, lalu prioritas 2, dan seterusnya sampai kuota terisi."</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Jumlah per prioritas">
            <table class="funnel">
                <thead><tr><th scope="col">"Prioritas"</th><th scope="col">"Dalam pool"</th><th scope="col">"Terpilih"</th></tr></thead>
                <tbody>{audit.tiers.iter().map(|t| view! {
                    <tr><th scope="row">{format!("{}. {}", t.tier, t.name)}</th><td>{number(t.pool)}</td><td>{number(t.selected)}</td></tr>
                }).collect_view()}</tbody>
                {audit.pool_size.zip(audit.selected).map(|(pool, selected)| view! {
                    <tfoot><tr><th scope="row">"Jumlah"</th><td data-field="pool-size">{number(pool)}</td><td data-field="selected">{number(selected)}</td></tr></tfoot>
                })}
            </table>
        </div>
        {(!audit.ineligible.is_empty()).then(|| view! {
            <h2>"Tidak diikutkan karena pemeriksaan ulang saat penutupan"</h2>
            <ul>{audit.ineligible.iter().map(|(check, n)| view! { <li>{format!("{}: {}", check.title(), number(*n))}</li> }).collect_view()}</ul>
        })}
        {audit.pool_digest.is_some().then(|| view! {
            <h2>"Unduh dan periksa sendiri"</h2>
            <ul>
                <li><a href=pool_file_path(audit.id) download="pool.csv">"Pool (nomor undian dan prioritas), pool.csv"</a></li>
                <li><a href=result_file_path(audit.id) download="hasil.csv">"Hasil (yang terpilih, urut peringkat), hasil.csv"</a></li>
            </ul>
            <p>"Hitung ulang dengan pemeriksa mandiri dari repositori portal (tanpa basis data):"</p>
            <pre class="command"><code>{verify_command.clone()}</code></pre>
        })}
        <h2>"Cara undian"</h2>
        <ol class="algorithm">
            <li>"Saat gelombang ditutup, syarat diperiksa ulang (verifikasi, daftar pengecualian, sudah menjadi peserta). Yang lolos membentuk pool: nomor undian acak 16 digit heksadesimal (bukan NIK) dan prioritasnya."</li>
            <li>"Berkas pool: baris pertama draw_id,tier lalu satu baris <nomor undian>,<prioritas> per pendaftar, urut nomor undian, setiap baris diakhiri \\n. Digest pool = SHA-256 berkas itu."</li>
            <li>"Sumber seed diumumkan saat gelombang dibuat; nilainya dicatat sesudah pendaftaran gelombang ditutup, sehingga tidak ada yang dapat memilih seed untuk pool tertentu."</li>
            <li>"Kunci setiap pendaftar = SHA-256(seed + \":\" + nomor undian). Urutan: prioritas, lalu kunci (sebagai byte), lalu nomor undian. Peringkat 1 sampai kuota terpilih."</li>
            <li>"Berkas hasil: baris pertama rank,draw_id,tier lalu satu baris per yang terpilih, urut peringkat. Digest hasil = SHA-256 berkas itu."</li>
        </ol>
    }
}
