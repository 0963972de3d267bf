//! Applicant signup: a few fields per step, a check-your-answers page, then one idempotent,
//! transactional submit. Every step is a plain HTML form that works without JavaScript.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{Education, EmploymentStatus, FieldErrors, Gender, Province, TrainingCategory},
    error::AppError,
    forms::{
        ChoiceField, ErrorSummary, FieldError, FormState, FormValues, ProgressiveForm, SelectField, SubmissionStatus,
        Submitted, TextField,
    },
    registration::{RegistrationNotice, RegistrationStatus},
};

pub mod dispute;
pub mod form;
#[cfg(feature = "ssr")]
pub mod queue;
pub use form::{field, SignupApplication, SignupDraft, SignupStep};

const CHECK_FORM: &str = "signup-check";

fn step_form_id(step: SignupStep) -> &'static str {
    match step {
        SignupStep::Identity => "signup-identity",
        SignupStep::Contact => "signup-contact",
        SignupStep::Background => "signup-background",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepPage {
    pub step: SignupStep,
    pub draft: SignupDraft,
    pub errors: FieldErrors,
    pub status: RegistrationStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckPage {
    pub draft: SignupDraft,
    pub errors: FieldErrors,
    pub declaration: bool,
    pub status: RegistrationStatus,
    /// Generated with the form: every retry of this submission carries the same key.
    pub idempotency_key: String,
}

#[server(prefix = "/api", endpoint = "signup-step")]
pub async fn load_signup_step(step: SignupStep) -> Result<StepPage, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, &step.path()).await?;
    if crate::session::has_applicant(&state.pool, account_id).await? {
        crate::request::redirect(crate::paths::DASHBOARD_PATH);
    }
    let status = crate::registration::status(&state).await?;
    if crate::request::wants_blank_copy() {
        // The copy kept on the device holds no personal data; the browser fills it from the
        // account's own draft there. The flash stays for the page the applicant sees.
        return Ok(StepPage {
            step,
            draft: SignupDraft::default(),
            errors: Default::default(),
            status,
        });
    }
    let draft = db::load_draft(&state.pool, account_id).await?;
    let errors = session
        .take_flash(&state.pool, step_form_id(step))
        .await?
        .map(|f| f.errors)
        .unwrap_or_default();
    Ok(StepPage {
        step,
        draft,
        errors,
        status,
    })
}

/// Saves one step's answers (always, even when some are wrong: nothing typed is lost) and moves
/// on when they parse.
#[server(prefix = "/api", endpoint = "signup-save-step")]
pub async fn save_signup_step(step: SignupStep, draft: SignupDraft) -> Result<Submitted, AppError> {
    crate::forms::handle_post(step_form_id(step), &step.path(), async |state| {
        let carried = || db::carried_step(step, &draft).map(Some);
        let (_, account_id) = crate::session::require_account_carrying(state, &step.path(), carried).await?;
        let mut stored = db::load_draft(&state.pool, account_id).await?;
        step.merge_into(&mut stored, draft);
        db::save_draft(&state.pool, account_id, &stored, state.clock.now()).await?;
        let today = crate::domain::wib::date_in_program_tz(state.clock.now());
        let errors = step.validate(&stored, today);
        let outcome = if errors.is_empty() {
            Submitted::Accepted { next: step.next_path() }
        } else {
            Submitted::Invalid(errors)
        };
        crate::forms::reply(state, step_form_id(step), &step.path(), outcome, Default::default()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "signup-check")]
pub async fn load_signup_check() -> Result<CheckPage, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::CHECK_PATH).await?;
    if crate::session::has_applicant(&state.pool, account_id).await? {
        crate::request::redirect(crate::paths::DASHBOARD_PATH);
    }
    let draft = db::load_draft(&state.pool, account_id).await?;
    let flash = session.flash_for(&state.pool, CHECK_FORM).await?;
    let now = state.clock.now();
    let status = crate::registration::status(&state).await?;
    // Problems left in the steps are listed here too, each linking to its step.
    let mut errors = flash.errors;
    if let Err(found) = SignupApplication::parse(&draft, true, crate::domain::wib::date_in_program_tz(now)) {
        for error in found {
            errors.push(&error.field, error.message);
        }
    }
    Ok(CheckPage {
        draft,
        errors,
        declaration: flash.values.get(field::DECLARATION).is_some_and(|v| v == "ya"),
        status,
        idempotency_key: uuid::Uuid::new_v4().to_string(),
    })
}

