//! SQL for one-time keys (`e2e_one_time_keys`) and fallback keys (`e2e_fallback_keys`):
//! upload, atomic claims, and the counts sync reports.

use crate::store::query::Param;
use crate::store::{Db, Engine, StoreError, now_ms};

pub async fn get_one_time_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
    key_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 AND key_id = $4",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .bind(key_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Inserts one-time keys (algorithm, key_id, key_json) in one transaction; existing ids are kept.
pub async fn add_one_time_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
    keys: &[(String, String, String)],
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for (algorithm, key_id, key_json) in keys {
        sqlx::query(
            "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, ts) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(algorithm)
        .bind(key_id)
        .bind(key_json)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// (algorithm, count) of the device's unclaimed one-time keys.
pub async fn count_one_time_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    const Q: &str = "SELECT algorithm, COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm ORDER BY algorithm";
    db.fetch_all(Q, &[Param::Text(user_id), Param::Text(device_id)])
        .await
}

/// Takes one one-time key away, atomically: the row is deleted by the same statement that
/// returns it, so two claims can never get the same key. On PostgreSQL the candidate row is
/// locked with SKIP LOCKED, so concurrent claimers pick different rows instead of queueing
/// on one; SQLite runs one writer at a time. Returns (key_id, key_json).
pub async fn claim_one_time_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let lock = if db.engine == Engine::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let q = format!(
        "DELETE FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 AND key_id = (\
            SELECT key_id FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 \
            ORDER BY key_id LIMIT 1{lock}) \
         RETURNING key_id, key_json"
    );
    // A concurrent claim may take the row we picked between our SELECT and DELETE (PostgreSQL
    // re-checks and skips it): try again while keys remain.
    for _ in 0..8 {
        let row: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(q.clone()))
            .bind(user_id)
            .bind(device_id)
            .bind(algorithm)
            .fetch_optional(&db.pool)
            .await?;
        if row.is_some() {
            return Ok(row);
        }
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3")
                .bind(user_id)
                .bind(device_id)
                .bind(algorithm)
                .fetch_one(&db.pool)
                .await?;
        if left == 0 {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Stores the device's fallback key for an algorithm, replacing the old one; `used` is reset
/// unless the same key is uploaded again.
pub async fn set_fallback_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
    key_id: &str,
    key_json: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES ($1, $2, $3, $4, $5, 0) \
         ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, \
         used = CASE WHEN e2e_fallback_keys.key_id = excluded.key_id AND e2e_fallback_keys.key_json = excluded.key_json \
                THEN e2e_fallback_keys.used ELSE 0 END",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .bind(key_id)
    .bind(key_json)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Hands out the fallback key (it stays) and marks it used. Returns (key_id, key_json).
pub async fn claim_fallback_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "UPDATE e2e_fallback_keys SET used = 1 WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 RETURNING key_id, key_json",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .fetch_optional(&db.pool)
    .await?)
}

pub(crate) const KEY_COUNTS: &str = "SELECT 0, algorithm, COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm \
         UNION ALL SELECT 1, algorithm, 0 FROM e2e_fallback_keys WHERE user_id = $1 AND device_id = $2 AND used = 0 \
         ORDER BY 1, 2";

/// Algorithms whose fallback key has not been handed out yet.
/// A device's one-time key counts per algorithm and its unused fallback key types, in one
/// query (sync asks both every time).
pub async fn key_counts(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<(Vec<(String, i64)>, Vec<String>), StoreError> {
    // kind 0: one-time keys (algorithm, count); kind 1: an unused fallback key's algorithm.
    let rows: Vec<(i64, String, i64)> = db
        .fetch_all(KEY_COUNTS, &[Param::Text(user_id), Param::Text(device_id)])
        .await?;
    let (mut counts, mut fallback) = (Vec::new(), Vec::new());
    for (kind, algorithm, n) in rows {
        if kind == 0 {
            counts.push((algorithm, n));
        } else {
            fallback.push(algorithm);
        }
    }
    Ok((counts, fallback))
}
