//! The operators' second factor (ASVS 2.8): after the password, a six-digit code from an
//! authenticator app (TOTP, RFC 6238), or one of ten single-use recovery codes. An operator
//! without one enrols at their first sign-in: a QR code to scan, a code to confirm it, and the
//! recovery codes shown once. Until the second factor is given, the session opens no console
//! page. Wrong codes are budgeted per operator.

use crate::paths::{ENROL_PATH, OPERATOR_CODE_PATH};
use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FormState, Submitted, TextField},
};

#[cfg(feature = "ssr")]
const ENROL: super::ConsoleForm = super::ConsoleForm::new("second-factor-enrol", ENROL_PATH);
#[cfg(feature = "ssr")]
const CODE: super::ConsoleForm = super::ConsoleForm::new("second-factor-code", OPERATOR_CODE_PATH);
#[cfg(feature = "ssr")]
const RECOVERY_CODES: &str = "recovery_codes";

/// The operator between their password and their second factor (or an operator signed in).
#[cfg(feature = "ssr")]
struct Pending {
    session: crate::session::Session,
    operator_id: uuid::Uuid,
    state: crate::operators::admin::SecondFactorState,
}

#[cfg(feature = "ssr")]
async fn pending(state: &crate::state::AppState) -> Result<Pending, AppError> {
    use crate::request;
    request::set_response_header(axum::http::HeaderName::from_static("x-prakerja-operator"), "1");
    let session = crate::session::current(state).await?;
    let found = match session.and_then(|s| s.operator_id.map(|id| (s, id))) {
        Some((session, operator_id)) => {
            let active = sqlx::query_scalar!(
                "select exists(select 1 from operators where id = $1 and disabled_at is null) as \"active!\"",
                operator_id
            )
            .fetch_one(&state.pool)
            .await?;
            active.then_some((session, operator_id))
        }
        None => None,
    };
    let Some((session, operator_id)) = found else {
        request::redirect(crate::paths::OPERATOR_SIGN_IN_PATH);
        return Err(AppError::Unauthenticated);
    };
    let factor = crate::operators::admin::second_factor_state(&state.pool, &state.settings.secret, operator_id).await?;
    Ok(Pending {
        session,
        operator_id,
        state: factor,
    })
}

