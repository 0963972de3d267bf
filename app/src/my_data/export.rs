//! The document of everything held about one account, and its downloads (JSON and PDF). Each
//! download is audited (`data_subject.export`) and budgeted: it is the whole file on someone.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};

use crate::state::AppState;

/// Downloads per account a day.
pub const EXPORTS_PER_DAY: crate::rate_limit::Limit = crate::rate_limit::Limit {
    name: "my-data-export",
    max_hits: 20,
    window: chrono::Duration::hours(24),
};

pub mod db {
    use sqlx::PgPool;
    use uuid::Uuid;

    use crate::error::AppError;

    /// Everything held about `account_id`, as one JSON document (its keys are `SECTIONS`').
    /// Rows go in whole (`to_jsonb`), less the keys that only join tables together.
    pub async fn document(pool: &PgPool, account_id: Uuid) -> Result<serde_json::Value, AppError> {
        let document = sqlx::query_scalar!(
            r#"with me as (select id, reference from applicants where account_id = $1)
               select jsonb_build_object(
                   'akun', (select jsonb_build_object('email', u.email, 'dibuat', u.created_at)
                            from accounts u where u.id = $1),
                   'draf_pendaftaran', (select jsonb_build_object('updated_at', d.updated_at, 'draft', d.draft)
                                        from signup_drafts d where d.account_id = $1),
                   'pendaftaran', (select to_jsonb(a) - 'id' - 'account_id' from applicants a where a.account_id = $1),
                   'verifikasi', (select coalesce(jsonb_agg(to_jsonb(v) - 'applicant_id' - 'decided_by'), '[]')
                                  from verifications v where v.applicant_id in (select id from me)),
                   'sanggahan_nik', (select coalesce(jsonb_agg(jsonb_build_object(
                                         'nomor_sanggahan', d.reference, 'statement', d.statement, 'filed_at', d.filed_at,
                                         'status', d.status, 'decided_at', d.decided_at,
                                         'decision_note', d.decision_note) order by d.filed_at), '[]')
                                     from nik_disputes d where d.claimant_account_id = $1),
                   'tes', (select coalesce(jsonb_agg(jsonb_build_object(
                               'wave', w.name, 'started_at', t.started_at, 'finished_at', t.finished_at,
                               'ability_score', t.ability_score, 'ability_total', t.ability_total,
                               'motivation_score', t.motivation_score, 'pass_mark', t.pass_mark,
                               'passed', t.passed) order by t.started_at), '[]')
                           from test_attempts t join waves w on w.id = t.wave_id
                           where t.applicant_id in (select id from me)),
                   'gelombang', (select coalesce(jsonb_agg(jsonb_build_object(
                                     'wave', w.name, 'joined_at', e.joined_at, 'drawn_at', w.drawn_at,
                                     'rank', (select b.ranks[array_position(b.draw_ids, e.draw_id)]
                                              from wave_rank_blocks b
                                              where b.wave_id = e.wave_id and b.first_draw_id <= e.draw_id
                                              order by b.first_draw_id desc limit 1),
                                     'failed_check', (select i.failed_check from wave_ineligible i
                                                      where i.wave_id = e.wave_id and i.draw_id = e.draw_id),
                                     'selected', exists (select 1 from cards c
                                                         where c.applicant_id = e.applicant_id and c.wave_id = e.wave_id)
                                 ) order by e.joined_at), '[]')
                                 from wave_entries e join waves w on w.id = e.wave_id
                                 where e.applicant_id in (select id from me)),
                   'kartu', (select coalesce(jsonb_agg(to_jsonb(c) - 'id' - 'applicant_id' - 'wave_id'), '[]')
                             from cards c where c.applicant_id in (select id from me)),
                   'pembelian', (select coalesce(jsonb_agg(jsonb_build_object(
                                     'training', t.title, 'platform', pl.name, 'price', p.price,
                                     'voucher_code', p.voucher_code, 'purchased_at', p.purchased_at,
                                     'started_at', p.started_at, 'progress_percent', p.progress_percent,
                                     'completed_at', p.completed_at) order by p.purchased_at), '[]')
                                 from purchases p join cards c on c.id = p.card_id
                                 join trainings t on t.id = p.training_id join platforms pl on pl.code = t.platform_code
                                 where c.applicant_id in (select id from me)),
                   'sertifikat', (select coalesce(jsonb_agg(jsonb_build_object(
                                      'code', x.code, 'training', t.title, 'issued_at', x.issued_at,
                                      'revoked_at', x.revoked_at, 'revoked_reason', x.revoked_reason)
                                      order by x.issued_at), '[]')
                                  from certificates x join purchases p on p.id = x.purchase_id
                                  join cards c on c.id = p.card_id join trainings t on t.id = p.training_id
                                  where c.applicant_id in (select id from me)),
                   'ulasan', (select coalesce(jsonb_agg(jsonb_build_object(
                                  'training', t.title, 'training_stars', r.training_stars,
                                  'service_stars', r.service_stars, 'body', r.body, 'written_at', r.written_at,
                                  'hidden_at', r.hidden_at, 'hidden_reason', r.hidden_reason) order by r.written_at), '[]')
                              from reviews r join purchases p on p.id = r.purchase_id
                              join cards c on c.id = p.card_id join trainings t on t.id = p.training_id
                              where c.applicant_id in (select id from me)),
                   'jadwal_insentif', (select coalesce(jsonb_agg(to_jsonb(s) - 'applicant_id' - 'review_purchase_id'), '[]')
                                       from incentive_schedules s where s.applicant_id in (select id from me)),
                   'angsuran_insentif', (select coalesce(jsonb_agg(to_jsonb(i) - 'applicant_id' order by i.installment), '[]')
                                         from incentive_installments i where i.applicant_id in (select id from me)),
                   'rekening_pencairan', (select coalesce(jsonb_agg(to_jsonb(a) - 'id' - 'applicant_id' - 'decided_by'
                                                                    order by a.linked_at), '[]')
                                          from payout_accounts a where a.applicant_id in (select id from me)),
                   'transfer_insentif', (select coalesce(jsonb_agg(to_jsonb(t) - 'applicant_id' - 'payout_account_id'
                                                                   order by t.requested_at), '[]')
                                         from incentive_transfers t where t.applicant_id in (select id from me)),
                   'pengaduan', (select coalesce(jsonb_agg(jsonb_build_object(
                                     'nomor_pengaduan', c.reference, 'category', c.category, 'about', c.about_summary,
                                     'body', c.body, 'filed_at', c.filed_at, 'answer_due_at', c.answer_due_at,
                                     'closed_at', c.closed_at, 'outcome', c.outcome) order by c.filed_at), '[]')
                                 from complaints c where c.account_id = $1),
                   'permintaan_penghapusan', (select coalesce(jsonb_agg(jsonb_build_object(
                                                  'requested_at', d.requested_at, 'carried_out_at', d.carried_out_at)
                                                  order by d.requested_at), '[]')
                                              from deletion_requests d where d.account_id = $1),
                   'catatan_audit', (select coalesce(jsonb_agg(jsonb_build_object(
                                         'at', l.at, 'actor', l.actor, 'action', l.action, 'subject', l.subject)
                                         order by l.id), '[]')
                                     from audit_log l, me
                                     where l.subject = me.reference or l.actor = 'peserta:' || me.reference)
               ) as "document!""#,
            account_id
        )
        .fetch_one(pool)
        .await?;
        Ok(document)
    }
}

