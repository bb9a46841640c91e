//! SQL for other servers' media kept in our cache (`remote_media`): what the origin said of
//! each file; the bytes are on disk, where the media service put them.

use super::query::{Decode, Param, Row};
use super::{Db, StoreError, now_ms};

/// One cached file of another server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMediaRow {
    pub origin: String,
    pub media_id: String,
    pub content_type: Option<String>,
    pub upload_name: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub created_ts: i64,
}

impl Decode for RemoteMediaRow {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(RemoteMediaRow {
            origin: r.text(0)?,
            media_id: r.text(1)?,
            content_type: r.maybe_text(2)?,
            upload_name: r.maybe_text(3)?,
            size: r.int(4)?,
            sha256: r.text(5)?,
            created_ts: r.int(6)?,
        })
    }
}

pub async fn get(
    db: &Db,
    origin: &str,
    media_id: &str,
) -> Result<Option<RemoteMediaRow>, StoreError> {
    const Q: &str = "SELECT origin, media_id, content_type, upload_name, size, sha256, created_ts \
                     FROM remote_media WHERE origin = $1 AND media_id = $2";
    db.fetch_optional(Q, &[Param::Text(origin), Param::Text(media_id)])
        .await
}

/// Records a fetched file (replacing what was recorded of it, when its bytes had gone).
pub async fn put(
    db: &Db,
    origin: &str,
    media_id: &str,
    content_type: Option<&str>,
    upload_name: Option<&str>,
    size: i64,
    sha256: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO remote_media \
         (origin, media_id, content_type, upload_name, size, sha256, created_ts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (origin, media_id) DO UPDATE SET content_type = excluded.content_type, \
         upload_name = excluded.upload_name, size = excluded.size, sha256 = excluded.sha256, \
         created_ts = excluded.created_ts",
    )
    .bind(origin)
    .bind(media_id)
    .bind(content_type)
    .bind(upload_name)
    .bind(size)
    .bind(sha256)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}
