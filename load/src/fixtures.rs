//! Signed-in applicants, made directly in the database (COPY): signing in is another flow, spread
//! over the days before the rush; the benchmark measures the signup itself.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// Creates accounts and sessions for applicants `first..first + count`; returns their tokens.
pub async fn signed_in(pool: &PgPool, first: u64, count: u64) -> Result<Vec<String>, sqlx::Error> {
    let mut tokens = Vec::with_capacity(count as usize);
    let mut accounts = String::new();
    let mut sessions = String::new();
    let mut rng = rand::rng();
    for n in first..first + count {
        let account = uuid::Uuid::now_v7();
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        // The server stores only the SHA-256 of the cookie's token.
        let hash = hex::encode(Sha256::digest(token.as_bytes()));
        accounts.push_str(&format!("{account},beban-{n}@contoh.id\n"));
        sessions.push_str(&format!(
            "\\x{hash},{account},2026-11-01T00:00:00Z,2030-01-01T00:00:00Z\n"
        ));
        tokens.push(token);
    }
    let mut connection = pool.acquire().await?;
    let mut copy = connection
        .copy_in_raw("copy accounts (id, email) from stdin with (format csv)")
        .await?;
    copy.send(accounts.into_bytes()).await?;
    copy.finish().await?;
    let mut copy = connection
        .copy_in_raw("copy sessions (token_hash, account_id, created_at, expires_at) from stdin with (format csv)")
        .await?;
    copy.send(sessions.into_bytes()).await?;
    copy.finish().await?;
    Ok(tokens)
}