/// Where an operator whose session lacks the second factor must go.
pub fn path_for(enrolled: bool) -> &'static str {
    if enrolled {
        OPERATOR_CODE_PATH
    } else {
        ENROL_PATH
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolPage {
    pub username: String,
    /// The QR code of the `otpauth://` address, as SVG markup; empty once enrolled.
    pub qr_svg: String,
    /// The secret in groups of four, to type into an app that cannot scan.
    pub secret: String,
    /// Shown once, right after enrolling.
    pub recovery_codes: Vec<String>,
    pub errors: FieldErrors,
}

#[server(prefix = "/api", endpoint = "second-factor-enrol-page")]
pub async fn load_enrol_page() -> Result<EnrolPage, AppError> {
    let state = crate::state::app_state()?;
    let pending = pending(&state).await?;
    let flash = pending.session.flash_for(&state.pool, ENROL.id).await?;
    let recovery_codes: Vec<String> = flash
        .values
        .get(RECOVERY_CODES)
        .map(|codes| codes.split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    if pending.state.enrolled {
        if recovery_codes.is_empty() {
            crate::request::redirect(if pending.session.second_factor_done {
                crate::paths::QUEUE_PATH
            } else {
                OPERATOR_CODE_PATH
            });
        }
        return Ok(EnrolPage {
            username: pending.state.username,
            qr_svg: String::new(),
            secret: String::new(),
            recovery_codes,
            errors: FieldErrors::new(),
        });
    }
    let secret = crate::operators::admin::pending_secret(&state.pool, &state.settings.secret, pending.operator_id)
        .await?
        .ok_or_else(|| AppError::internal("an operator neither enrolled nor enrolling"))?;
    use crate::operators::second_factor;
    let grouped = second_factor::base32(&secret)
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(EnrolPage {
        qr_svg: second_factor::qr_svg(&pending.state.username, &secret),
        username: pending.state.username,
        secret: grouped,
        recovery_codes: Vec::new(),
        errors: flash.errors,
    })
}

/// Confirms the enrolment with the app's current code.
#[server(prefix = "/api", endpoint = "second-factor-enrol")]
pub async fn confirm_second_factor(#[server(default)] code: String) -> Result<Submitted, AppError> {
    crate::forms::handle_post(ENROL.id, ENROL.page, async |state| {
        let pending = pending(state).await?;
        let refuse = |message: &str| ENROL.refuse(state, FieldErrors::single("code", message), Default::default());
        let Ok(crate::operators::SecondFactorCode::Totp(code)) = crate::operators::SecondFactorCode::parse(&code)
        else {
            return refuse("Tulis 6 angka yang tampil di aplikasi autentikator.").await;
        };
        if let Some(wait) = wrong_code_budget(state, pending.operator_id, false).await? {
            return refuse(&locked(wait)).await;
        }
        let actor = format!("operator:{}", pending.state.username);
        let now = state.clock.now();
        // The app's codes follow the real time.
        let confirmed = crate::operators::admin::confirm_enrolment(
            &state.pool,
            &state.settings.secret,
            pending.operator_id,
            &code,
            &actor,
            state.wall_clock.now(),
        )
        .await?;
        let Some(codes) = confirmed else {
            wrong_code_budget(state, pending.operator_id, true).await?;
            return refuse("Kode salah. Pastikan jam ponsel Anda tepat, lalu tulis kode yang tampil sekarang.").await;
        };
        pending.session.mark_second_factor_done(&state.pool, now).await?;
        let flash = crate::session::Flash {
            form: ENROL.id.to_owned(),
            values: crate::forms::values([(RECOVERY_CODES, codes.join(" ").as_str())]),
            ..Default::default()
        };
        pending.session.set_flash(&state.pool, &flash).await?;
        ENROL.proceed(state, ENROL_PATH).await
    })
    .await
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodePage {
    pub errors: FieldErrors,
}

#[server(prefix = "/api", endpoint = "second-factor-page")]
pub async fn load_code_page() -> Result<CodePage, AppError> {
    let state = crate::state::app_state()?;
    let pending = pending(&state).await?;
    if !pending.state.enrolled {
        crate::request::redirect(ENROL_PATH);
    }
    let flash = pending.session.flash_for(&state.pool, CODE.id).await?;
    Ok(CodePage { errors: flash.errors })
}

/// The second step of signing in: a code from the app, or a recovery code.
#[server(prefix = "/api", endpoint = "second-factor")]
pub async fn give_second_factor(#[server(default)] code: String) -> Result<Submitted, AppError> {
    use crate::operators::admin::Checked;
    crate::forms::handle_post(CODE.id, CODE.page, async |state| {
        let pending = pending(state).await?;
        let refuse = |message: String| CODE.refuse(state, FieldErrors::single("code", message), Default::default());
        let code = match crate::operators::SecondFactorCode::parse(&code) {
            Ok(code) => code,
            Err(error) => return refuse(error.to_string()).await,
        };
        if let Some(wait) = wrong_code_budget(state, pending.operator_id, false).await? {
            return refuse(locked(wait)).await;
        }
        let now = state.clock.now();
        let checked = crate::operators::admin::check_second_factor(
            &state.pool,
            &state.settings.secret,
            pending.operator_id,
            &code,
            state.wall_clock.now(),
        )
        .await?;
        if checked == Checked::Wrong {
            wrong_code_budget(state, pending.operator_id, true).await?;
            return refuse(
                "Kode salah atau sudah dipakai. Tulis kode yang tampil sekarang di aplikasi autentikator.".to_owned(),
            )
            .await;
        }
        let mut tx = state.pool.begin().await?;
        pending.session.mark_second_factor_done(&mut *tx, now).await?;
        let actor = format!("operator:{}", pending.state.username);
        let action = match checked {
            Checked::RecoveryUsed { .. } => "operators.second-factor-recovery-code",
            _ => "operators.second-factor",
        };
        crate::audit::record(&mut *tx, &actor, action, &pending.state.username, None, None).await?;
        if let Checked::RecoveryUsed { left } = checked {
            let flash = crate::session::Flash {
                form: "verification-decision".to_owned(),
                notice: Some(format!(
                    "Anda masuk dengan kode pemulihan; tersisa {left}. Bila ponsel Anda hilang, minta admin program \
                     mengatur ulang verifikasi dua langkah Anda."
                )),
                ..Default::default()
            };
            pending.session.set_flash(&mut *tx, &flash).await?;
        }
        tx.commit().await?;
        CODE.proceed(state, crate::paths::QUEUE_PATH).await
    })
    .await
}

/// Seconds to wait when the operator has given too many wrong codes (counting this one when
/// `count` is set): five in 15 minutes, twenty in a day.
#[cfg(feature = "ssr")]
async fn wrong_code_budget(
    state: &crate::state::AppState,
    operator_id: uuid::Uuid,
    count: bool,
) -> Result<Option<u64>, AppError> {
    use crate::rate_limit::{exhausted, hit, WRONG_SECOND_FACTOR_LONG, WRONG_SECOND_FACTOR_SHORT};
    let subject = format!("second-factor:{operator_id}");
    let mut wait = None;
    for limit in [&WRONG_SECOND_FACTOR_SHORT, &WRONG_SECOND_FACTOR_LONG] {
        let over = if count {
            hit(state, limit, &subject).await?
        } else {
            exhausted(state, limit, &subject).await?
        };
        wait = wait.max(over);
    }
    Ok(wait)
}

#[cfg(feature = "ssr")]
fn locked(wait: u64) -> String {
    format!(
        "Terlalu banyak kode salah. Coba lagi dalam {} menit, atau minta admin program mengatur ulang verifikasi \
         dua langkah Anda.",
        wait.div_ceil(60)
    )
}

#[component]
pub fn EnrolPage() -> impl IntoView {
    crate::forms::loaded_page(
        "Verifikasi dua langkah — Konsol Prakerja",
        "Verifikasi dua langkah",
        load_enrol_page,
        |page| {
            let state = FormState::new(page.errors.clone());
            if !page.recovery_codes.is_empty() {
                return view! {
                    <p class="notice" role="status">"Verifikasi dua langkah aktif untuk " {page.username} "."</p>
                    <h2>"Kode pemulihan"</h2>
                    <p>
                        "Simpan kode-kode ini di tempat aman (dicetak, atau di pengelola kata sandi). Masing-masing "
                        "dapat dipakai sekali untuk masuk bila ponsel Anda tidak ada. Kode ini hanya ditampilkan sekarang."
                    </p>
                    <ul class="recovery-codes">{page.recovery_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}</ul>
                    <p><a class="button" href=crate::paths::QUEUE_PATH>"Lanjut ke konsol"</a></p>
                }.into_any();
            }
            view! {
                <p>
                    "Setiap petugas masuk dengan kata sandi dan kode dari aplikasi autentikator di ponsel (misalnya "
                    "Google Authenticator, Microsoft Authenticator, FreeOTP). Pindai kode QR ini dengan aplikasi tersebut."
                </p>
                <div class="qr-code" role="img" aria-label="Kode QR untuk aplikasi autentikator" inner_html=page.qr_svg></div>
                <p>"Bila aplikasi tidak dapat memindai, ketik kunci ini: " <code class="totp-secret">{page.secret}</code></p>
                <ErrorSummary state/>
                <form method="post" action=ConfirmSecondFactor::url() novalidate="">
                    <TextField id="code" name="code".into() label="Kode 6 angka dari aplikasi" value=""
                        errors=state.errors inputmode="numeric" autocomplete="one-time-code" maxlength=7/>
                    <button type="submit" class="button">"Aktifkan"</button>
                </form>
            }.into_any()
        },
    )
}

#[component]
pub fn CodePage() -> impl IntoView {
    crate::forms::loaded_page(
        "Kode verifikasi — Konsol Prakerja",
        "Kode verifikasi",
        load_code_page,
        |page| {
            let state = FormState::new(page.errors);
            view! {
                <p>"Tulis kode 6 angka yang tampil di aplikasi autentikator Anda, atau salah satu kode pemulihan."</p>
                <ErrorSummary state/>
                <form method="post" action=GiveSecondFactor::url() novalidate="">
                    <TextField id="code" name="code".into() label="Kode verifikasi" value=""
                        errors=state.errors autocomplete="one-time-code" maxlength=12/>
                    <button type="submit" class="button">"Masuk"</button>
                </form>
            }
        },
    )
}
