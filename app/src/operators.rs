//! Operators: the program's staff. They sign in with a username and a password (argon2id,
//! hashed on the blocking pool so a sign-in never stalls the async workers) and act in a role.
//! The first account is made on the command line (`prakerja operator create`).

use thiserror::Error;

use crate::domain::choice_enum;

choice_enum! {
    /// What an operator may do: verifiers decide the manual queue; program admins also run the
    /// schedule, the exclusion list, waves and the catalogue.
    OperatorRole, OperatorRoleError, "Pilih peran operator.",
    {
        Verifier => ("verifikator", "Verifikator"),
        ProgramAdmin => ("admin-program", "Admin program"),
    }
}

/// An operator's sign-in name: 3-40 of a-z, 0-9, '.', '_', '-' (stored in lower case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum UsernameError {
    #[error("Nama pengguna 3-40 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.")]
    Invalid,
}

impl Username {
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let name = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        if (3..=40).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Username(name))
        } else {
            Err(UsernameError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an operator is shown to colleagues and in the console: 1-100 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("Tulis nama petugas, 1-100 karakter.")]
pub struct DisplayNameError;

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, DisplayNameError> {
        let name = crate::domain::collapse_whitespace(raw);
        if (1..=100).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
            Ok(DisplayName(name))
        } else {
            Err(DisplayNameError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed. Never printed (its `Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum PasswordError {
    #[error("Kata sandi minimal 12 karakter.")]
    TooShort,
    #[error("Kata sandi paling banyak 128 karakter.")]
    TooLong,
}

impl Password {
    /// Length is the rule (ASVS 2.1): no composition rules, spaces allowed.
    pub fn parse(raw: &str) -> Result<Password, PasswordError> {
        match raw.chars().count() {
            0..12 => Err(PasswordError::TooShort),
            12..=128 => Ok(Password(raw.to_owned())),
            _ => Err(PasswordError::TooLong),
        }
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(feature = "ssr")]
pub mod db {
    use argon2::{
        password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
        Argon2,
    };
    use chrono::{DateTime, Utc};
    use rand::RngCore;
    use uuid::Uuid;

    use super::{OperatorRole, Password, Username};
    use crate::error::AppError;

    /// argon2id with the crate's defaults (19 MiB, 2 passes: OWASP's recommended minimum).
    pub async fn hash_password(password: Password) -> Result<String, AppError> {
        tokio::task::spawn_blocking(move || {
            let mut salt = [0u8; 16];
            rand::rng().fill_bytes(&mut salt);
            let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
            Argon2::default()
                .hash_password(password.0.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(AppError::internal)
        })
        .await
        .map_err(AppError::internal)?
    }

    /// A hash of no one's password, checked when the username is unknown so that a refusal
    /// takes as long either way (usernames cannot be probed by timing).
    pub async fn stand_in_hash() -> Result<String, AppError> {
        static STAND_IN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        if let Some(hash) = STAND_IN.get() {
            return Ok(hash.clone());
        }
        let mut random = [0u8; 24];
        rand::rng().fill_bytes(&mut random);
        let hash = hash_password(Password(hex::encode(random))).await?;
        Ok(STAND_IN.get_or_init(|| hash).clone())
    }

    /// The stored hash of an operator's password, unless the operator is disabled.
    pub async fn password_hash(
        executor: impl sqlx::PgExecutor<'_>,
        operator_id: Uuid,
    ) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar!(
            "select password_hash from operators where id = $1 and disabled_at is null",
            operator_id
        )
        .fetch_optional(executor)
        .await?)
    }

    /// Whether `password` matches `stored` (a PHC string), checked on the blocking pool.
    pub async fn password_matches(password: String, stored: String) -> Result<bool, AppError> {
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&stored).map_err(AppError::internal)?;
            Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(AppError::internal)?
    }

    #[derive(Debug, thiserror::Error)]
    pub enum CreateOperatorError {
        #[error("Nama pengguna ini sudah dipakai operator lain.")]
        UsernameTaken,
        #[error(transparent)]
        Other(#[from] AppError),
    }

    /// Creates an operator account and records it in the audit log, in one transaction.
    pub async fn create(
        pool: &sqlx::PgPool,
        username: &Username,
        display_name: &str,
        role: OperatorRole,
        password: Password,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid, CreateOperatorError> {
        let hash = hash_password(password).await?;
        let id = Uuid::now_v7();
        let mut tx = pool.begin().await.map_err(AppError::from)?;
        let inserted = sqlx::query!(
            "insert into operators (id, username, display_name, password_hash, role, created_at)
             values ($1, $2, $3, $4, $5, $6) on conflict (username) do nothing",
            id,
            username.as_str(),
            display_name,
            hash,
            role.code(),
            now
        )
        .execute(&mut *tx)
        .await
        .map_err(AppError::from)?;
        if inserted.rows_affected() == 0 {
            return Err(CreateOperatorError::UsernameTaken);
        }
        crate::audit::record(
            &mut *tx,
            actor,
            "operators.create",
            username.as_str(),
            None,
            Some(serde_json::json!({ "id": id, "role": role.code(), "display_name": display_name })),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(id)
    }
}

/// Second factors and the program admins' management of operators, in the database.
#[cfg(feature = "ssr")]
pub mod admin {
    use chrono::{DateTime, Utc};
    use rand::RngCore;
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::{second_factor, OperatorRole, Password, SecondFactorCode};
    use crate::{error::AppError, secrets};

    /// Where an operator's second factor stands.
    pub struct SecondFactorState {
        pub username: String,
        pub enrolled: bool,
        /// The secret, unsealed: the enrolled one, or the one being enrolled.
        pub secret: Option<[u8; 20]>,
    }

    fn unseal(key: &[u8], operator_id: Uuid, sealed: Option<Vec<u8>>, nonce: Option<Vec<u8>>) -> Option<[u8; 20]> {
        let sealed: [u8; 20] = sealed?.try_into().ok()?;
        Some(secrets::seal_totp_secret(key, operator_id, &nonce?, &sealed))
    }

    pub async fn second_factor_state(
        pool: &PgPool,
        key: &[u8],
        operator_id: Uuid,
    ) -> Result<SecondFactorState, AppError> {
        let row = sqlx::query!(
            r#"select username, totp_sealed, totp_nonce, totp_enrolled_at is not null as "enrolled!"
               from operators where id = $1"#,
            operator_id
        )
        .fetch_one(pool)
        .await?;
        Ok(SecondFactorState {
            username: row.username,
            enrolled: row.enrolled,
            secret: unseal(key, operator_id, row.totp_sealed, row.totp_nonce),
        })
    }

    /// Stores `secret` sealed under a fresh nonce.
    async fn store_secret(
        executor: impl sqlx::PgExecutor<'_>,
        key: &[u8],
        operator_id: Uuid,
        secret: &[u8; 20],
        enrolled_at: Option<DateTime<Utc>>,
    ) -> Result<(), AppError> {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = secrets::seal_totp_secret(key, operator_id, &nonce, secret);
        sqlx::query!(
            "update operators set totp_sealed = $2, totp_nonce = $3, totp_enrolled_at = $4, totp_last_step = null
             where id = $1",
            operator_id,
            &sealed[..],
            &nonce[..],
            enrolled_at
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// The secret being enrolled: the one shown before (a reload shows the same QR code), or a
    /// fresh one. `None` once enrolled.
    pub async fn pending_secret(pool: &PgPool, key: &[u8], operator_id: Uuid) -> Result<Option<[u8; 20]>, AppError> {
        let state = second_factor_state(pool, key, operator_id).await?;
        if state.enrolled {
            return Ok(None);
        }
        if let Some(secret) = state.secret {
            return Ok(Some(secret));
        }
        let secret = second_factor::new_secret();
        store_secret(pool, key, operator_id, &secret, None).await?;
        Ok(Some(secret))
    }

    async fn replace_recovery_codes(
        tx: &mut sqlx::PgConnection,
        key: &[u8],
        operator_id: Uuid,
    ) -> Result<Vec<String>, AppError> {
        sqlx::query!(
            "delete from operator_recovery_codes where operator_id = $1",
            operator_id
        )
        .execute(&mut *tx)
        .await?;
        let codes = second_factor::new_recovery_codes();
        let hashes: Vec<Vec<u8>> = codes
            .iter()
            .map(|code| secrets::recovery_code_hash(key, operator_id, &code.replace('-', "")))
            .collect();
        sqlx::query!(
            "insert into operator_recovery_codes (operator_id, code_hash) select $1, unnest($2::bytea[])",
            operator_id,
            &hashes
        )
        .execute(&mut *tx)
        .await?;
        Ok(codes)
    }

    /// Confirms the enrolment with a code from the app: the recovery codes, to be shown once;
    /// `None` when the code is wrong (or the operator is enrolled already).
    pub async fn confirm_enrolment(
        pool: &PgPool,
        key: &[u8],
        operator_id: Uuid,
        code: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, AppError> {
        let mut tx = pool.begin().await?;
        let row = sqlx::query!(
            r#"select totp_sealed, totp_nonce, totp_enrolled_at is not null as "enrolled!"
               from operators where id = $1 for update"#,
            operator_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if row.enrolled {
            return Ok(None);
        }
        let Some(secret) = unseal(key, operator_id, row.totp_sealed, row.totp_nonce) else {
            return Ok(None);
        };
        let Some(step) = second_factor::accepted_step(&secret, code, now, None) else {
            return Ok(None);
        };
        sqlx::query!(
            "update operators set totp_enrolled_at = $2, totp_last_step = $3 where id = $1",
            operator_id,
            now,
            step
        )
        .execute(&mut *tx)
        .await?;
        let codes = replace_recovery_codes(&mut tx, key, operator_id).await?;
        crate::audit::record(&mut *tx, actor, "operators.second-factor-enrol", actor, None, None).await?;
        tx.commit().await?;
        Ok(Some(codes))
    }

    /// How a second-factor code fared.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Checked {
        Accepted,
        /// A recovery code, now used; this many are left.
        RecoveryUsed {
            left: i64,
        },
        Wrong,
    }

    /// Checks a code of an enrolled operator. An accepted time step, or recovery code, is used up.
    pub async fn check_second_factor(
        pool: &PgPool,
        key: &[u8],
        operator_id: Uuid,
        code: &SecondFactorCode,
        now: DateTime<Utc>,
    ) -> Result<Checked, AppError> {
        let mut tx = pool.begin().await?;
        let checked = match code {
            SecondFactorCode::Totp(code) => {
                let row = sqlx::query!(
                    r#"select totp_sealed, totp_nonce, totp_last_step from operators
                       where id = $1 and totp_enrolled_at is not null for update"#,
                    operator_id
                )
                .fetch_optional(&mut *tx)
                .await?;
                let accepted = row.and_then(|row| {
                    let secret = unseal(key, operator_id, row.totp_sealed, row.totp_nonce)?;
                    second_factor::accepted_step(&secret, code, now, row.totp_last_step)
                });
                match accepted {
                    Some(step) => {
                        sqlx::query!(
                            "update operators set totp_last_step = $2 where id = $1",
                            operator_id,
                            step
                        )
                        .execute(&mut *tx)
                        .await?;
                        Checked::Accepted
                    }
                    None => Checked::Wrong,
                }
            }
            SecondFactorCode::Recovery(code) => {
                let hash = secrets::recovery_code_hash(key, operator_id, code);
                let used = sqlx::query!(
                    "update operator_recovery_codes set used_at = $3
                     where operator_id = $1 and code_hash = $2 and used_at is null",
                    operator_id,
                    &hash,
                    now
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if used == 1 {
                    let left = sqlx::query_scalar!(
                        r#"select count(*) as "left!" from operator_recovery_codes where operator_id = $1 and used_at is null"#,
                        operator_id
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    Checked::RecoveryUsed { left }
                } else {
                    Checked::Wrong
                }
            }
        };
        tx.commit().await?;
        Ok(checked)
    }

    /// Gives an operator a known, enrolled TOTP secret (development and end-to-end tests, from
    /// the command line; production refuses it there).
    pub async fn set_known_secret(
        pool: &PgPool,
        key: &[u8],
        operator_id: Uuid,
        secret: &[u8; 20],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let mut tx = pool.begin().await?;
        store_secret(&mut *tx, key, operator_id, secret, Some(now)).await?;
        crate::audit::record(
            &mut *tx,
            actor,
            "operators.second-factor-set",
            &operator_id.to_string(),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An operator as the admins' list shows them.
    pub struct OperatorLine {
        pub id: Uuid,
        pub username: String,
        pub display_name: String,
        pub role: String,
        pub disabled: bool,
        pub enrolled: bool,
        pub recovery_codes_left: i64,
    }

    pub async fn list(pool: &PgPool) -> Result<Vec<OperatorLine>, AppError> {
        Ok(sqlx::query_as!(
            OperatorLine,
            r#"select o.id, o.username, o.display_name, o.role, o.disabled_at is not null as "disabled!",
                      o.totp_enrolled_at is not null as "enrolled!",
                      (select count(*) from operator_recovery_codes r where r.operator_id = o.id and r.used_at is null)
                          as "recovery_codes_left!"
               from operators o order by o.username"#
        )
        .fetch_all(pool)
        .await?)
    }

    pub async fn id_of(pool: &PgPool, username: &str) -> Result<Option<Uuid>, AppError> {
        Ok(sqlx::query_scalar!(
            "select id from operators where username = $1",
            username.trim().to_lowercase()
        )
        .fetch_optional(pool)
        .await?)
    }

    /// What a program admin (or the command line) changes about an operator.
    pub enum Change {
        Role(OperatorRole),
        Disable,
        Enable,
        /// A new password (the operator is told it out of band, and signs in with it).
        Password(Password),
        /// The operator's own choice of password (the current one was checked first).
        OwnPassword(Password),
        /// The second factor is enrolled again at the next sign-in (a lost phone).
        ResetSecondFactor,
    }

    impl Change {
        fn action(&self) -> &'static str {
            match self {
                Change::Role(_) => "operators.role",
                Change::Disable => "operators.disable",
                Change::Enable => "operators.enable",
                Change::Password(_) => "operators.reset-password",
                Change::OwnPassword(_) => "operators.change-password",
                Change::ResetSecondFactor => "operators.reset-second-factor",
            }
        }
    }

    /// Applies a change, audited, and ends the operator's sessions (a changed role or password,
    /// a disabled account or a reset second factor takes effect at once). `false` when there
    /// is no such operator.
    pub async fn change(pool: &PgPool, operator_id: Uuid, change: Change, actor: &str) -> Result<bool, AppError> {
        let action = change.action();
        // Hashed before the transaction: argon2 takes a while.
        let password_hash = match &change {
            Change::Password(password) | Change::OwnPassword(password) => {
                Some(super::db::hash_password(password.clone()).await?)
            }
            _ => None,
        };
        let mut tx = pool.begin().await?;
        let (changed, after) = match change {
            Change::Role(role) => {
                let changed = sqlx::query!("update operators set role = $2 where id = $1", operator_id, role.code())
                    .execute(&mut *tx)
                    .await?;
                (changed, serde_json::json!({ "role": role.code() }))
            }
            Change::Disable | Change::Enable => {
                let disable = matches!(change, Change::Disable);
                let changed = sqlx::query!(
                    "update operators set disabled_at = case when $2 then coalesce(disabled_at, now()) end where id = $1",
                    operator_id,
                    disable
                )
                .execute(&mut *tx)
                .await?;
                (changed, serde_json::json!({ "disabled": disable }))
            }
            Change::Password(_) | Change::OwnPassword(_) => {
                let changed = sqlx::query!(
                    "update operators set password_hash = $2 where id = $1",
                    operator_id,
                    password_hash
                )
                .execute(&mut *tx)
                .await?;
                (changed, serde_json::json!({ "password": "diganti" }))
            }
            Change::ResetSecondFactor => {
                let changed = sqlx::query!(
                    "update operators set totp_sealed = null, totp_nonce = null, totp_enrolled_at = null,
                                          totp_last_step = null
                     where id = $1",
                    operator_id
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query!(
                    "delete from operator_recovery_codes where operator_id = $1",
                    operator_id
                )
                .execute(&mut *tx)
                .await?;
                (changed, serde_json::json!({ "second_factor": "diatur ulang" }))
            }
        };
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query!("delete from sessions where operator_id = $1", operator_id)
            .execute(&mut *tx)
            .await?;
        crate::audit::record(&mut *tx, actor, action, &operator_id.to_string(), None, Some(after)).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// What an operator types as their second factor: the six digits of the authenticator app, or
/// one of their recovery codes (ten letters and digits, shown in two groups of five).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecondFactorCode {
    Totp(String),
    Recovery(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SecondFactorCodeError {
    #[error("Tulis 6 angka dari aplikasi autentikator, atau salah satu kode pemulihan Anda.")]
    Malformed,
}

/// The letters and digits of recovery codes: no 0/O or 1/I/L to misread.
pub const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

impl SecondFactorCode {
    pub fn parse(raw: &str) -> Result<SecondFactorCode, SecondFactorCodeError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(SecondFactorCode::Totp(compact));
        }
        if compact.len() == 10 && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            return Ok(SecondFactorCode::Recovery(compact));
        }
        Err(SecondFactorCodeError::Malformed)
    }
}

/// The second factor's rules (RFC 6238 with the usual parameters: HMAC-SHA1, six digits,
/// 30-second steps, one step of clock drift either way), on the `totp-rs` crate.
#[cfg(feature = "ssr")]
pub mod second_factor {
    use chrono::{DateTime, Utc};
    use rand::RngCore;

    pub const STEP_SECONDS: i64 = 30;
    pub const RECOVERY_CODES: usize = 10;

    fn totp(secret: &[u8; 20]) -> totp_rs::TOTP {
        totp_rs::TOTP {
            algorithm: totp_rs::Algorithm::SHA1,
            digits: 6,
            skew: 1,
            step: STEP_SECONDS as u64,
            secret: secret.to_vec(),
        }
    }

    pub fn new_secret() -> [u8; 20] {
        let mut secret = [0u8; 20];
        rand::rng().fill_bytes(&mut secret);
        secret
    }

    pub fn step_of(at: DateTime<Utc>) -> i64 {
        at.timestamp().div_euclid(STEP_SECONDS)
    }

    /// The code an authenticator shows in this time step.
    pub fn code_at_step(secret: &[u8; 20], step: i64) -> String {
        totp(secret).generate(u64::try_from(step * STEP_SECONDS).unwrap_or_default())
    }

    /// The step `code` belongs to, among the current one and its neighbours, if it is later
    /// than the last step accepted (each code is used once).
    pub fn accepted_step(secret: &[u8; 20], code: &str, at: DateTime<Utc>, last_step: Option<i64>) -> Option<i64> {
        let now = step_of(at);
        (now - 1..=now + 1)
            .filter(|step| last_step.is_none_or(|last| *step > last))
            .find(|step| constant_time_eq(code_at_step(secret, *step).as_bytes(), code.as_bytes()))
    }

    fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The secret as authenticator apps take it typed in: base32 without padding.
    pub fn base32(secret: &[u8; 20]) -> String {
        totp(secret).get_secret_base32()
    }

    /// A secret typed as authenticator apps show it (base32, 32 characters); `None` otherwise.
    pub fn secret_from_base32(raw: &str) -> Option<[u8; 20]> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = totp_rs::Secret::Encoded(compact).to_bytes().ok()?;
        bytes.try_into().ok()
    }

    /// The `otpauth://` address the QR code carries (Google's key URI format).
    pub fn otpauth_url(username: &str, secret: &[u8; 20]) -> String {
        format!(
            "otpauth://totp/Prakerja:{username}?secret={}&issuer=Prakerja&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
            base32(secret)
        )
    }

    /// The QR code of the `otpauth://` address, as an SVG image.
    pub fn qr_svg(username: &str, secret: &[u8; 20]) -> String {
        qrcode::QrCode::new(otpauth_url(username, secret).as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default()
    }

    /// Fresh recovery codes, as shown once to the operator (`XXXXX-XXXXX`).
    pub fn new_recovery_codes() -> Vec<String> {
        (0..RECOVERY_CODES)
            .map(|_| crate::secrets::random_grouped(super::RECOVERY_ALPHABET, 2, 5))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_plain() {
        assert_eq!(Username::parse(" Siti.Verif ").unwrap().as_str(), "siti.verif");
        for bad in ["ab", "nama dengan spasi", "ñame", &"a".repeat(41)] {
            assert_eq!(Username::parse(bad), Err(UsernameError::Invalid), "{bad}");
        }
    }

    #[test]
    fn passwords_are_12_to_128_characters_and_never_printed() {
        assert_eq!(Password::parse("pendek"), Err(PasswordError::TooShort));
        assert_eq!(Password::parse(&"x".repeat(129)), Err(PasswordError::TooLong));
        let password = Password::parse("kuda baterai staples benar").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[test]
    fn roles_parse_from_their_codes() {
        assert_eq!(OperatorRole::parse("verifikator"), Ok(OperatorRole::Verifier));
        assert_eq!(OperatorRole::parse("admin-program"), Ok(OperatorRole::ProgramAdmin));
        assert!(OperatorRole::parse("root").is_err());
    }

    #[test]
    fn second_factor_codes_are_six_digits_or_a_recovery_code() {
        assert_eq!(
            SecondFactorCode::parse(" 123 456 "),
            Ok(SecondFactorCode::Totp("123456".into()))
        );
        assert_eq!(
            SecondFactorCode::parse("abcde-fghjk"),
            Ok(SecondFactorCode::Recovery("ABCDEFGHJK".into()))
        );
        for bad in ["", "12345", "1234567", "ABCDE-FGHI1", "abcde"] {
            assert_eq!(
                SecondFactorCode::parse(bad),
                Err(SecondFactorCodeError::Malformed),
                "{bad}"
            );
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn totp_follows_rfc_6238() {
        use chrono::TimeZone;
        // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8 digits at 59 s is
        // 94287082; six digits are its last six.
        let secret: [u8; 20] = *b"12345678901234567890";
        let at = chrono::Utc.timestamp_opt(59, 0).unwrap();
        assert_eq!(
            second_factor::code_at_step(&secret, second_factor::step_of(at)),
            "287082"
        );
        let at = chrono::Utc.timestamp_opt(1_111_111_109, 0).unwrap();
        assert_eq!(
            second_factor::code_at_step(&secret, second_factor::step_of(at)),
            "081804"
        );
        // One step of drift either way; each step once.
        let step = second_factor::step_of(at);
        let code = second_factor::code_at_step(&secret, step - 1);
        assert_eq!(second_factor::accepted_step(&secret, &code, at, None), Some(step - 1));
        assert_eq!(
            second_factor::accepted_step(&secret, &code, at, Some(step - 1)),
            None,
            "used"
        );
        let far = second_factor::code_at_step(&secret, step - 2);
        assert_eq!(second_factor::accepted_step(&secret, &far, at, None), None, "too old");
        assert!(second_factor::otpauth_url("admin", &secret).contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(second_factor::qr_svg("admin", &secret).contains("<svg"));
        let codes = second_factor::new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes
            .iter()
            .all(|c| matches!(SecondFactorCode::parse(c), Ok(SecondFactorCode::Recovery(_)))));
    }
}
