//! The funnel: how many registered, were verified or rejected (and why), took the test and
//! passed, per registration day (WIB).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ConsolePage;
use crate::error::AppError;

/// Days shown, newest first.
const DAYS: i64 = 31;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelDay {
    pub day: String,
    pub registered: i64,
    pub awaiting_checks: i64,
    /// Of those awaiting checks: the civil registry did not answer; their checks will be retried.
    pub waiting_for_registry: i64,
    pub verified: i64,
    pub rejected: i64,
    pub manual: i64,
    pub tested: i64,
    pub passed: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectionsByReason {
    pub day: String,
    pub reason: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    pub days: Vec<FunnelDay>,
    pub rejections: Vec<RejectionsByReason>,
}

#[server(prefix = "/api", endpoint = "funnel")]
pub async fn load_funnel() -> Result<ConsolePage<Funnel>, AppError> {
    // No form posts here: nothing was left for the page.
    let (state, operator, flash) = super::open_page(super::ANY_OPERATOR, &[]).await?;
    let since = state.clock.now() - chrono::Duration::days(DAYS);
    let days = sqlx::query!(
        r#"select (a.registered_at at time zone 'Asia/Jakarta')::date as "day!",
                  count(*) as "registered!",
                  count(*) filter (where v.status is null) as "awaiting!",
                  count(*) filter (where v.status is null and j.last_error = $2) as "waiting_for_registry!",
                  count(*) filter (where v.status = 'terverifikasi') as "verified!",
                  count(*) filter (where v.status = 'ditolak') as "rejected!",
                  count(*) filter (where v.status = 'periksa-manual') as "manual!",
                  count(*) filter (where exists (select 1 from test_attempts t
                      where t.applicant_id = a.id and t.finished_at is not null)) as "tested!",
                  count(*) filter (where exists (select 1 from test_attempts t
                      where t.applicant_id = a.id and t.passed)) as "passed!"
           from applicants a left join verifications v on v.applicant_id = a.id
                left join verification_jobs j on j.applicant_id = a.id
           where a.registered_at >= $1
           group by 1 order by 1 desc"#,
        since,
        crate::verification::jobs::WAITING_FOR_REGISTRY
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| FunnelDay {
        day: r.day.format("%d-%m-%Y").to_string(),
        registered: r.registered,
        awaiting_checks: r.awaiting,
        waiting_for_registry: r.waiting_for_registry,
        verified: r.verified,
        rejected: r.rejected,
        manual: r.manual,
        tested: r.tested,
        passed: r.passed,
    })
    .collect();
    let rejections = sqlx::query!(
        r#"select (a.registered_at at time zone 'Asia/Jakarta')::date as "day!", reason as "reason!", count(*) as "count!"
           from verifications v join applicants a on a.id = v.applicant_id, unnest(v.reasons) as reason
           where v.status = 'ditolak' and a.registered_at >= $1
           group by 1, 2 order by 1 desc, 3 desc"#,
        since
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| RejectionsByReason {
        day: r.day.format("%d-%m-%Y").to_string(),
        reason: crate::verification::Reason::parse(&r.reason)
            .map(crate::verification::Reason::title)
            .unwrap_or(r.reason),
        count: r.count,
    })
    .collect();
    Ok(ConsolePage::new(operator.identity, flash, Funnel { days, rejections }))
}

#[component]
pub fn FunnelPage() -> impl IntoView {
    super::console_page(super::FUNNEL, load_funnel, |_, funnel| {
        view! {
            <p>{format!("Per hari pendaftaran (WIB), {DAYS} hari terakhir. Yang menunggu Dukcapil: layanan Dukcapil tidak \
                menjawab saat diperiksa; pemeriksaan diulang otomatis dan tidak ada yang ditolak karenanya.")}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Corong per hari">
                <table class="funnel">
                    <thead><tr>
                        <th scope="col">"Tanggal"</th><th scope="col">"Terdaftar"</th>
                        <th scope="col">"Menunggu pemeriksaan"</th>
                        <th scope="col">"Di antaranya menunggu Dukcapil"</th><th scope="col">"Terverifikasi"</th>
                        <th scope="col">"Ditolak"</th><th scope="col">"Diperiksa petugas"</th>
                        <th scope="col">"Ikut tes"</th><th scope="col">"Lulus tes"</th>
                    </tr></thead>
                    <tbody>
                        {funnel.days.into_iter().map(|d| view! {
                            <tr>
                                <th scope="row">{d.day}</th><td>{d.registered}</td><td>{d.awaiting_checks}</td>
                                <td>{d.waiting_for_registry}</td>
                                <td>{d.verified}</td><td>{d.rejected}</td><td>{d.manual}</td>
                                <td>{d.tested}</td><td>{d.passed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <h2>"Ditolak menurut alasan"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Penolakan menurut alasan">
                <table class="funnel">
                    <thead><tr><th scope="col">"Tanggal"</th><th scope="col">"Alasan"</th><th scope="col">"Jumlah"</th></tr></thead>
                    <tbody>
                        {funnel.rejections.into_iter().map(|r| view! {
                            <tr><th scope="row">{r.day}</th><td class="text">{r.reason}</td><td>{r.count}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    })
}