/// The final submit. It carries every answer, so a submission queued in the browser can be
/// sent as it is, and the idempotency key, so any number of retries registers once.
#[server(prefix = "/api", endpoint = "signup-submit")]
pub async fn submit_signup(
    draft: SignupDraft,
    declaration: Option<String>,
    idempotency_key: String,
) -> Result<Submitted, AppError> {
    use crate::forms::reply;

    use crate::session;
    use db::{Signer, SignupOutcome};

    crate::forms::handle_post(CHECK_FORM, crate::paths::CHECK_PATH, async |state| {
        let carried = || db::carried_whole(&draft).map(Some);
        let key = uuid::Uuid::parse_str(&idempotency_key).map_err(|_| AppError::BadRequest)?;
        let declared = declaration.is_some();
        let values = crate::forms::values([(field::DECLARATION, if declared { "ya" } else { "" })]);
        let registered = Submitted::Accepted {
            next: format!("{}?baru=1", crate::paths::DASHBOARD_PATH),
        };

        let now = state.clock.now();
        let status = crate::registration::status(state).await?;
        let parsed = SignupApplication::parse(&draft, declared, crate::domain::wib::date_in_program_tz(now));
        let application = match parsed {
            Ok(application) if status.open => application,
            parsed => {
                // The rare paths (window closed, answers to correct) know the account first.
                let (_, account_id) = session::require_account_carrying(state, crate::paths::CHECK_PATH, carried).await?;
                // A replay of a submission that already went through answers as the first one
                // did, even if the window has closed since. (On the usual path the batch answers
                // replays.)
                if db::completed_submission(&state.pool, key, account_id).await?.is_some() {
                    return reply(state, CHECK_FORM, crate::paths::CHECK_PATH, registered, values).await;
                }
                db::save_draft(&state.pool, account_id, &draft, now).await?;
                let errors = match parsed {
                    Err(errors) => errors,
                    Ok(_) => {
                        let when = status
                            .next_change_label
                            .map(|l| format!(" Pendaftaran dibuka lagi {l}."))
                            .unwrap_or_default();
                        FieldErrors::single(
                            crate::forms::FORM_ERROR,
                            format!("Pendaftaran sedang ditutup, jadi data Anda belum dikirim.{when} Isian Anda tetap tersimpan."),
                        )
                    }
                };
                return reply(state, CHECK_FORM, crate::paths::CHECK_PATH, Submitted::Invalid(errors), values).await;
            }
        };

        // The usual path: the signup's own batch checks the session (no round trip of its own).
        let signer = match session::presented_token_hash(state) {
            Some(token_hash) => Signer::Session(token_hash),
            None => Signer::Account(session::require_account_carrying(state, crate::paths::CHECK_PATH, carried).await?.1),
        };
        let mut outcome = state.services.get::<queue::SignupQueue>()?.register(signer, key, application, now).await?;
        if outcome == SignupOutcome::SignedOut {
            // Expired or signed out: to the sign-in page, the answers carried along. (Signed in
            // since, in another tab: the draft, parsed again, registers with that account.)
            let (_, account_id) = session::require_account_carrying(state, crate::paths::CHECK_PATH, carried).await?;
            let application = SignupApplication::parse(&draft, declared, crate::domain::wib::date_in_program_tz(now))
                .map_err(|_| AppError::internal("an application parsed once did not parse again"))?;
            outcome = state.services.get::<queue::SignupQueue>()?.register(Signer::Account(account_id), key, application, now).await?;
        }
        let SignupOutcome::Decided { account_id, registration } = outcome else {
            return Err(AppError::internal("a signup with a known account came back signed out"));
        };
        let refusal = match registration {
            db::Registration::Registered { .. } | db::Registration::AlreadyRegistered { .. } => {
                return reply(state, CHECK_FORM, crate::paths::CHECK_PATH, registered, values).await;
            }
            db::Registration::NikTaken => (
                field::NIK,
                "NIK ini sudah terdaftar. Satu NIK hanya dapat mendaftar satu kali. Jika NIK ini milik Anda dan Anda \
                 tidak pernah mendaftar, ajukan sanggahan lewat tautan \"NIK saya dipakai orang lain\" di halaman ini."
                    .to_owned(),
            ),
            db::Registration::FamilyCardFull => (
                field::KK,
                format!(
                    "Sudah ada {max} anggota keluarga dengan nomor KK ini yang mendaftar. Satu KK paling banyak {max} \
                     pendaftar.",
                    max = crate::domain::family_card::MAX_PER_FAMILY_CARD
                ),
            ),
        };
        db::save_draft(&state.pool, account_id, &draft, now).await?;
        // Each such refusal tells whether a NIK is registered: past a budget per account and
        // per address it no longer says which (only the refused path pays for the count).
        let (field_name, message) = match taken_identity_budget(state, account_id).await? {
            None => refusal,
            Some(wait) => (
                crate::forms::FORM_ERROR,
                format!(
                    "Pendaftaran Anda tidak dapat diproses: terlalu banyak percobaan dengan NIK atau KK yang sudah \
                     terdaftar. Coba lagi dalam {} menit, atau hubungi layanan pengaduan Prakerja.",
                    wait.div_ceil(60)
                ),
            ),
        };
        let outcome = Submitted::Invalid(FieldErrors::single(field_name, message));
        reply(state, CHECK_FORM, crate::paths::CHECK_PATH, outcome, values).await
    })
    .await
}

