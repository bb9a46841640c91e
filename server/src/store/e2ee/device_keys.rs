//! SQL for device keys (`e2e_device_keys`) and for forgetting everything end-to-end about a
//! deleted device.

use crate::store::{Db, StoreError, now_ms};

pub async fn get_device_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2",
    )
    .bind(user_id)
    .bind(device_id)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn set_device_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
    key_json: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_device_keys (user_id, device_id, key_json, ts) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = excluded.key_json, ts = excluded.ts",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(key_json)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Device keys of a user's existing devices: (device_id, key_json, display_name).
pub async fn device_keys_of(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys k \
         JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id \
         WHERE k.user_id = $1 ORDER BY k.device_id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Forgets everything end-to-end about a deleted device: keys, pending messages, signatures.
pub async fn delete_device(db: &Db, user_id: &str, device_id: &str) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for q in [
        "DELETE FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_fallback_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM to_device_messages WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM to_device_txns WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_signatures WHERE target_user_id = $1 AND target_key_id = $2",
    ] {
        sqlx::query(q)
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
