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
}