/// Counts a refusal for a registered NIK or a full family card; the wait when the account's or
/// the address's budget is used up.
#[cfg(feature = "ssr")]
async fn taken_identity_budget(
    state: &crate::state::AppState,
    account_id: uuid::Uuid,
) -> Result<Option<u64>, AppError> {
    use crate::rate_limit::{hit, TAKEN_IDENTITY_PER_ACCOUNT, TAKEN_IDENTITY_PER_IP};
    let by_account = hit(state, &TAKEN_IDENTITY_PER_ACCOUNT, &account_id.to_string()).await?;
    let network = crate::request::client_network(&state.settings);
    let by_address = hit(state, &TAKEN_IDENTITY_PER_IP, &network).await?;
    Ok(by_account.max(by_address))
}

/// Signup answers posted while signed out go into the account's draft at sign-in.
#[cfg(feature = "ssr")]
pub struct CarriedSignupForms;

#[cfg(feature = "ssr")]
impl crate::session::CarriedFormAdopter for CarriedSignupForms {
    fn adopt<'a>(
        &'a self,
        tx: &'a mut sqlx::PgConnection,
        account_id: uuid::Uuid,
        carried: &'a crate::session::CarriedForm,
        now: chrono::DateTime<chrono::Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AppError>> {
        Box::pin(db::adopt_carried(tx, account_id, carried, now))
    }
}

#[cfg(feature = "ssr")]
pub mod db {
    use chrono::{DateTime, Utc};
    use rand::Rng;
    use sqlx::{PgExecutor, PgPool};
    use uuid::Uuid;

    use super::{SignupApplication, SignupDraft};
    use crate::{error::AppError, session::CarriedForm};

    pub async fn load_draft(executor: impl PgExecutor<'_>, account_id: Uuid) -> Result<SignupDraft, AppError> {
        let stored = sqlx::query_scalar!("select draft from signup_drafts where account_id = $1", account_id)
            .fetch_optional(executor)
            .await?;
        Ok(stored
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default())
    }

