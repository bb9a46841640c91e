//! SQL for registration tokens. Validity is decided and a use reserved in one UPDATE, so two
//! sign-ups racing for a token's last use cannot both get it. The rules about when a token is
//! checked live in `service::registration`.

use super::{Db, StoreError, now_ms};

/// Creates a token (the admin API and tests use this); `Ok(false)` when it already exists.
pub async fn insert(
    db: &Db,
    token: &str,
    uses_allowed: Option<i64>,
    expiry_time: Option<i64>,
) -> Result<bool, StoreError> {
    let res = sqlx::query(
        "INSERT INTO registration_tokens (token, uses_allowed, pending, completed, expiry_time) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (token) DO NOTHING",
    )
    .bind(token)
    .bind(uses_allowed)
    .bind(expiry_time)
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// True when the token exists, has not expired and has uses left.
pub async fn is_valid(db: &Db, token: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registration_tokens WHERE token = $1 \
         AND (expiry_time IS NULL OR expiry_time >= $2) \
         AND (uses_allowed IS NULL OR pending + completed < uses_allowed)",
    )
    .bind(token)
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Reserves one use (pending + 1) if the token is valid; `Ok(false)` when it is not.
pub async fn reserve(db: &Db, token: &str) -> Result<bool, StoreError> {
    let res = sqlx::query(
        "UPDATE registration_tokens SET pending = pending + 1 WHERE token = $1 \
         AND (expiry_time IS NULL OR expiry_time >= $2) \
         AND (uses_allowed IS NULL OR pending + completed < uses_allowed)",
    )
    .bind(token)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Turns a reserved use into a completed one.
pub async fn complete(db: &Db, token: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE registration_tokens SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, \
         completed = completed + 1 WHERE token = $1",
    )
    .bind(token)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Gives a reserved use back (its UIA session expired without registering).
pub async fn release(db: &Db, token: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE registration_tokens SET pending = pending - 1 WHERE token = $1 AND pending > 0",
    )
    .bind(token)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// (uses_allowed, pending, completed, expiry_time)
pub async fn get(
    db: &Db,
    token: &str,
) -> Result<Option<(Option<i64>, i64, i64, Option<i64>)>, StoreError> {
    Ok(sqlx::query_as("SELECT uses_allowed, pending, completed, expiry_time FROM registration_tokens WHERE token = $1")
        .bind(token)
        .fetch_optional(&db.pool)
        .await?)
}
