//! SQL for other servers' users' device lists as their servers told us (`remote_device_lists`,
//! `remote_devices`), and what we told other servers of ours (`device_list_outbound`, the
//! previous stream id of each update's `prev_id` chain). Never imports services.

use crate::store::query::{IN_LIST_MAX, Param, bind, placeholders};
use crate::store::{Db, StoreError};

/// A remote user's cached list: (stream_id, stale).
pub(crate) const REMOTE_DEVICE_LIST: &str =
    "SELECT stream_id, stale FROM remote_device_lists WHERE user_id = $1";

pub async fn remote_device_list(db: &Db, user_id: &str) -> Result<Option<(i64, i64)>, StoreError> {
    db.fetch_optional(REMOTE_DEVICE_LIST, &[Param::Text(user_id)])
        .await
}

pub(crate) const REMOTE_DEVICES: &str = "SELECT device_id, display_name, keys_json FROM remote_devices \
     WHERE user_id = $1 ORDER BY device_id";

/// A remote user's cached devices: (device_id, display_name, keys_json).
pub async fn remote_devices(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(String, Option<String>, Option<String>)>, StoreError> {
    db.fetch_all(REMOTE_DEVICES, &[Param::Text(user_id)]).await
}

/// One device of a remote user changed (`keys_json` `None` and `deleted`: it is gone); the
/// list is now at `stream_id` and current.
pub async fn apply_remote_device(
    db: &Db,
    user_id: &str,
    device_id: &str,
    deleted: bool,
    display_name: Option<&str>,
    keys_json: Option<&str>,
    stream_id: i64,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    if deleted {
        sqlx::query("DELETE FROM remote_devices WHERE user_id = $1 AND device_id = $2")
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO remote_devices (user_id, device_id, display_name, keys_json) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, device_id) DO UPDATE SET \
             display_name = excluded.display_name, \
             keys_json = COALESCE(excluded.keys_json, remote_devices.keys_json)",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(display_name)
        .bind(keys_json)
        .execute(&mut *tx)
        .await?;
    }
    set_list(&mut tx, user_id, stream_id).await?;
    tx.commit().await?;
    Ok(())
}

/// A remote user's whole device list, fetched from their server: replaces what was cached.
/// `devices`: (device_id, display_name, keys_json).
pub async fn replace_remote_devices(
    db: &Db,
    user_id: &str,
    devices: &[(String, Option<String>, String)],
    stream_id: i64,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM remote_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for (device_id, name, keys) in devices {
        sqlx::query(
            "INSERT INTO remote_devices (user_id, device_id, display_name, keys_json) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(name.as_deref())
        .bind(keys)
        .execute(&mut *tx)
        .await?;
    }
    set_list(&mut tx, user_id, stream_id).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_list(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO remote_device_lists (user_id, stream_id, stale) VALUES ($1, $2, 0) \
         ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id, stale = 0",
    )
    .bind(user_id)
    .bind(stream_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks remote users' cached lists as possibly out of date (fetched again when next asked):
/// one statement for up to 5,000 users.
pub async fn mark_remote_lists_stale(db: &Db, user_ids: &[&str]) -> Result<(), StoreError> {
    for chunk in user_ids.chunks(IN_LIST_MAX) {
        let list = placeholders(db.engine, chunk.len());
        let sql = format!("UPDATE remote_device_lists SET stale = 1 WHERE user_id IN ({list})");
        let params: Vec<Param<'_>> = chunk.iter().map(|u| Param::Text(u)).collect();
        bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// Marks stale the cached lists of everyone joined to `room_id` (one of our users just joined
/// it: updates sent while we shared no room with them never reached us).
pub async fn mark_room_lists_stale(db: &Db, room_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE remote_device_lists SET stale = 1 WHERE user_id IN \
         (SELECT user_id FROM room_memberships WHERE room_id = $1 AND membership = 'join')",
    )
    .bind(room_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) const OUTBOUND_DEVICE_STREAM: &str =
    "SELECT stream_id FROM device_list_outbound WHERE destination = $1 AND user_id = $2";

/// The stream id of the last device-list update of `user_id` sent to `destination`.
pub async fn outbound_device_stream(
    db: &Db,
    destination: &str,
    user_id: &str,
) -> Result<Option<i64>, StoreError> {
    db.fetch_optional(
        OUTBOUND_DEVICE_STREAM,
        &[Param::Text(destination), Param::Text(user_id)],
    )
    .await
}

/// Records that `destination` knows `user_id`'s device list as of `stream_id`.
pub async fn set_outbound_device_stream(
    db: &Db,
    destination: &str,
    user_id: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO device_list_outbound (destination, user_id, stream_id) VALUES ($1, $2, $3) \
         ON CONFLICT (destination, user_id) DO UPDATE SET stream_id = excluded.stream_id",
    )
    .bind(destination)
    .bind(user_id)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) const SHARES_ROOM_WITH_LOCAL: &str = "SELECT m.room_id FROM room_memberships m \
     JOIN room_memberships o ON o.room_id = m.room_id AND o.membership = 'join' \
     WHERE m.user_id = $1 AND m.membership = 'join' AND o.user_id LIKE $2 ESCAPE '\\' LIMIT 1";

/// Whether `user_id` is joined to a room a user of `ours` (this server) is joined to.
pub async fn shares_room_with_local(
    db: &Db,
    user_id: &str,
    ours: &str,
) -> Result<bool, StoreError> {
    let pattern = crate::store::rooms::on_server(ours);
    Ok(db
        .fetch_optional::<String>(
            SHARES_ROOM_WITH_LOCAL,
            &[Param::Text(user_id), Param::Text(&pattern)],
        )
        .await?
        .is_some())
}