    pub async fn save_draft(
        executor: impl PgExecutor<'_>,
        account_id: Uuid,
        draft: &SignupDraft,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let value = serde_json::to_value(draft).map_err(AppError::internal)?;
        sqlx::query!(
            r#"insert into signup_drafts (account_id, draft, updated_at) values ($1, $2, $3)
               on conflict (account_id) do update set draft = excluded.draft, updated_at = excluded.updated_at"#,
            account_id,
            value,
            now
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    const CARRIED_STEP: &str = "signup-step";
    const CARRIED_WHOLE: &str = "signup";

    /// One step's answers, posted after the session expired.
    pub fn carried_step(step: super::SignupStep, posted: &SignupDraft) -> Result<CarriedForm, AppError> {
        let values = serde_json::to_value((step, posted)).map_err(AppError::internal)?;
        Ok(CarriedForm {
            form: CARRIED_STEP.to_owned(),
            values,
        })
    }

    /// The whole form, posted from the check page after the session expired.
    pub fn carried_whole(posted: &SignupDraft) -> Result<CarriedForm, AppError> {
        let values = serde_json::to_value(posted).map_err(AppError::internal)?;
        Ok(CarriedForm {
            form: CARRIED_WHOLE.to_owned(),
            values,
        })
    }

    /// Puts answers posted while signed out back into the account's draft, at sign-in.
    pub async fn adopt_carried(
        tx: &mut sqlx::PgConnection,
        account_id: Uuid,
        carried: &CarriedForm,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut draft = load_draft(&mut *tx, account_id).await?;
        match carried.form.as_str() {
            CARRIED_STEP => {
                let Ok((step, posted)) =
                    serde_json::from_value::<(super::SignupStep, SignupDraft)>(carried.values.clone())
                else {
                    return Ok(());
                };
                step.merge_into(&mut draft, posted);
            }
            CARRIED_WHOLE => {
                let Ok(posted) = serde_json::from_value::<SignupDraft>(carried.values.clone()) else {
                    return Ok(());
                };
                draft = posted;
            }
            _ => return Ok(()),
        }
        save_draft(&mut *tx, account_id, &draft, now).await
    }

    /// The reference of a submission with this key that already went through.
    pub async fn completed_submission(
        executor: impl PgExecutor<'_>,
        key: Uuid,
        account_id: Uuid,
    ) -> Result<Option<String>, AppError> {
        let outcome = sqlx::query_scalar!(
            "select outcome from idempotency_keys where key = $1 and account_id = $2 and operation = 'signup'",
            key,
            account_id
        )
        .fetch_optional(executor)
        .await?
        .flatten();
        Ok(outcome.and_then(|o| o.get("reference").and_then(|r| r.as_str()).map(str::to_owned)))
    }

    #[derive(Debug, PartialEq, Eq)]
    pub enum Registration {
        Registered { reference: String },
        AlreadyRegistered { reference: String },
        NikTaken,
        FamilyCardFull,
    }

    /// Crockford's base32 alphabet: no I, L, O or U to misread over the phone.
    const REFERENCE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// "PK-7KQ2-9XMD-4B1T": 60 random bits, so millions of references never collide in practice.
    pub fn new_reference() -> String {
        let mut rng = rand::rng();
        let mut group = || -> String {
            (0..4)
                .map(|_| REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())] as char)
                .collect()
        };
        format!("PK-{}-{}-{}", group(), group(), group())
    }

    /// Who is signing up: an account the caller already knows, or the session (by its token
    /// hash) that the batch itself resolves, saving the request a round trip of its own.
    #[derive(Clone, Debug)]
    pub enum Signer {
        Account(Uuid),
        Session(Vec<u8>),
    }

    /// One signup on its way to the database.
    pub struct Signup {
        pub signer: Signer,
        pub key: Uuid,
        pub application: SignupApplication,
        pub now: DateTime<Utc>,
    }

    /// What became of one signup.
    #[derive(Debug, PartialEq, Eq)]
    pub enum SignupOutcome {
        /// The session was not (or no longer) signed in: nothing was registered.
        SignedOut,
        Decided {
            account_id: Uuid,
            registration: Registration,
        },
    }

    /// The `outcome` column of `register_signups`, decoded from its text by sqlx.
    #[derive(sqlx::Type, Debug, Clone, Copy, PartialEq, Eq)]
    #[sqlx(type_name = "text", rename_all = "kebab-case")]
    pub enum StoredOutcome {
        Registered,
        AlreadyRegistered,
        NikTaken,
        FamilyCardFull,
        /// The idempotency key was used before for another account or operation.
        KeyConflict,
        SignedOut,
    }

    /// Registers one applicant for an account the caller knows, outside the signup queue (the
    /// demo data, tests): the same statement as a batch, with a batch of one.
    pub async fn register(
        pool: &PgPool,
        account_id: Uuid,
        key: Uuid,
        application: &SignupApplication,
        now: DateTime<Utc>,
    ) -> Result<Registration, AppError> {
        let signup = Signup {
            signer: Signer::Account(account_id),
            key,
            application: application.clone(),
            now,
        };
        match register_signups(pool, &[&signup]).await?.pop() {
            Some(Ok(SignupOutcome::Decided { registration, .. })) => Ok(registration),
            Some(Err(error)) => Err(error),
            Some(Ok(SignupOutcome::SignedOut)) | None => {
                Err(AppError::internal("register_signups: no answer for a known account"))
            }
        }
    }

