//! The program's operators, for program admins: a new account (its temporary password shown
//! once, to hand over in person; its second factor enrolled at the first sign-in); each
//! operator with their role, status and second factor; a role changed, an account disabled or
//! enabled again, a password reset or a second factor reset (a lost phone). Every change ends
//! the operator's sessions and is audited. An admin cannot lock themselves out this way.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsoleInput, ConsolePage, Notice};
#[cfg(feature = "ssr")]
use crate::domain::FieldErrors;
use crate::{error::AppError, forms::Submitted, operators::OperatorRole};

#[cfg(feature = "ssr")]
const CHANGE: super::ConsoleForm = super::ConsoleForm::new("operator-change", crate::paths::OPERATORS_CONSOLE_PATH);
#[cfg(feature = "ssr")]
const CREATE: super::ConsoleForm = super::ConsoleForm::new("operator-create", crate::paths::OPERATORS_CONSOLE_PATH);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorItem {
    pub username: String,
    pub display_name: String,
    pub role: OperatorRole,
    pub disabled: bool,
    pub second_factor: String,
    pub is_me: bool,
}

#[server(prefix = "/api", endpoint = "operators-console")]
pub async fn load_operators_console() -> Result<ConsolePage<Vec<OperatorItem>>, AppError> {
    let (state, operator, flash) = super::open_page(super::PROGRAM_ADMINS, &[CHANGE.id, CREATE.id]).await?;
    let operators = crate::operators::admin::list(&state.pool)
        .await?
        .into_iter()
        .map(|o| OperatorItem {
            is_me: o.id == operator.id,
            role: OperatorRole::parse(&o.role).unwrap_or(OperatorRole::Verifier),
            second_factor: if o.enrolled {
                format!("aktif ({} kode pemulihan tersisa)", o.recovery_codes_left)
            } else {
                "belum didaftarkan".to_owned()
            },
            username: o.username,
            display_name: o.display_name,
            disabled: o.disabled,
        })
        .collect();
    Ok(ConsolePage::new(operator.identity, flash, operators))
}

/// A new operator account, with a temporary password shown once.
#[server(prefix = "/api", endpoint = "create-operator")]
pub async fn create_operator(username: String, display_name: String, role: String) -> Result<Submitted, AppError> {
    use crate::operators::{
        db::{self, CreateOperatorError},
        DisplayName, Password, Username,
    };
    CREATE
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let values = crate::forms::values([
                ("username", username.as_str()),
                ("display_name", display_name.as_str()),
                ("role", role.as_str()),
            ]);
            let mut errors = FieldErrors::new();
            let parsed_username = errors.check("username", Username::parse(&username));
            let parsed_name = errors.check("display_name", DisplayName::parse(&display_name));
            let parsed_role = OperatorRole::parse(&role).ok();
            if parsed_role.is_none() {
                errors.push("role", "Pilih peran operator.");
            }
            let (Some(new_username), Some(name), Some(role)) = (parsed_username, parsed_name, parsed_role) else {
                return CREATE.refuse(state, errors, values).await;
            };
            let password = temporary_password();
            let parsed_password = Password::parse(&password).map_err(AppError::internal)?;
            let created = db::create(
                &state.pool,
                &new_username,
                name.as_str(),
                role,
                parsed_password,
                &operator.actor(),
                state.clock.now(),
            )
            .await;
            match created {
                Ok(_) => {}
                Err(CreateOperatorError::UsernameTaken) => {
                    let errors = FieldErrors::single("username", CreateOperatorError::UsernameTaken.to_string());
                    return CREATE.refuse(state, errors, values).await;
                }
                Err(CreateOperatorError::Other(error)) => return Err(error),
            }
            let notice = format!(
                "Akun {} ({}) dibuat. Kata sandi sementara: {password} — serahkan langsung kepada yang \
                 bersangkutan; kata sandi ini tidak ditampilkan lagi. Saat masuk pertama, ia mendaftarkan \
                 verifikasi dua langkah.",
                new_username.as_str(),
                role.label()
            );
            CREATE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

/// One change to one operator: `action` is `peran` (with `role`), `nonaktifkan`, `aktifkan`,
/// `sandi` or `dua-langkah`.
#[server(prefix = "/api", endpoint = "change-operator")]
pub async fn change_operator(
    username: String,
    action: String,
    #[server(default)] role: String,
) -> Result<Submitted, AppError> {
    use crate::operators::admin::{self, Change};
    CHANGE
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let refuse = |message: &str| {
                let errors = FieldErrors::single(crate::forms::FORM_ERROR, message);
                CHANGE.refuse(state, errors, Default::default())
            };
            let Some(target) = admin::id_of(&state.pool, &username).await? else {
                return refuse("Tidak ada operator dengan nama pengguna itu.").await;
            };
            if target == operator.id && action != "dua-langkah" {
                return refuse("Anda tidak dapat mengubah peran, status atau kata sandi akun Anda sendiri di sini.")
                    .await;
            }
            let mut new_password = None;
            let change = match action.as_str() {
                "peran" => match OperatorRole::parse(&role) {
                    Ok(role) => Change::Role(role),
                    Err(_) => return refuse("Pilih peran operator.").await,
                },
                "nonaktifkan" => Change::Disable,
                "aktifkan" => Change::Enable,
                "sandi" => {
                    let password = temporary_password();
                    new_password = Some(password.clone());
                    Change::Password(crate::operators::Password::parse(&password).map_err(AppError::internal)?)
                }
                "dua-langkah" => Change::ResetSecondFactor,
                _ => return Err(AppError::BadRequest),
            };
            admin::change(&state.pool, target, change, &operator.actor()).await?;
            let username = username.trim().to_lowercase();
            let notice = match (action.as_str(), new_password) {
                ("sandi", Some(password)) => format!(
                    "Kata sandi baru {username}: {password} — serahkan langsung kepada yang bersangkutan; kata sandi \
                 ini tidak ditampilkan lagi."
                ),
                ("peran", _) => format!("Peran {username} diubah; sesinya diakhiri."),
                ("nonaktifkan", _) => format!("{username} dinonaktifkan dan dikeluarkan dari semua sesi."),
                ("aktifkan", _) => format!("{username} diaktifkan kembali."),
                _ => format!("Verifikasi dua langkah {username} diatur ulang: didaftarkan lagi saat masuk berikutnya."),
            };
            if target == operator.id {
                // Resetting one's own second factor ended one's own sessions too: sign in again.
                crate::request::redirect(crate::paths::OPERATOR_SIGN_IN_PATH);
                return Ok(Submitted::Accepted {
                    next: crate::paths::OPERATOR_SIGN_IN_PATH.to_owned(),
                });
            }
            CHANGE
                .accept(state, &operator.session, notice, Default::default())
                .await
        })
        .await
}

