//! SQL for per-user data sync serves: account data, receipts, filters, presence, push rules.

use std::collections::HashMap;

use super::query::Param;
use super::{Db, Engine, StoreError};

pub async fn set_account_data(
    db: &Db,
    user_id: &str,
    room_id: &str,
    kind: &str,
    content: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content, stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(room_id)
    .bind(kind)
    .bind(content)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn get_account_data(
    db: &Db,
    user_id: &str,
    room_id: &str,
    kind: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT content FROM account_data WHERE user_id = $1 AND room_id = $2 AND type = $3",
    )
    .bind(user_id)
    .bind(room_id)
    .bind(kind)
    .fetch_optional(&db.pool)
    .await?)
}

pub(crate) const ACCOUNT_DATA_SINCE: &str = "SELECT room_id, type, content FROM account_data WHERE user_id = $1 AND stream_id > $2 ORDER BY stream_id";

/// Account data changed after `since`: (room_id, type, content).
pub async fn account_data_since(
    db: &Db,
    user_id: &str,
    since: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    db.fetch_all(
        ACCOUNT_DATA_SINCE,
        &[Param::Text(user_id), Param::Int(since)],
    )
    .await
}

pub async fn set_receipt(
    db: &Db,
    room_id: &str,
    receipt_type: &str,
    user_id: &str,
    thread_id: &str,
    event_id: &str,
    ts: i64,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, ts, stream_id) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts, stream_id = excluded.stream_id",
    )
    .bind(room_id)
    .bind(receipt_type)
    .bind(user_id)
    .bind(thread_id)
    .bind(event_id)
    .bind(ts)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) const RECEIPTS_SINCE: &str = "SELECT receipt_type, user_id, thread_id, event_id, ts FROM receipts WHERE room_id = $1 AND stream_id > $2 ORDER BY stream_id";

/// Receipts in a room changed after `since`: (receipt_type, user_id, thread_id, event_id, ts).
pub async fn receipts_since(
    db: &Db,
    room_id: &str,
    since: i64,
) -> Result<Vec<(String, String, String, String, i64)>, StoreError> {
    db.fetch_all(RECEIPTS_SINCE, &[Param::Text(room_id), Param::Int(since)])
        .await
}

/// `RECEIPTS_SINCE` for a JSON array of rooms at once, on PostgreSQL, with each row's room.
pub(crate) const RECEIPTS_SINCE_ROOMS: &str = "SELECT room_id, receipt_type, user_id, thread_id, event_id, ts FROM receipts \
         WHERE room_id IN (SELECT json_array_elements_text($1::text::json)) AND stream_id > $2 ORDER BY stream_id";

/// `receipts_since` of each of `rooms`, by room (a room without any has no entry): on
/// PostgreSQL in one statement, on SQLite (read in place) room by room.
pub async fn receipts_since_rooms(
    db: &Db,
    rooms: &[&str],
    since: i64,
) -> Result<HashMap<String, Vec<(String, String, String, String, i64)>>, StoreError> {
    let mut out: HashMap<String, Vec<_>> = HashMap::new();
    match db.engine {
        Engine::Postgres => {
            let list = serde_json::to_string(rooms).unwrap_or_default();
            let rows: Vec<(String, String, String, String, String, i64)> = db
                .fetch_all_pooled(
                    RECEIPTS_SINCE_ROOMS,
                    &[Param::Text(&list), Param::Int(since)],
                )
                .await?;
            for (room, rtype, user, thread, event, ts) in rows {
                out.entry(room)
                    .or_default()
                    .push((rtype, user, thread, event, ts));
            }
        }
        Engine::Sqlite => {
            for room in rooms {
                let rows = receipts_since(db, room, since).await?;
                if !rows.is_empty() {
                    out.insert(room.to_string(), rows);
                }
            }
        }
    }
    Ok(out)
}

pub(crate) const READ_POSITION: &str = "SELECT MAX(e.stream_ordering) FROM receipts r JOIN events e ON e.event_id = r.event_id \
         WHERE r.room_id = $1 AND r.user_id = $2 AND r.receipt_type IN ('m.read', 'm.read.private')";

/// The stream position of the event a user's m.read receipt points at, if any.
pub async fn read_position(
    db: &Db,
    room_id: &str,
    user_id: &str,
) -> Result<Option<i64>, StoreError> {
    // MAX answers one row, NULL when there is no receipt.
    let max: Option<Option<i64>> = db
        .fetch_optional(READ_POSITION, &[Param::Text(room_id), Param::Text(user_id)])
        .await?;
    Ok(max.flatten())
}

pub async fn insert_filter(db: &Db, user_id: &str, json: &str) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(filter_id), -1) + 1 FROM filters WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO filters (user_id, filter_id, json) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(next)
        .bind(json)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(next)
}

pub async fn get_filter(
    db: &Db,
    user_id: &str,
    filter_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT json FROM filters WHERE user_id = $1 AND filter_id = $2")
            .bind(user_id)
            .bind(filter_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn set_presence(
    db: &Db,
    user_id: &str,
    state: &str,
    status_msg: Option<&str>,
    ts: i64,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO presence (user_id, state, status_msg, last_active_ts, stream_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg, \
         last_active_ts = excluded.last_active_ts, stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(state)
    .bind(status_msg)
    .bind(ts)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// (state, status_msg, last_active_ts)
pub async fn get_presence(
    db: &Db,
    user_id: &str,
) -> Result<Option<(String, Option<String>, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT state, status_msg, last_active_ts FROM presence WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub(crate) const PRESENCE_SINCE: &str = "SELECT user_id, state, status_msg, last_active_ts FROM presence WHERE stream_id > $1 ORDER BY stream_id";

/// Presence of the given users changed after `since`: (user_id, state, status_msg, last_active_ts).
pub async fn presence_since(
    db: &Db,
    since: i64,
) -> Result<Vec<(String, String, Option<String>, i64)>, StoreError> {
    db.fetch_all(PRESENCE_SINCE, &[Param::Int(since)]).await
}

pub async fn get_push_rules(db: &Db, user_id: &str) -> Result<Option<String>, StoreError> {
    const Q: &str = "SELECT json FROM push_rules WHERE user_id = $1";
    db.fetch_optional(Q, &[Param::Text(user_id)]).await
}

pub async fn set_push_rules(db: &Db, user_id: &str, json: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO push_rules (user_id, json) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET json = excluded.json")
        .bind(user_id)
        .bind(json)
        .execute(&db.pool)
        .await?;
    Ok(())
}
