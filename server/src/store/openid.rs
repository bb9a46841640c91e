//! SQL for OpenID tokens: short-lived bearer tokens (stored as SHA-256 hex) that let a widget
//! or integration server learn which user holds them.

use super::{Db, StoreError, now_ms};

pub async fn insert(
    db: &Db,
    token_hash: &str,
    user_id: &str,
    expires_ts: i64,
) -> Result<(), StoreError> {
    // Expired tokens are dropped as new ones are issued.
    sqlx::query("DELETE FROM openid_tokens WHERE expires_ts < $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    sqlx::query("INSERT INTO openid_tokens (token_hash, user_id, expires_ts) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_ts)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The user holding an unexpired token.
pub async fn user_for(db: &Db, token_hash: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM openid_tokens WHERE token_hash = $1 AND expires_ts >= $2",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?)
}
