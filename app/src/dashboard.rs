//! The applicant's dashboard: where they are in the journey.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const DASHBOARD_PATH: &str = "/dasbor";

/// The journey of the program, in order (PROGRAM.md).
pub const JOURNEY: [(&str, &str); 7] = [
    ("Terdaftar", "Data pendaftaran Anda sudah kami terima."),
    (
        "Verifikasi",
        "Kami memeriksa data Anda dengan data kependudukan dan daftar pengecualian.",
    ),
    ("Tes", "Tes singkat kemampuan dasar dan motivasi, sekitar 25 menit."),
    ("Gelombang", "Bergabung dengan gelombang yang sedang dibuka."),
    ("Terpilih", "Hasil undian gelombang yang dapat diperiksa siapa saja."),
    ("Pelatihan", "Memilih dan mengikuti pelatihan daring di platform mitra."),
    ("Sertifikat", "Sertifikat elektronik dan ulasan jujur Anda."),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub reference: String,
    pub full_name: String,
    pub masked_nik: String,
    pub registered_at: String,
    /// How many stages of `JOURNEY` are done.
    pub stages_done: usize,
}

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<Option<Dashboard>, AppError> {
    let state = crate::state::app_state()?;
    let (_, account_id) = crate::auth::session::require_account(&state, DASHBOARD_PATH).await?;
    let row = sqlx::query!(
        "select reference, full_name, nik, registered_at from applicants where account_id = $1",
        account_id
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(|r| Dashboard {
        reference: r.reference,
        full_name: r.full_name,
        masked_nik: crate::domain::Nik::parse(&r.nik)
            .map(|n| n.masked())
            .unwrap_or_default(),
        registered_at: crate::registration::format_wib(r.registered_at),
        stages_done: 1,
    }))
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_dashboard());
    let just_registered = move || use_query_map().with(|q| q.get("baru").is_some());
    view! {
        <Title text="Dasbor — Prakerja"/>
        <h1>"Dasbor"</h1>
        {crate::forms::loaded(page, move |dashboard| match dashboard {
                None => view! {
                    <p>"Anda belum mengirim formulir pendaftaran."</p>
                    <p><a class="button" href=crate::signup::FIRST_STEP_PATH>"Isi formulir pendaftaran"</a></p>
                }.into_any(),
                Some(d) => view! {
                    {just_registered().then(|| view! {
                        <div class="notice notice-open" role="status">
                            <h2>"Pendaftaran berhasil"</h2>
                            <p>"Simpan nomor pendaftaran Anda. Kami akan memberi kabar lewat email setelah data Anda diverifikasi."</p>
                        </div>
                    })}
                    <dl class="summary">
                        <div><dt>"Nomor pendaftaran"</dt><dd class="reference">{d.reference}</dd></div>
                        <div><dt>"Nama"</dt><dd>{d.full_name}</dd></div>
                        <div><dt>"NIK"</dt><dd>{d.masked_nik}</dd></div>
                        <div><dt>"Terdaftar"</dt><dd>{d.registered_at}</dd></div>
                    </dl>
                    <h2>"Perjalanan Anda"</h2>
                    <ol class="journey">
                        {JOURNEY.iter().enumerate().map(|(index, (name, description))| {
                            let state = match index.cmp(&d.stages_done) {
                                std::cmp::Ordering::Less => "done",
                                std::cmp::Ordering::Equal => "current",
                                std::cmp::Ordering::Greater => "todo",
                            };
                            let status_label = match state {
                                "done" => "Selesai",
                                "current" => "Sedang berjalan",
                                _ => "Belum",
                            };
                            view! {
                                <li class={format!("journey-stage journey-{state}")} aria-current={(state == "current").then_some("step")}>
                                    <strong>{*name}</strong>
                                    <span class="journey-status">{status_label}</span>
                                    <p>{*description}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            })}
    }
}