    /// Registers signups in one statement and one commit (the function `register_signups`); the
    /// answers come in the order of `signups`. The constraints decide the races: the NIK claim
    /// (unique NIK), the two family-card slots (at most 2 NIKs per KK) and the idempotency key
    /// (a replay registers once). `Err`: the whole statement failed and nothing was committed.
    pub async fn register_signups(
        pool: &PgPool,
        signups: &[&Signup],
    ) -> Result<Vec<Result<SignupOutcome, AppError>>, sqlx::Error> {
        let column = |f: fn(&Signup) -> String| signups.iter().map(|s| f(s)).collect::<Vec<String>>();
        let (account_ids, session_hashes): (Vec<Option<Uuid>>, Vec<Option<Vec<u8>>>) = signups
            .iter()
            .map(|s| match &s.signer {
                Signer::Account(id) => (Some(*id), None),
                Signer::Session(hash) => (None, Some(hash.clone())),
            })
            .unzip();
        let rows = sqlx::query!(
            r#"select outcome as "outcome!: StoredOutcome", reference, account_id from register_signups(
                   $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"#,
            &signups.iter().map(|s| s.key).collect::<Vec<_>>(),
            &account_ids as &[Option<Uuid>],
            &session_hashes as &[Option<Vec<u8>>],
            // Time-ordered ids: a rush appends to the end of the primary-key index instead of
            // touching random pages of it (fewer pages written per commit).
            &signups.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
            &signups.iter().map(|_| new_reference()).collect::<Vec<_>>(),
            &column(|s| s.application.nik.as_str().to_owned()),
            &column(|s| s.application.kk.as_str().to_owned()),
            &column(|s| s.application.full_name.as_str().to_owned()),
            &signups
                .iter()
                .map(|s| s.application.birth_date.date())
                .collect::<Vec<_>>(),
            &column(|s| s.application.gender.code().to_owned()),
            &column(|s| s.application.birth_place.as_str().to_owned()),
            &column(|s| s.application.province.code().to_owned()),
            &column(|s| s.application.city.as_str().to_owned()),
            &column(|s| s.application.mobile.as_str().to_owned()),
            &column(|s| s.application.education.code().to_owned()),
            &column(|s| s.application.employment.code().to_owned()),
            &column(|s| s.application.interests.codes().join(",")),
            &signups.iter().map(|s| s.now).collect::<Vec<_>>(),
        )
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| outcome_of(row.outcome, row.reference, row.account_id))
            .collect())
    }

    fn outcome_of(
        outcome: StoredOutcome,
        reference: Option<String>,
        account_id: Option<Uuid>,
    ) -> Result<SignupOutcome, AppError> {
        let reference = || reference.ok_or_else(|| AppError::internal("register_signups: no reference"));
        let registration = match outcome {
            StoredOutcome::SignedOut => return Ok(SignupOutcome::SignedOut),
            StoredOutcome::KeyConflict => return Err(AppError::BadRequest),
            StoredOutcome::Registered => Registration::Registered {
                reference: reference()?,
            },
            StoredOutcome::AlreadyRegistered => Registration::AlreadyRegistered {
                reference: reference()?,
            },
            StoredOutcome::NikTaken => Registration::NikTaken,
            StoredOutcome::FamilyCardFull => Registration::FamilyCardFull,
        };
        let account_id = account_id
            .ok_or_else(|| AppError::internal(format!("register_signups: {outcome:?} without an account")))?;
        Ok(SignupOutcome::Decided {
            account_id,
            registration,
        })
    }
}

fn province_options() -> Vec<(String, String)> {
    Province::all()
        .map(|p| (p.code().to_owned(), p.name().to_owned()))
        .collect()
}

fn choice_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|c| (code(*c).to_owned(), label(*c).to_owned()))
        .collect()
}

fn draft_name(field: &str) -> String {
    format!("draft[{field}]")
}

/// The input names of the interest checkboxes: a list.
fn interests_name() -> String {
    "draft[interests][]".to_owned()
}

#[component]
pub fn SignupStepPage(step: SignupStep) -> impl IntoView {
    let page = Resource::new_blocking(move || step, load_signup_step);
    view! {
        <Title text={format!("{} — Pendaftaran Prakerja", step.title())}/>
        {crate::forms::loaded(page, |page| view! { <StepPageBody page/> })}
    }
}

