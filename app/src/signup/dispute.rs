//! "NIK saya dipakai orang lain": the owner of a NIK that someone else registered disputes it.
//! The dispute goes to the operators' queue (`console::disputes`); until it is decided, the
//! record holding the NIK is held (left out of every draw, no incentive paid). Filing answers
//! the same whether or not the NIK is registered, so the form is no oracle, and filings are
//! budgeted per account and per address (a dispute holds someone's record: it is not free).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FormState, ProgressiveForm, SubmissionStatus, Submitted, TextAreaField, TextField},
};

const DISPUTE_FORM: &str = "nik-dispute";

mod field {
    pub const NIK: &str = "nik";
    pub const STATEMENT: &str = "statement";
}

/// Where a dispute stands, as the claimant and the operators see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisputeStatus {
    Open,
    Granted,
    Refused,
}

impl DisputeStatus {
    pub fn code(self) -> &'static str {
        match self {
            DisputeStatus::Open => "terbuka",
            DisputeStatus::Granted => "dikabulkan",
            DisputeStatus::Refused => "ditolak",
        }
    }

    pub fn parse(code: &str) -> Option<DisputeStatus> {
        [DisputeStatus::Open, DisputeStatus::Granted, DisputeStatus::Refused]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            DisputeStatus::Open => "Sedang diperiksa petugas",
            DisputeStatus::Granted => "Dikabulkan: NIK dibebaskan, Anda dapat mendaftar dengannya",
            DisputeStatus::Refused => "Ditolak",
        }
    }
}

/// One of the account's disputes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeLine {
    pub reference: String,
    pub masked_nik: String,
    pub filed: String,
    pub status: DisputeStatus,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisputePage {
    pub nik: String,
    pub statement: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub idempotency_key: String,
    pub disputes: Vec<DisputeLine>,
}

/// The rules of the form (run on the server: the form is a plain one).
#[cfg(feature = "ssr")]
fn parse_dispute(
    nik: &str,
    statement: &str,
) -> Result<(crate::domain::Nik, crate::domain::DisputeStatement), FieldErrors> {
    use crate::domain::{DisputeStatement, Nik};
    let mut errors = FieldErrors::new();
    let nik = errors.check(field::NIK, Nik::parse(nik));
    let statement = errors.check(field::STATEMENT, DisputeStatement::parse(statement));
    match (nik, statement) {
        (Some(nik), Some(statement)) => Ok((nik, statement)),
        _ => Err(errors),
    }
}

#[server(prefix = "/api", endpoint = "nik-dispute-page")]
pub async fn load_dispute_page() -> Result<DisputePage, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::DISPUTE_PATH).await?;
    let flash = session.flash_for(&state.pool, DISPUTE_FORM).await?;
    // The NIK the applicant typed in the signup form, if any: the usual way here.
    let nik = match flash.values.get(field::NIK) {
        Some(typed) => typed.clone(),
        None => super::db::load_draft(&state.pool, account_id).await?.nik,
    };
    let disputes = db::of_account(&state.pool, account_id)
        .await?
        .into_iter()
        .map(|d| DisputeLine {
            reference: d.reference,
            masked_nik: crate::domain::Nik::parse(&d.nik)
                .map(|n| n.masked())
                .unwrap_or_default(),
            filed: crate::domain::wib::format_wib(d.filed_at),
            status: DisputeStatus::parse(&d.status).unwrap_or(DisputeStatus::Open),
            note: d.decision_note,
        })
        .collect();
    Ok(DisputePage {
        nik,
        statement: flash.values.get(field::STATEMENT).cloned().unwrap_or_default(),
        errors: flash.errors,
        notice: flash.notice,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        disputes,
    })
}

