//! The applicant's dashboard: where they are in the journey.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{complaint::About, VerificationStatus},
    error::AppError,
};

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
    /// `None` while the automatic checks have not run yet.
    pub verification: Option<VerificationStatus>,
    /// The checks could not reach the civil registry yet; they are retried by themselves.
    pub waiting_for_registry: bool,
    /// (title, explanation) of each reason for a refusal or a manual check.
    pub reasons: Vec<(String, String)>,
    /// The latest test result: (passed, "11 dari 14").
    pub test: Option<(bool, String)>,
    /// How many stages of `JOURNEY` are done.
    pub stages_done: usize,
    pub wave: crate::waves::WavePanelData,
    /// Said once, after joining a wave.
    pub wave_notice: Option<String>,
    pub training: TrainingPanelData,
    /// The applicant's complaints in words ("1 menunggu jawaban, 1 dijawab"), when there are any.
    pub complaints: Option<String>,
}

/// Finished trainings, their certificates and the incentive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingPanelData {
    /// (training title, certificate code, reviewed) of each finished training.
    pub certificates: Vec<(String, String, bool)>,
    pub incentive: Option<crate::incentive::IncentiveStanding>,
}

#[cfg(feature = "ssr")]
async fn training_panel(pool: &sqlx::PgPool, account_id: uuid::Uuid) -> Result<TrainingPanelData, AppError> {
    let certificates = sqlx::query!(
        r#"select t.title, c.code, exists (select 1 from reviews r where r.purchase_id = p.id) as "reviewed!"
           from certificates c join purchases p on p.id = c.purchase_id join trainings t on t.id = p.training_id
           join cards k on k.id = p.card_id join applicants a on a.id = k.applicant_id
           where a.account_id = $1 and c.revoked_at is null order by c.issued_at"#,
        account_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.title, r.code, r.reviewed))
    .collect();
    Ok(TrainingPanelData {
        certificates,
        incentive: crate::incentive::db::standing(pool, account_id).await?,
    })
}

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<Option<Dashboard>, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::DASHBOARD_PATH).await?;
    let row = sqlx::query!(
        r#"select a.reference, a.full_name, a.nik, a.registered_at, v.status as "status?", v.reasons as "reasons?",
                  t.passed as "passed?", t.ability_score as "score?", t.ability_total as "total?",
                  coalesce(j.last_error = $2, false) as "waiting_for_registry!"
           from applicants a
           left join verifications v on v.applicant_id = a.id
           left join verification_jobs j on j.applicant_id = a.id
           left join lateral (select passed, ability_score, ability_total from test_attempts
                              where applicant_id = a.id and finished_at is not null
                              order by finished_at desc limit 1) t on true
           where a.account_id = $1"#,
        account_id,
        crate::verification::jobs::WAITING_FOR_REGISTRY
    )
    .fetch_optional(&state.pool)
    .await?;
    let wave = match &row {
        Some(_) => crate::waves::db::standing(&state.pool, account_id, state.clock.now()).await?,
        None => crate::waves::WavePanelData::nothing(),
    };
    let wave_notice = crate::waves::take_join_notice(&state, &session).await?;
    let training = match &row {
        Some(_) => training_panel(&state.pool, account_id).await?,
        None => TrainingPanelData::default(),
    };
    let complaints = crate::complaints::db::standing(&state.pool, account_id).await?;
    Ok(row.map(|r| {
        let verification = r.status.as_deref().and_then(|s| VerificationStatus::parse(s).ok());
        let test = match (r.passed, r.score, r.total) {
            (Some(passed), Some(score), Some(total)) => Some((passed, format!("{score} dari {total}"))),
            _ => None,
        };
        let verified = verification == Some(VerificationStatus::Verified);
        let passed = test.as_ref().is_some_and(|(passed, _)| *passed);
        Dashboard {
            reference: r.reference,
            full_name: r.full_name,
            masked_nik: crate::domain::Nik::parse(&r.nik)
                .map(|n| n.masked())
                .unwrap_or_default(),
            registered_at: crate::domain::wib::format_wib(r.registered_at),
            verification,
            waiting_for_registry: r.waiting_for_registry,
            reasons: r
                .reasons
                .unwrap_or_default()
                .iter()
                .filter_map(|code| crate::domain::Reason::parse(code))
                .map(|reason| (reason.title(), reason.explanation()))
                .collect(),
            test,
            complaints,
            stages_done: {
                let (joined, selected) = wave.stages();
                let before_wave = 1 + usize::from(verified) + usize::from(verified && passed);
                let finished = !training.certificates.is_empty();
                let reviewed = training.certificates.iter().any(|(_, _, reviewed)| *reviewed);
                let through_draw =
                    before_wave + usize::from(before_wave == 3 && joined) + usize::from(before_wave == 3 && selected);
                through_draw + usize::from(through_draw == 5 && finished) + usize::from(through_draw == 5 && reviewed)
            },
            wave,
            wave_notice,
            training,
        }
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
                    <p><a class="button" href=crate::paths::FIRST_STEP_PATH>"Isi formulir pendaftaran"</a></p>
                    <p><a href=crate::paths::MY_DATA_PATH>"Data saya"</a></p>
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
                    <VerificationPanel verification=d.verification waiting_for_registry=d.waiting_for_registry
                        reasons=d.reasons.clone() test=d.test.clone()/>
                    <crate::waves::WavePanel panel=d.wave.clone() notice=d.wave_notice.clone()/>
                    <TrainingPanel panel=d.training.clone()/>
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
                    <h2>"Akun dan data Anda"</h2>
                    <p><a href=crate::paths::MY_DATA_PATH>"Data saya: lihat, unduh, betulkan kontak, atau minta penghapusan"</a></p>
                    <p><a href=crate::paths::COMPLAINTS_PATH>"Pengaduan: ajukan dan baca jawabannya"</a>
                        {d.complaints.map(|words| view! { " (" <span data-complaints="">{words}</span> ")" })}</p>
                    <crate::auth::SignOutEverywhereButton/>
                }.into_any(),
            })}
    }
}

