//! SQL for user-interactive auth sessions and shared-secret registration nonces (migration
//! 0023). The rules (lifetimes, binding to an endpoint and a user, which stages pass) live in
//! `service::uia` and `service::register_nonce`.

use super::{Db, StoreError};

/// A stored session.
pub struct SessionRow {
    pub endpoint: String,
    pub user_id: Option<String>,
    pub created_ms: i64,
    pub params: String,
}

pub async fn create(
    db: &Db,
    id: &str,
    endpoint: &str,
    user_id: Option<&str>,
    created_ms: i64,
    params: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO uia_sessions (session_id, endpoint, user_id, created_ms, params) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(endpoint)
    .bind(user_id)
    .bind(created_ms)
    .bind(params)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<SessionRow>, StoreError> {
    let row: Option<(String, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT endpoint, user_id, created_ms, params FROM uia_sessions WHERE session_id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(
        row.map(|(endpoint, user_id, created_ms, params)| SessionRow {
            endpoint,
            user_id,
            created_ms,
            params,
        }),
    )
}

pub async fn set_params(db: &Db, id: &str, params: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE uia_sessions SET params = $2 WHERE session_id = $1")
        .bind(id)
        .bind(params)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Sessions older than `before_ms` (and, past `keep` sessions, the oldest) are deleted; returns
/// the registration tokens they had reserved without registering anyone.
pub async fn evict(db: &Db, before_ms: i64, keep: i64) -> Result<Vec<String>, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uia_sessions")
        .fetch_one(&db.pool)
        .await?;
    // The creation time below which sessions go: expired ones, and enough of the oldest to
    // leave room for one more.
    let mut cutoff = before_ms;
    if count >= keep {
        let nth: Option<i64> = sqlx::query_scalar(
            "SELECT created_ms FROM uia_sessions ORDER BY created_ms LIMIT 1 OFFSET $1",
        )
        .bind(count - keep)
        .fetch_optional(&db.pool)
        .await?;
        cutoff = cutoff.max(nth.map_or(i64::MAX, |t| t + 1));
    }
    let mut tx = db.pool.begin().await?;
    let released: Vec<String> = sqlx::query_scalar(
        "SELECT d.value FROM uia_session_data d JOIN uia_sessions s ON s.session_id = d.session_id \
         WHERE s.created_ms < $1 AND d.key = 'registration_token' \
         AND NOT EXISTS (SELECT 1 FROM uia_session_data r \
                         WHERE r.session_id = s.session_id AND r.key = 'registered_user_id')",
    )
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM uia_sessions WHERE created_ms < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(released)
}

pub async fn add_stage(db: &Db, id: &str, stage: &str, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO uia_session_stages (session_id, stage, done_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (session_id, stage) DO NOTHING",
    )
    .bind(id)
    .bind(stage)
    .bind(now_ms)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The stages completed, in the order they were.
pub async fn stages(db: &Db, id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT stage FROM uia_session_stages WHERE session_id = $1 ORDER BY done_ms, stage",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn get_data(db: &Db, id: &str, key: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM uia_session_data WHERE session_id = $1 AND key = $2")
            .bind(id)
            .bind(key)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Sets a value of a session that exists (nothing otherwise).
pub async fn set_data(db: &Db, id: &str, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO uia_session_data (session_id, key, value) \
         SELECT session_id, $2, $3 FROM uia_sessions WHERE session_id = $1 \
         ON CONFLICT (session_id, key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(id)
    .bind(key)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Stores a nonce issued at `now_ms`, after deleting those issued before `before_ms` and, past
/// `keep` outstanding, the oldest.
pub async fn issue_nonce(
    db: &Db,
    nonce: &str,
    now_ms: i64,
    before_ms: i64,
    keep: i64,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM registration_nonces WHERE created_ms < $1")
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
    let outstanding: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registration_nonces")
        .fetch_one(&mut *tx)
        .await?;
    if outstanding >= keep {
        sqlx::query(
            "DELETE FROM registration_nonces WHERE nonce IN \
             (SELECT nonce FROM registration_nonces ORDER BY created_ms LIMIT $1)",
        )
        .bind(outstanding - keep + 1)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("INSERT INTO registration_nonces (nonce, created_ms) VALUES ($1, $2)")
        .bind(nonce)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the nonce, returning when it was issued (`None`: not issued, or already used).
pub async fn take_nonce(db: &Db, nonce: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("DELETE FROM registration_nonces WHERE nonce = $1 RETURNING created_ms")
            .bind(nonce)
            .fetch_optional(&db.pool)
            .await?,
    )
}