/// Files a dispute. The answer is the same whether or not the NIK is registered.
#[server(prefix = "/api", endpoint = "nik-dispute")]
pub async fn file_nik_dispute(
    #[server(default)] nik: String,
    #[server(default)] statement: String,
    idempotency_key: String,
) -> Result<Submitted, AppError> {
    crate::forms::handle_post(DISPUTE_FORM, crate::paths::DISPUTE_PATH, async |state| {
        let (session, account_id) = crate::session::require_account(state, crate::paths::DISPUTE_PATH).await?;
        let key = uuid::Uuid::parse_str(idempotency_key.trim()).map_err(|_| AppError::BadRequest)?;
        let values = crate::forms::values([(field::NIK, nik.as_str()), (field::STATEMENT, statement.as_str())]);
        let refuse = |errors: FieldErrors| {
            crate::forms::reply(
                state,
                DISPUTE_FORM,
                crate::paths::DISPUTE_PATH,
                Submitted::Invalid(errors),
                values.clone(),
            )
        };
        let (nik, statement) = match parse_dispute(&nik, &statement) {
            Ok(parsed) => parsed,
            Err(errors) => return refuse(errors).await,
        };
        let now = state.clock.now();
        // A replay of a filed dispute answers as the first post did, and costs no budget.
        let reference = match db::by_key(&state.pool, account_id, key).await? {
            Some(reference) => reference,
            None => {
                if crate::session::has_applicant(&state.pool, account_id).await? {
                    let message =
                        "Akun ini sudah terdaftar sebagai pendaftar. Sanggahan diajukan dari akun pemilik NIK \
                                   yang belum pernah mendaftar; hubungi layanan pengaduan Prakerja.";
                    return refuse(FieldErrors::single(crate::forms::FORM_ERROR, message)).await;
                }
                if let Some(wait) = filing_budget(state, account_id).await? {
                    let message = format!(
                        "Terlalu banyak sanggahan dari akun atau jaringan ini. Coba lagi dalam {} jam, atau hubungi \
                         layanan pengaduan Prakerja.",
                        wait.div_ceil(3600)
                    );
                    return refuse(FieldErrors::single(crate::forms::FORM_ERROR, message)).await;
                }
                match db::file(&state.pool, account_id, &nik, &statement, key, now).await? {
                    db::Filed::New(reference) | db::Filed::Replayed(reference) => reference,
                    db::Filed::AlreadyOpen(reference) => {
                        let message = format!(
                            "Anda sudah mengajukan sanggahan {reference} untuk NIK ini; petugas sedang memeriksanya."
                        );
                        return refuse(FieldErrors::single(field::NIK, message)).await;
                    }
                }
            }
        };
        let notice = format!(
            "Sanggahan {reference} diterima. Petugas akan memeriksanya dan mengabari Anda lewat email; selama \
                 diperiksa, pendaftaran yang memakai NIK ini ditahan."
        );
        let path = crate::paths::DISPUTE_PATH;
        crate::forms::accepted_with_notice(state, &session, DISPUTE_FORM, path, notice, Default::default()).await
    })
    .await
}

/// Seconds to wait when the account or its address has filed its share of disputes.
#[cfg(feature = "ssr")]
async fn filing_budget(state: &crate::state::AppState, account_id: uuid::Uuid) -> Result<Option<u64>, AppError> {
    use crate::rate_limit::{hit, DISPUTES_PER_ACCOUNT, DISPUTES_PER_IP};
    let by_account = hit(state, &DISPUTES_PER_ACCOUNT, &account_id.to_string()).await?;
    let network = crate::request::client_network(&state.settings);
    let by_address = hit(state, &DISPUTES_PER_IP, &network).await?;
    Ok(by_account.max(by_address))
}

#[component]
pub fn DisputePage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_dispute_page());
    view! {
        <Title text="NIK saya dipakai orang lain — Prakerja"/>
        {crate::forms::loaded(page, |page| view! { <DisputeForm page/> })}
    }
}