/// Certificates of finished trainings, and the incentive they lead to.
#[component]
fn TrainingPanel(panel: TrainingPanelData) -> impl IntoView {
    let TrainingPanelData {
        certificates,
        incentive,
    } = panel;
    (!certificates.is_empty() || incentive.is_some()).then(|| view! {
        <section aria-labelledby="sertifikat-heading">
            <h2 id="sertifikat-heading">"Sertifikat dan insentif"</h2>
            <ul class="certificates">
                {certificates.into_iter().map(|(title, code, reviewed)| view! {
                    <li>
                        <strong>{title}</strong>" · sertifikat "<code>{code.clone()}</code>
                        <br/><a href=crate::paths::print_path(&code)>"Cetak"</a>
                        " · "<a href=crate::paths::pdf_path(&code) download="">"Unduh PDF"</a>
                        " · "<a href=format!("/sertifikat/{code}")>"Halaman verifikasi"</a>
                        {(!reviewed).then(|| view! { " · "<a href=crate::paths::PURCHASES_PATH>"Tulis ulasan"</a> })}
                        " · "<a href=crate::paths::new_complaint_path(&About::Certificate(code.clone()))>"Adukan"</a>
                    </li>
                }).collect_view()}
            </ul>
            {match incentive {
                None => view! {
                    <p>"Setelah pelatihan pertama selesai dan Anda menulis ulasannya, insentif pascapelatihan dijadwalkan."</p>
                }.into_any(),
                Some(incentive) => view! {
                    <dl class="facts incentive">
                        <div><dt>"Insentif"</dt><dd>{format!("{} sebulan × {} bulan", incentive.monthly, incentive.months)}</dd></div>
                        <div><dt>"Sudah dibayar"</dt><dd>{format!("{} ({} dari {} kali)", incentive.paid, incentive.paid_installments, incentive.months)}</dd></div>
                        <div><dt>"Belum dibayar"</dt><dd>{incentive.outstanding.to_string()}</dd></div>
                        {(incentive.cancelled_installments > 0).then(|| view! {
                            <div><dt>"Dibatalkan"</dt><dd>{format!("{} kali, karena sertifikat pelatihannya dicabut", incentive.cancelled_installments)}</dd></div>
                        })}
                        {incentive.next_due.map(|due| view! { <div><dt>"Pembayaran berikutnya"</dt><dd>{due}</dd></div> })}
                    </dl>
                    <p><a href=crate::paths::INCENTIVE_PATH>"Rekening pencairan dan rincian tiap pembayaran"</a></p>
                }.into_any(),
            }}
        </section>
    })
}