/// A step's page, all of it rendered by the server; the form's behaviour is the island.
#[component]
fn StepPageBody(page: StepPage) -> impl IntoView {
    let StepPage {
        step,
        draft,
        errors,
        status,
    } = page;
    // The fields show the errors of the last post; later ones are marked by the island.
    let errors = RwSignal::new(errors);
    let back = match step {
        SignupStep::Identity => None,
        SignupStep::Contact => Some(SignupStep::Identity.path()),
        SignupStep::Background => Some(SignupStep::Contact.path()),
    };
    let fields = match step {
        SignupStep::Identity => view! {
            <TextField id=field::NIK name=draft_name(field::NIK) label="NIK (Nomor Induk Kependudukan)" value=draft.nik errors
                inputmode="numeric" maxlength=19 hint="16 angka yang tertera di KTP Anda."/>
            <TextField id=field::KK name=draft_name(field::KK) label="Nomor Kartu Keluarga (KK)" value=draft.kk errors
                inputmode="numeric" maxlength=19 hint="16 angka di bagian atas Kartu Keluarga."/>
            <TextField id=field::FULL_NAME name=draft_name(field::FULL_NAME) label="Nama lengkap sesuai KTP" value=draft.full_name errors
                autocomplete="name" maxlength=100/>
            <TextField id=field::BIRTH_DATE name=draft_name(field::BIRTH_DATE) label="Tanggal lahir" value=draft.birth_date errors
                input_type="date" autocomplete="bday" hint="Sesuai KTP. Usia 18–64 tahun pada hari pendaftaran."/>
            <ChoiceField id=field::GENDER name=draft_name(field::GENDER) legend="Jenis kelamin" errors
                options=Gender::ALL.iter().map(|g| (g.code().to_owned(), g.label().to_owned())).collect()
                chosen=vec![draft.gender]/>
            <TextField id=field::BIRTH_PLACE name=draft_name(field::BIRTH_PLACE) label="Tempat lahir" value=draft.birth_place errors
                maxlength=60/>
        }
        .into_any(),
        SignupStep::Contact => view! {
            <SelectField id=field::PROVINCE name=draft_name(field::PROVINCE) label="Provinsi tempat tinggal" value=draft.province
                options=province_options() errors/>
            <TextField id=field::CITY name=draft_name(field::CITY) label="Kabupaten/kota tempat tinggal" value=draft.city errors
                autocomplete="address-level2" maxlength=60 hint="Contoh: Kabupaten Bogor, Kota Surabaya."/>
            <TextField id=field::MOBILE name=draft_name(field::MOBILE) label="Nomor HP" value=draft.mobile errors
                input_type="tel" autocomplete="tel" inputmode="tel" maxlength=20 hint="Diawali 08 atau +628. Contoh: 0812-3456-7890."/>
        }
        .into_any(),
        SignupStep::Background => view! {
            <SelectField id=field::EDUCATION name=draft_name(field::EDUCATION) label="Pendidikan terakhir" value=draft.education
                options=choice_options(Education::ALL, Education::code, Education::label) errors/>
            <ChoiceField id=field::EMPLOYMENT name=draft_name(field::EMPLOYMENT) legend="Status pekerjaan saat ini" errors
                options=choice_options(EmploymentStatus::ALL, EmploymentStatus::code, EmploymentStatus::label)
                chosen=vec![draft.employment]/>
            <ChoiceField id=field::INTERESTS name=interests_name() legend="Bidang pelatihan yang Anda minati" errors multiple=true
                hint="Pilih 1 sampai 5. Kami memakainya untuk menunjukkan pelatihan yang cocok untuk Anda."
                options=choice_options(TrainingCategory::ALL, TrainingCategory::code, TrainingCategory::label)
                chosen=draft.interests/>
        }
        .into_any(),
    };
    view! {
        <p class="step-count">{format!("Langkah {} dari {}", step.number(), SignupStep::ALL.len())}</p>
        <h1>{step.title()}</h1>
        {(!status.open).then(|| view! {
            <RegistrationNotice status=status.clone()/>
            <p>"Anda tetap bisa mengisi formulir sekarang; jawaban Anda tersimpan dan dapat dikirim saat pendaftaran dibuka."</p>
        })}
        {
            let body = view! {
                <input type="hidden" name="step" value={format!("{step:?}")}/>
                {fields}
                <div class="form-actions">
                    <button type="submit" class="button">"Simpan dan lanjut"</button>
                    {back.map(|href| view! { <a href=href class="back-link">"Kembali"</a> })}
                </div>
            };
            let errors = errors.get_untracked();
            match step {
                SignupStep::Identity => view! { <IdentityForm today=status.today errors>{body}</IdentityForm> }.into_any(),
                SignupStep::Contact => view! { <ContactForm errors>{body}</ContactForm> }.into_any(),
                SignupStep::Background => view! { <BackgroundForm errors>{body}</BackgroundForm> }.into_any(),
            }
        }
    }
}