/// The two forms the document is downloaded in.
#[derive(Clone, Copy)]
enum Format {
    Json,
    Pdf,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Pdf => "pdf",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Pdf => "application/pdf",
        }
    }
}

/// One download: the signed-in account's document in `format`, counted against its budget and
/// audited; a personal file, never kept by a cache or the service worker.
async fn download(state: &AppState, headers: &HeaderMap, format: Format) -> Result<Response, Response> {
    let account_id = match crate::session::account_of_headers(state, headers).await {
        Ok(Some(account_id)) => account_id,
        Ok(None) => return Err(Redirect::to(crate::paths::SIGN_IN_PATH).into_response()),
        Err(error) => return Err(error.into_response()),
    };
    match crate::rate_limit::hit(state, &EXPORTS_PER_DAY, &account_id.to_string()).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            let message = "Anda sudah 20 kali mengunduh data hari ini. Coba lagi besok.";
            return Err((StatusCode::TOO_MANY_REQUESTS, message).into_response());
        }
        Err(error) => return Err(error.into_response()),
    }
    let internal = |error: crate::error::AppError| error.into_response();
    let (actor, subject) = crate::audit::person(&state.pool, account_id).await.map_err(internal)?;
    crate::audit::record(
        &state.pool,
        &actor,
        "data_subject.export",
        &subject,
        None,
        Some(serde_json::json!({ "format": format.extension() })),
    )
    .await
    .map_err(internal)?;
    let document = db::document(&state.pool, account_id).await.map_err(internal)?;
    // The file is named by the registration number (an account without one: "akun").
    let name = if subject.starts_with("akun:") {
        "akun"
    } else {
        subject.as_str()
    };
    let body = match format {
        Format::Json => serde_json::to_vec_pretty(&document).unwrap_or_default(),
        Format::Pdf => {
            let made = crate::domain::wib::format_wib(state.clock.now());
            super::pdf::document(
                &format!("Data saya · {name} · dibuat {made}"),
                &super::sections(&document),
            )
        }
    };
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"data-saya-{name}.{}\"",
        format.extension()
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from(body),
    )
        .into_response())
}

/// `GET /dasbor/data-saya.json`.
pub async fn json_download(State(state): State<AppState>, headers: HeaderMap) -> Response {
    download(&state, &headers, Format::Json)
        .await
        .unwrap_or_else(|answer| answer)
}

/// `GET /dasbor/data-saya.pdf`.
pub async fn pdf_download(State(state): State<AppState>, headers: HeaderMap) -> Response {
    download(&state, &headers, Format::Pdf)
        .await
        .unwrap_or_else(|answer| answer)
}