/// A temporary password: 20 letters and digits in groups of five (about 100 bits).
#[cfg(feature = "ssr")]
fn temporary_password() -> String {
    crate::secrets::random_grouped(crate::operators::RECOVERY_ALPHABET, 4, 5)
}

#[component]
pub fn OperatorsConsolePage() -> impl IntoView {
    super::console_page(super::OPERATORS, load_operators_console, |last, operators| {
        let form = last.form_state();
        let errors = form.errors;
        let role_invalid = last.errors.get("role").is_some();
        let typed_role = last.typed("role");
        view! {
            <crate::forms::ErrorSummary state=form/>
            <Notice notice=last.notice.clone()/>
            <h2>"Petugas baru"</h2>
            <form method="post" action=CreateOperator::url()>
                <ConsoleInput id="username" label="Nama pengguna (huruf kecil, angka, titik)" value=last.typed("username")
                    errors=errors autocomplete="off"/>
                <ConsoleInput id="display_name" label="Nama petugas" value=last.typed("display_name") errors=errors
                    autocomplete="off"/>
                <div class="field" class:field-invalid=role_invalid>
                    <label for="role">"Peran"</label>
                    <crate::forms::FieldError id="role" errors=errors/>
                    <select id="role" name="role">
                        {OperatorRole::ALL.iter().map(|role| view! {
                            <option value=role.code() selected=role.code() == typed_role>{role.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Buat akun"</button>
            </form>
            <h2>"Semua petugas"</h2>
            <ul class="queue">{operators.into_iter().map(|o| {
                let username = o.username.clone();
                let action = |name: &'static str, label: &'static str, secondary: bool| {
                    let username = username.clone();
                    view! {
                        <form method="post" action=ChangeOperator::url() class="inline-form">
                            <input type="hidden" name="username" value=username/>
                            <button type="submit" name="action" value=name
                                class=if secondary { "button button-secondary" } else { "button" }>{label}</button>
                        </form>
                    }
                };
                let role_field = format!("role-{}", o.username);
                view! {
                    <li class="queue-item">
                        <strong>{format!("{} · {}", o.display_name, o.username)}</strong>
                        <br/>{format!("{} · {} · verifikasi dua langkah {}", o.role.label(),
                            if o.disabled { "nonaktif" } else { "aktif" }, o.second_factor)}
                        {(!o.is_me).then(|| view! {
                            <form method="post" action=ChangeOperator::url()>
                                <input type="hidden" name="username" value=o.username.clone()/>
                                <input type="hidden" name="action" value="peran"/>
                                <div class="field">
                                    <label for=role_field.clone()>"Peran"</label>
                                    <select id=role_field name="role">
                                        {OperatorRole::ALL.iter().map(|role| view! {
                                            <option value=role.code() selected=*role == o.role>{role.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <button type="submit" class="button button-secondary">"Ubah peran"</button>
                            </form>
                            {if o.disabled { action("aktifkan", "Aktifkan", false) } else { action("nonaktifkan", "Nonaktifkan", true) }}
                            " "
                            {action("sandi", "Atur ulang kata sandi", true)}
                        })}
                        " "
                        {action("dua-langkah", "Atur ulang verifikasi dua langkah", true)}
                    </li>
                }
            }).collect_view()}</ul>
        }
    })
}