/// A step's form: its summary, status and checks, around the fields (its children, rendered by
/// the server). Each step is an island of its own with only its step's rules, so that the code a
/// step brings is small; they are fetched by the signup pages only.
fn step_form(
    step: SignupStep,
    errors: FieldErrors,
    validate: Callback<FormValues, FieldErrors>,
    children: Children,
) -> impl IntoView {
    let state = FormState::new(errors);
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=SaveSignupStep::url() id=step_form_id(step) state validate>
            {children()}
        </ProgressiveForm>
    }
}

#[island]
fn IdentityForm(
    /// The registration date in WIB (YYYY-MM-DD), for the age rule.
    today: String,
    errors: FieldErrors,
    children: Children,
) -> impl IntoView {
    let today = crate::domain::birth::parse_iso_date(&today).unwrap_or_default();
    let validate =
        Callback::new(move |values: FormValues| form::identity_errors(&SignupDraft::from_form(&values), today));
    step_form(SignupStep::Identity, errors, validate, children)
}

#[island]
fn ContactForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let validate = Callback::new(|values: FormValues| form::contact_errors(&SignupDraft::from_form(&values)));
    step_form(SignupStep::Contact, errors, validate, children)
}

#[island]
fn BackgroundForm(errors: FieldErrors, children: Children) -> impl IntoView {
    let validate = Callback::new(|values: FormValues| form::background_errors(&SignupDraft::from_form(&values)));
    step_form(SignupStep::Background, errors, validate, children)
}

#[component]
pub fn SignupCheckPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_signup_check());
    view! {
        <Title text="Periksa jawaban Anda — Pendaftaran Prakerja"/>
        {crate::forms::loaded(page, |page| view! { <CheckPageBody page/> })}
    }
}

fn field_href(name: &str) -> String {
    if name == field::DECLARATION {
        format!("#{name}")
    } else {
        format!("{}#{name}", SignupStep::of_field(name).path())
    }
}

