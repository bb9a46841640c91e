//! SQL for the admin API's registration-token management: listing (optionally by validity),
//! updating and deleting rows of `registration_tokens`. Creating and the sign-up side are in
//! `store::registration_tokens`.

use super::{Db, StoreError, now_ms};

/// token, uses_allowed, pending, completed, expiry_time
pub type TokenRow = (String, Option<i64>, i64, i64, Option<i64>);

const COLS: &str = "token, uses_allowed, pending, completed, expiry_time";

/// Every token; `Some(true)` only valid ones, `Some(false)` only expired or used-up ones.
pub async fn list(db: &Db, valid: Option<bool>) -> Result<Vec<TokenRow>, StoreError> {
    let filter = match valid {
        None => "",
        Some(true) => {
            "WHERE (uses_allowed IS NULL OR uses_allowed > pending + completed) AND (expiry_time IS NULL OR expiry_time > $1)"
        }
        Some(false) => "WHERE (uses_allowed <= pending + completed OR expiry_time <= $1)",
    };
    let sql = format!("SELECT {COLS} FROM registration_tokens {filter} ORDER BY token");
    let q = sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql));
    let q = if valid.is_some() { q.bind(now_ms()) } else { q };
    Ok(q.fetch_all(&db.pool).await?)
}

pub async fn get(db: &Db, token: &str) -> Result<Option<TokenRow>, StoreError> {
    let sql = format!("SELECT {COLS} FROM registration_tokens WHERE token = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(token)
        .fetch_optional(&db.pool)
        .await?)
}

/// Sets the given fields (`None`: leave as is; `Some(None)`: NULL); `Ok(false)` when the token
/// does not exist.
pub async fn update(
    db: &Db,
    token: &str,
    uses_allowed: Option<Option<i64>>,
    expiry_time: Option<Option<i64>>,
) -> Result<bool, StoreError> {
    let mut tx = db.pool.begin().await?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT token FROM registration_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Ok(false);
    }
    if let Some(u) = uses_allowed {
        sqlx::query("UPDATE registration_tokens SET uses_allowed = $1 WHERE token = $2")
            .bind(u)
            .bind(token)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(e) = expiry_time {
        sqlx::query("UPDATE registration_tokens SET expiry_time = $1 WHERE token = $2")
            .bind(e)
            .bind(token)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// `Ok(false)` when the token does not exist.
pub async fn delete(db: &Db, token: &str) -> Result<bool, StoreError> {
    let res = sqlx::query("DELETE FROM registration_tokens WHERE token = $1")
        .bind(token)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}