/// A plain server-rendered form: few applicants ever need it, so it adds nothing to the WASM
/// every applicant downloads (the server runs the same `parse_dispute`).
#[component]
fn DisputeForm(page: DisputePage) -> impl IntoView {
    let DisputePage {
        nik,
        statement,
        errors,
        notice,
        idempotency_key,
        disputes,
    } = page;
    let state = FormState::new(errors);
    let errors = state.errors;
    view! {
        <h1>"NIK saya dipakai orang lain"</h1>
        {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        <p>
            "Bila NIK Anda sudah terdaftar padahal Anda tidak pernah mendaftar, ajukan sanggahan di sini. "
            "Petugas memeriksa siapa pemilik NIK tersebut (mereka dapat menghubungi Anda untuk meminta bukti, "
            "misalnya foto KTP). Selama diperiksa, pendaftaran yang memakai NIK itu ditahan: tidak ikut diundi "
            "dan tidak menerima insentif. Bila sanggahan dikabulkan, NIK dibebaskan dan Anda dapat mendaftar."
        </p>
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=FileNikDispute::url() id=DISPUTE_FORM state>
            <input type="hidden" name="idempotency_key" value=idempotency_key/>
            <TextField id=field::NIK name=field::NIK.to_owned() label="NIK Anda" value=nik errors
                inputmode="numeric" maxlength=19 hint="16 angka yang tertera di KTP Anda."/>
            <TextAreaField id=field::STATEMENT name=field::STATEMENT.to_owned() label="Keterangan" value=statement errors
                maxlength=2000 hint="Bagaimana Anda mengetahuinya, dan cara petugas menghubungi Anda bila perlu (minimal 30 karakter)."/>
            <button type="submit" class="button">"Kirim sanggahan"</button>
        </ProgressiveForm>
        {(!disputes.is_empty()).then(|| view! {
            <h2>"Sanggahan Anda"</h2>
            <ul class="queue">{disputes.into_iter().map(|d| view! {
                <li class="queue-item">
                    <strong>{format!("{} · NIK {}", d.reference, d.masked_nik)}</strong>
                    <br/>{format!("Diajukan {} · {}", d.filed, d.status.label())}
                    {d.note.map(|note| view! { <p>{format!("Catatan petugas: {note}")}</p> })}
                </li>
            }).collect_view()}</ul>
        })}
    }
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Utc};
    use sqlx::{PgExecutor, PgPool};
    use uuid::Uuid;

    use crate::{
        domain::{DisputeStatement, Nik},
        error::AppError,
    };

    pub struct DisputeRow {
        pub reference: String,
        pub nik: String,
        pub filed_at: DateTime<Utc>,
        pub status: String,
        pub decision_note: Option<String>,
    }

    pub async fn of_account(executor: impl PgExecutor<'_>, account_id: Uuid) -> Result<Vec<DisputeRow>, AppError> {
        Ok(sqlx::query_as!(
            DisputeRow,
            r#"select reference, nik as "nik!", filed_at, status, decision_note from nik_disputes
               where claimant_account_id = $1 order by filed_at desc limit 20"#,
            account_id
        )
        .fetch_all(executor)
        .await?)
    }

    pub async fn by_key(
        executor: impl PgExecutor<'_>,
        account_id: Uuid,
        key: Uuid,
    ) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar!(
            "select reference from nik_disputes where idempotency_key = $1 and claimant_account_id = $2",
            key,
            account_id
        )
        .fetch_optional(executor)
        .await?)
    }

    pub enum Filed {
        New(String),
        /// The same post again (its key): the dispute it filed.
        Replayed(String),
        /// This account has an open dispute over this NIK already.
        AlreadyOpen(String),
    }

    fn new_reference() -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        format!("SNG-{}", crate::secrets::random_grouped(ALPHABET, 2, 4))
    }

    /// Files the dispute against whichever record holds the NIK now (none: nobody does; the
    /// claimant is told the same), tells the holder by email, and records it in the audit log.
    pub async fn file(
        pool: &PgPool,
        account_id: Uuid,
        nik: &Nik,
        statement: &DisputeStatement,
        key: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Filed, AppError> {
        let mut tx = pool.begin().await?;
        if let Some(open) = sqlx::query_scalar!(
            "select reference from nik_disputes where nik = $1 and claimant_account_id = $2 and status = 'terbuka'",
            nik.as_str(),
            account_id
        )
        .fetch_optional(&mut *tx)
        .await?
        {
            return Ok(Filed::AlreadyOpen(open));
        }
        let holder = sqlx::query!(
            "select a.id, a.reference, c.email from nik_claims n join applicants a on a.id = n.applicant_id
             join accounts c on c.id = a.account_id where n.nik = $1",
            nik.as_str()
        )
        .fetch_optional(&mut *tx)
        .await?;
        let id = Uuid::now_v7();
        let reference = new_reference();
        let inserted = sqlx::query_scalar!(
            "insert into nik_disputes (id, reference, nik, claimant_account_id, holder_applicant_id, statement,
                                       idempotency_key, filed_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict do nothing
             returning reference",
            id,
            reference,
            nik.as_str(),
            account_id,
            holder.as_ref().map(|h| h.id),
            statement.as_str(),
            key,
            now
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(reference) = inserted else {
            // Another post of the same form won the race (same key), or of another one.
            tx.rollback().await?;
            if let Some(reference) = by_key(pool, account_id, key).await? {
                return Ok(Filed::Replayed(reference));
            }
            let open = sqlx::query_scalar!(
                "select reference from nik_disputes where nik = $1 and claimant_account_id = $2 and status = 'terbuka'",
                nik.as_str(),
                account_id
            )
            .fetch_optional(pool)
            .await?;
            return open
                .map(Filed::AlreadyOpen)
                .ok_or_else(|| AppError::internal("a dispute neither filed nor found"));
        };
        if let Some(holder) = &holder {
            crate::outbox::db::enqueue_email(
                &mut *tx,
                &holder.email,
                "Pendaftaran Prakerja Anda ditahan sementara",
                &format!(
                    "Seseorang menyatakan bahwa NIK pada pendaftaran {} adalah miliknya. Pendaftaran Anda ditahan \
                     (tidak ikut diundi, insentif tidak dibayarkan) sampai petugas memutuskan.\n\nBila NIK itu \
                     memang milik Anda, Anda tidak perlu berbuat apa-apa sekarang; petugas dapat menghubungi Anda \
                     untuk meminta bukti. Pertanyaan: layanan pengaduan Prakerja.",
                    holder.reference
                ),
            )
            .await?;
        }
        crate::audit::record(
            &mut *tx,
            &format!("account:{account_id}"),
            "nik_disputes.file",
            &reference,
            None,
            Some(serde_json::json!({ "holder_applicant": holder.as_ref().map(|h| h.id) })),
        )
        .await?;
        tx.commit().await?;
        Ok(Filed::New(reference))
    }

    /// An open dispute, as the operators' queue shows it.
    pub struct OpenDispute {
        pub id: Uuid,
        pub reference: String,
        pub nik: String,
        pub statement: String,
        pub filed_at: DateTime<Utc>,
        pub claimant_email: String,
        pub holder_reference: Option<String>,
        pub holder_email: Option<String>,
        pub holder_registered_at: Option<DateTime<Utc>>,
        /// Open disputes over the same NIK, this one included.
        pub over_same_nik: i64,
    }

    pub async fn open(executor: impl PgExecutor<'_>, limit: i64) -> Result<Vec<OpenDispute>, AppError> {
        Ok(sqlx::query_as!(
            OpenDispute,
            r#"select d.id, d.reference, d.nik as "nik!", d.statement, d.filed_at, c.email as claimant_email,
                      a.reference as "holder_reference?", h.email as "holder_email?", a.registered_at as "holder_registered_at?",
                      (select count(*) from nik_disputes o where o.nik = d.nik and o.status = 'terbuka') as "over_same_nik!"
               from nik_disputes d
               join accounts c on c.id = d.claimant_account_id
               left join applicants a on a.id = d.holder_applicant_id
               left join accounts h on h.id = a.account_id
               where d.status = 'terbuka'
               order by d.filed_at
               limit $1"#,
            limit
        )
        .fetch_all(executor)
        .await?)
    }

    /// How an operator decides a dispute.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Decision {
        /// The NIK is the claimant's: the holder's record loses it (its claims on the NIK and
        /// the family card released, its verification refused, its card revoked) and the
        /// claimant may sign up.
        Grant,
        /// The NIK is the holder's: the hold ends.
        Refuse,
    }

    /// Decides an open dispute in one transaction, audited, and tells both sides. `None` when it
    /// was not open (decided already, or no such dispute).
    pub async fn decide(
        pool: &PgPool,
        dispute_id: Uuid,
        decision: Decision,
        note: &str,
        operator_id: Uuid,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, AppError> {
        let mut tx = pool.begin().await?;
        let status = match decision {
            Decision::Grant => "dikabulkan",
            Decision::Refuse => "ditolak",
        };
        let Some(decided) = sqlx::query!(
            r#"update nik_disputes set status = $2, decided_at = $3, decided_by = $4, decision_note = $5
               where id = $1 and status = 'terbuka'
               returning reference, nik as "nik!", claimant_account_id, holder_applicant_id"#,
            dispute_id,
            status,
            now,
            operator_id,
            note
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        if decision == Decision::Grant {
            if let Some(holder) = decided.holder_applicant_id {
                // The NIK is free for its owner; the holder's record can no longer take part.
                sqlx::query!(
                    "delete from nik_claims where nik = $1 and applicant_id = $2",
                    decided.nik,
                    holder
                )
                .execute(&mut *tx)
                .await?;
                // Its place on the family card too: whoever used the NIK may have used the
                // owner's family card with it.
                sqlx::query!("delete from family_card_slots where applicant_id = $1", holder)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query!(
                    "insert into verifications (applicant_id, status, reasons, decided_at)
                     values ($1, 'ditolak', array[$3], $2)
                     on conflict (applicant_id) do update set status = 'ditolak', reasons = array[$3],
                         decided_at = excluded.decided_at",
                    holder,
                    now,
                    crate::domain::Reason::NikBelongsToAnother.code()
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query!(
                    "update cards set revoked_at = $2, returned_balance = balance, balance = 0
                     where applicant_id = $1 and revoked_at is null",
                    holder,
                    now
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        let told = match decision {
            Decision::Grant => format!(
                "Sanggahan {} dikabulkan: NIK Anda dibebaskan dan Anda dapat mendaftar dengannya.\n\nCatatan petugas: {note}",
                decided.reference
            ),
            Decision::Refuse => format!(
                "Sanggahan {} ditolak.\n\nCatatan petugas: {note}\n\nPertanyaan: layanan pengaduan Prakerja.",
                decided.reference
            ),
        };
        crate::outbox::db::enqueue_email_to_account(
            &mut *tx,
            decided.claimant_account_id,
            "Keputusan sanggahan NIK",
            &told,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            actor,
            &format!("nik_disputes.{status}"),
            &decided.reference,
            Some(serde_json::json!({ "status": "terbuka" })),
            Some(
                serde_json::json!({ "status": status, "note": note, "holder_applicant": decided.holder_applicant_id }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(decided.reference))
    }
}