/// Where verification stands, and why: every refusal comes with its reasons in plain words.
#[component]
fn VerificationPanel(
    verification: Option<VerificationStatus>,
    waiting_for_registry: bool,
    reasons: Vec<(String, String)>,
    test: Option<(bool, String)>,
) -> impl IntoView {
    let reason_list = move || {
        view! {
            <ul class="reasons">
                {reasons.clone().into_iter().map(|(title, explanation)| view! {
                    <li><strong>{title}</strong><p>{explanation}</p></li>
                }).collect_view()}
            </ul>
        }
    };
    view! {
        <section class="verification" aria-labelledby="verification-heading">
            <h2 id="verification-heading">"Verifikasi"</h2>
            {match verification {
                None if waiting_for_registry => view! {
                    <p data-status="menunggu">"Data Anda belum dapat dicocokkan dengan data Dukcapil karena layanannya \
                        sedang tidak tersedia. Pemeriksaan diulang otomatis; Anda tidak perlu mendaftar ulang, dan tidak ada \
                        yang ditolak karena gangguan ini."</p>
                }.into_any(),
                None => view! {
                    <p data-status="menunggu">"Data Anda sedang diperiksa otomatis. Biasanya selesai dalam beberapa menit; muat ulang halaman ini nanti."</p>
                }.into_any(),
                Some(VerificationStatus::Verified) => view! {
                    <p data-status="terverifikasi">"Data Anda terverifikasi."</p>
                    {match test {
                        None => view! {
                            <p>"Langkah berikutnya: tes kemampuan dasar dan motivasi (18 soal, 25 menit)."</p>
                            <p><a class="button" href=crate::paths::TEST_PATH>"Ikuti tes"</a></p>
                        }.into_any(),
                        Some((passed, score)) => view! {
                            <p>{format!("Hasil tes: {} (nilai {score}).", if passed { "lulus" } else { "belum lulus" })}</p>
                            <p><a href=crate::paths::TEST_PATH>"Lihat hasil tes"</a>
                                " · "<a href=crate::paths::new_complaint_path(&About::Test)>"Ajukan pengaduan tentang tes"</a></p>
                        }.into_any(),
                    }}
                }.into_any(),
                Some(VerificationStatus::Rejected) => view! {
                    <p data-status="ditolak">"Maaf, pendaftaran Anda tidak dapat diterima karena:"</p>
                    {reason_list()}
                    <p>"Jika menurut Anda ada kekeliruan: "
                        <a href=crate::paths::new_complaint_path(&About::Verification)>"ajukan pengaduan tentang verifikasi ini"</a>"."</p>
                }.into_any(),
                Some(VerificationStatus::Manual) => view! {
                    <p data-status="periksa-manual">"Data Anda diperiksa oleh petugas karena:"</p>
                    {reason_list()}
                    <p><a href=crate::paths::new_complaint_path(&About::Verification)>"Ajukan pengaduan tentang verifikasi ini"</a></p>
                }.into_any(),
            }}
        </section>
    }
}
