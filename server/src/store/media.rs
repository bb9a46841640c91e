//! SQL for local media metadata.

use super::{Db, StoreError, now_ms};

#[derive(Debug, Clone)]
pub struct MediaRow {
    pub media_id: String,
    pub user_id: String,
    pub content_type: Option<String>,
    pub filename: Option<String>,
    pub size: Option<i64>,
    pub uploaded: bool,
    pub expires_ts: Option<i64>,
}

pub async fn insert(
    db: &Db,
    media_id: &str,
    user_id: &str,
    content_type: Option<&str>,
    filename: Option<&str>,
    size: Option<i64>,
    uploaded: bool,
    expires_ts: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO media (media_id, user_id, content_type, filename, size, created_ts, uploaded, expires_ts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(media_id)
    .bind(user_id)
    .bind(content_type)
    .bind(filename)
    .bind(size)
    .bind(now_ms())
    .bind(uploaded as i64)
    .bind(expires_ts)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Marks a reserved id as uploaded; false when it was not reserved (or already uploaded).
pub async fn complete(
    db: &Db,
    media_id: &str,
    content_type: Option<&str>,
    filename: Option<&str>,
    size: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE media SET content_type = $1, filename = $2, size = $3, uploaded = 1, expires_ts = NULL WHERE media_id = $4 AND uploaded = 0")
        .bind(content_type)
        .bind(filename)
        .bind(size)
        .bind(media_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(db: &Db, media_id: &str) -> Result<Option<MediaRow>, StoreError> {
    let row: Option<(String, String, Option<String>, Option<String>, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT media_id, user_id, content_type, filename, size, uploaded, expires_ts FROM media WHERE media_id = $1",
    )
    .bind(media_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| MediaRow {
        media_id: r.0,
        user_id: r.1,
        content_type: r.2,
        filename: r.3,
        size: r.4,
        uploaded: r.5 != 0,
        expires_ts: r.6,
    }))
}

/// Reserved, not yet uploaded ids of a user that have not expired.
pub async fn pending_count(db: &Db, user_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM media WHERE user_id = $1 AND uploaded = 0 AND expires_ts > $2",
    )
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await?)
}
