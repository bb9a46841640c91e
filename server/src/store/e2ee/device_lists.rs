//! SQL for device-list change positions (`device_list_changes`) and the memberships sync reads
//! to tell whose device lists a user must track.

use crate::store::query::Param;
use crate::store::{Db, StoreError};

pub async fn mark_device_list_change(
    db: &Db,
    user_id: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO device_list_changes (user_id, stream_id) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) const DEVICE_LISTS_CHANGED_SINCE: &str =
    "SELECT user_id FROM device_list_changes WHERE stream_id > $1 ORDER BY user_id";

/// Users whose devices changed after `since` (the latest change only is kept, so a change
/// after `to` also counts: a spurious extra entry, never a missed one).
pub async fn device_lists_changed_since(db: &Db, since: i64) -> Result<Vec<String>, StoreError> {
    db.fetch_all(DEVICE_LISTS_CHANGED_SINCE, &[Param::Int(since)])
        .await
}

pub(crate) const MEMBERSHIPS_AROUND: &str = "SELECT m.user_id, m.room_id, m.membership, m.stream_ordering FROM room_memberships m \
         JOIN room_memberships me ON me.room_id = m.room_id AND me.user_id = $1 \
         WHERE me.membership = 'join' OR me.stream_ordering > $2";

/// Memberships in every room the user is joined to, or whose own membership changed after
/// `since`: (user_id, room_id, membership, stream_ordering).
pub async fn memberships_around(
    db: &Db,
    user_id: &str,
    since: i64,
) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    db.fetch_all(
        MEMBERSHIPS_AROUND,
        &[Param::Text(user_id), Param::Int(since)],
    )
    .await
}

pub(crate) const DEVICE_LIST_STREAM: &str =
    "SELECT stream_id FROM device_list_changes WHERE user_id = $1";

/// The position of a user's latest device-list change, if any.
pub async fn device_list_stream(db: &Db, user_id: &str) -> Result<Option<i64>, StoreError> {
    db.fetch_optional(DEVICE_LIST_STREAM, &[Param::Text(user_id)])
        .await
}
