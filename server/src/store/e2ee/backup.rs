//! SQL for server-side room key backup: versions (`e2e_room_keys_versions`) and keys
//! (`e2e_room_keys`).

use crate::store::{Db, StoreError};

/// A backup version: (version, algorithm, auth_data, etag).
pub type BackupVersionRow = (i64, String, String, i64);

/// Creates the next backup version (numbers are never reused) and returns it.
pub async fn create_backup_version(
    db: &Db,
    user_id: &str,
    algorithm: &str,
    auth_data: &str,
) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM e2e_room_keys_versions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO e2e_room_keys_versions (user_id, version, algorithm, auth_data, etag, deleted) VALUES ($1, $2, $3, $4, 0, 0)")
        .bind(user_id)
        .bind(next)
        .bind(algorithm)
        .bind(auth_data)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(next)
}

/// A live backup version, or the latest live one when `version` is `None`.
pub async fn get_backup_version(
    db: &Db,
    user_id: &str,
    version: Option<i64>,
) -> Result<Option<BackupVersionRow>, StoreError> {
    let q = match version {
        Some(_) => {
            "SELECT version, algorithm, auth_data, etag FROM e2e_room_keys_versions WHERE user_id = $1 AND deleted = 0 AND version = $2"
        }
        None => {
            "SELECT version, algorithm, auth_data, etag FROM e2e_room_keys_versions WHERE user_id = $1 AND deleted = 0 ORDER BY version DESC LIMIT 1"
        }
    };
    let mut query = sqlx::query_as(q).bind(user_id);
    if let Some(v) = version {
        query = query.bind(v);
    }
    Ok(query.fetch_optional(&db.pool).await?)
}

pub async fn update_backup_auth_data(
    db: &Db,
    user_id: &str,
    version: i64,
    auth_data: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE e2e_room_keys_versions SET auth_data = $1 WHERE user_id = $2 AND version = $3",
    )
    .bind(auth_data)
    .bind(user_id)
    .bind(version)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn bump_backup_etag(db: &Db, user_id: &str, version: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE e2e_room_keys_versions SET etag = etag + 1 WHERE user_id = $1 AND version = $2",
    )
    .bind(user_id)
    .bind(version)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Marks a version deleted and drops its keys; `Ok(false)` when there was no such live version.
pub async fn delete_backup_version(
    db: &Db,
    user_id: &str,
    version: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("UPDATE e2e_room_keys_versions SET deleted = 1 WHERE user_id = $1 AND version = $2 AND deleted = 0")
        .bind(user_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2")
        .bind(user_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(n == 1)
}

/// One backed-up session key.
#[derive(Debug, Clone)]
pub struct RoomKeyRow {
    pub room_id: String,
    pub session_id: String,
    pub first_message_index: i64,
    pub forwarded_count: i64,
    pub is_verified: bool,
    pub session_data: String,
}

type RoomKeyTuple = (String, String, i64, i64, i64, String);

/// Keys of a backup version, optionally only one room's or one session's.
pub async fn get_room_keys(
    db: &Db,
    user_id: &str,
    version: i64,
    room_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<Vec<RoomKeyRow>, StoreError> {
    let rows: Vec<RoomKeyTuple> = sqlx::query_as(
        "SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys \
         WHERE user_id = $1 AND version = $2 AND ($3 = '' OR room_id = $3) AND ($4 = '' OR session_id = $4) ORDER BY room_id, session_id",
    )
    .bind(user_id)
    .bind(version)
    .bind(room_id.unwrap_or(""))
    .bind(session_id.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(room_id, session_id, first_message_index, forwarded_count, v, session_data)| {
                RoomKeyRow {
                    room_id,
                    session_id,
                    first_message_index,
                    forwarded_count,
                    is_verified: v != 0,
                    session_data,
                }
            },
        )
        .collect())
}

pub async fn put_room_key(
    db: &Db,
    user_id: &str,
    version: i64,
    k: &RoomKeyRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET \
         first_message_index = excluded.first_message_index, forwarded_count = excluded.forwarded_count, \
         is_verified = excluded.is_verified, session_data = excluded.session_data",
    )
    .bind(user_id)
    .bind(version)
    .bind(&k.room_id)
    .bind(&k.session_id)
    .bind(k.first_message_index)
    .bind(k.forwarded_count)
    .bind(k.is_verified as i64)
    .bind(&k.session_data)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_room_keys(
    db: &Db,
    user_id: &str,
    version: i64,
    room_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2 AND ($3 = '' OR room_id = $3) AND ($4 = '' OR session_id = $4)",
    )
    .bind(user_id)
    .bind(version)
    .bind(room_id.unwrap_or(""))
    .bind(session_id.unwrap_or(""))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn count_room_keys(db: &Db, user_id: &str, version: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM e2e_room_keys WHERE user_id = $1 AND version = $2",
        )
        .bind(user_id)
        .bind(version)
        .fetch_one(&db.pool)
        .await?,
    )
}
