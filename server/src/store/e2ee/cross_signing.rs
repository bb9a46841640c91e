//! SQL for cross-signing keys (`e2e_cross_signing_keys`) and the signatures on keys
//! (`e2e_signatures`).

use crate::store::{Db, StoreError};

pub async fn get_cross_signing_key(
    db: &Db,
    user_id: &str,
    key_type: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_cross_signing_keys WHERE user_id = $1 AND key_type = $2",
    )
    .bind(user_id)
    .bind(key_type)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn set_cross_signing_key(
    db: &Db,
    user_id: &str,
    key_type: &str,
    key_json: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_cross_signing_keys (user_id, key_type, key_json, stream_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json, stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(key_type)
    .bind(key_json)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Signatures on a user's keys: (target_key_id, signer_user_id, signer_key_id, signature).
pub async fn signatures_on(
    db: &Db,
    target_user_id: &str,
) -> Result<Vec<(String, String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT target_key_id, signer_user_id, signer_key_id, signature FROM e2e_signatures WHERE target_user_id = $1 \
         ORDER BY target_key_id, signer_user_id, signer_key_id",
    )
    .bind(target_user_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn add_signature(
    db: &Db,
    target_user_id: &str,
    target_key_id: &str,
    signer_user_id: &str,
    signer_key_id: &str,
    signature: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_signatures (target_user_id, target_key_id, signer_user_id, signer_key_id, signature) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (target_user_id, target_key_id, signer_user_id, signer_key_id) DO UPDATE SET signature = excluded.signature",
    )
    .bind(target_user_id)
    .bind(target_key_id)
    .bind(signer_user_id)
    .bind(signer_key_id)
    .bind(signature)
    .execute(&db.pool)
    .await?;
    Ok(())
}