/// The check-your-answers page, rendered by the server; like a step's, its form's behaviour is
/// the island.
#[component]
fn CheckPageBody(page: CheckPage) -> impl IntoView {
    let CheckPage {
        draft,
        errors,
        declaration,
        status,
        idempotency_key,
    } = page;
    let errors = RwSignal::new(errors);
    let label_of = |options: Vec<(String, String)>, value: &str| {
        options
            .into_iter()
            .find(|(v, _)| v == value)
            .map(|(_, l)| l)
            .unwrap_or_default()
    };
    let interests_label = draft
        .interests
        .iter()
        .filter_map(|code| TrainingCategory::parse(code).ok())
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<(&'static str, &'static str, String)> = vec![
        (field::NIK, "NIK", draft.nik.clone()),
        (field::KK, "Nomor KK", draft.kk.clone()),
        (field::FULL_NAME, "Nama lengkap", draft.full_name.clone()),
        (field::BIRTH_DATE, "Tanggal lahir", draft.birth_date.clone()),
        (
            field::GENDER,
            "Jenis kelamin",
            Gender::parse(&draft.gender)
                .map(|g| g.label().to_owned())
                .unwrap_or_default(),
        ),
        (field::BIRTH_PLACE, "Tempat lahir", draft.birth_place.clone()),
        (
            field::PROVINCE,
            "Provinsi",
            label_of(province_options(), &draft.province),
        ),
        (field::CITY, "Kabupaten/kota", draft.city.clone()),
        (field::MOBILE, "Nomor HP", draft.mobile.clone()),
        (
            field::EDUCATION,
            "Pendidikan terakhir",
            label_of(
                choice_options(Education::ALL, Education::code, Education::label),
                &draft.education,
            ),
        ),
        (
            field::EMPLOYMENT,
            "Status pekerjaan",
            label_of(
                choice_options(EmploymentStatus::ALL, EmploymentStatus::code, EmploymentStatus::label),
                &draft.employment,
            ),
        ),
        (field::INTERESTS, "Minat pelatihan", interests_label),
    ];
    let hidden = |name: &str, value: String| view! { <input type="hidden" name=draft_name(name) value=value/> };
    let declaration_error = errors.with_untracked(|e| e.get(field::DECLARATION).is_some());
    view! {
        <h1>"Periksa jawaban Anda"</h1>
        {(!status.open).then(|| view! { <RegistrationNotice status=status.clone()/> })}
        <CheckForm today=status.today errors=errors.get_untracked()>
            {SignupStep::ALL.into_iter().map(|step| {
                let rows: Vec<_> = rows.iter().filter(|(f, _, _)| step.fields().contains(f)).cloned().collect();
                view! {
                    <section class="answers" aria-labelledby={format!("answers-{}", step.slug())}>
                        <h2 id={format!("answers-{}", step.slug())}>{step.title()}</h2>
                        <dl>
                            {rows.into_iter().map(|(name, label, value)| view! {
                                <div class="answer" data-field=name>
                                    <dt>{label}</dt>
                                    <dd>{if value.is_empty() { "—".to_owned() } else { value }}</dd>
                                    <dd class="answer-change">
                                        <a href={format!("{}#{name}", step.path())}>"Ubah" <span class="visually-hidden">{format!(" {}", label.to_ascii_lowercase())}</span></a>
                                    </dd>
                                </div>
                            }).collect_view()}
                        </dl>
                    </section>
                }
            }).collect_view()}
            {hidden(field::NIK, draft.nik.clone())}
            {hidden(field::KK, draft.kk.clone())}
            {hidden(field::FULL_NAME, draft.full_name.clone())}
            {hidden(field::BIRTH_DATE, draft.birth_date.clone())}
            {hidden(field::GENDER, draft.gender.clone())}
            {hidden(field::BIRTH_PLACE, draft.birth_place.clone())}
            {hidden(field::PROVINCE, draft.province.clone())}
            {hidden(field::CITY, draft.city.clone())}
            {hidden(field::MOBILE, draft.mobile.clone())}
            {hidden(field::EDUCATION, draft.education.clone())}
            {hidden(field::EMPLOYMENT, draft.employment.clone())}
            {draft.interests.iter().map(|code| view! { <input type="hidden" name=interests_name() value=code.clone()/> }).collect_view()}
            <input type="hidden" name="idempotency_key" value=idempotency_key/>
            <div class="field" class:field-invalid=declaration_error>
                <FieldError id=field::DECLARATION errors/>
                <div class="choice">
                    <input type="checkbox" id=field::DECLARATION name="declaration" value="ya" checked=declaration
                        aria-invalid=declaration_error.then_some("true")
                        aria-describedby=if declaration_error { "declaration-text declaration-error" } else { "declaration-text" }/>
                    <label for=field::DECLARATION id="declaration-text">
                        "Saya menyatakan bahwa data di atas benar; saya Warga Negara Indonesia berusia 18 tahun ke atas, "
                        "tidak sedang menempuh pendidikan formal, dan bukan pejabat negara, anggota DPR/DPRD, ASN, anggota "
                        "TNI/Polri, kepala desa atau perangkat desa, maupun direksi/komisaris/dewan pengawas BUMN/BUMD."
                    </label>
                </div>
            </div>
            <button type="submit" class="button">"Kirim pendaftaran"</button>
        </CheckForm>
        <p class="hint">
            "NIK Anda sudah didaftarkan orang lain? "
            <a href=crate::paths::DISPUTE_PATH>"NIK saya dipakai orang lain"</a>
        </p>
    }
}

/// The check-your-answers form's behaviour; like the steps', its code is fetched by its page
/// only. The answers, posted again as hidden fields, and the declaration are its children.
#[island]
fn CheckForm(today: String, errors: FieldErrors, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let today = crate::domain::birth::parse_iso_date(&today).unwrap_or_default();
    let validate = Callback::new(move |values: FormValues| {
        SignupApplication::parse(&SignupDraft::from_form(&values), values.has(field::DECLARATION), today)
            .err()
            .unwrap_or_default()
    });
    view! {
        <ErrorSummary state href_for=field_href/>
        <SubmissionStatus state/>
        <ProgressiveForm action=SubmitSignup::url() id=CHECK_FORM state validate>
            {children()}
        </ProgressiveForm>
    }
}
