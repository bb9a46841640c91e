//! SQL for state groups (the state of a room after each event, migration 0017) and for
//! soft-failed events. What a group means and how ids are chosen is the service's
//! (service/rooms/state_res.rs); here they are rows.

use super::EventRow;
use crate::store::query::Param;
use crate::store::{Db, StoreError, now_ms};

/// An event's state group (the state after it; none for events stored without one) and its
/// stream position, when the event is stored.
pub async fn event_state_group(
    db: &Db,
    event_id: &str,
) -> Result<Option<(Option<i64>, i64)>, StoreError> {
    const Q: &str = "SELECT state_group, stream_ordering FROM events WHERE event_id = $1";
    db.fetch_optional(Q, &[Param::Text(event_id)]).await
}

/// The newest event of a room: (event id, depth, state group).
pub async fn room_head(
    db: &Db,
    room_id: &str,
) -> Result<Option<(String, i64, Option<i64>)>, StoreError> {
    const Q: &str = "SELECT event_id, depth, state_group FROM events WHERE room_id = $1 \
         ORDER BY stream_ordering DESC LIMIT 1";
    db.fetch_optional(Q, &[Param::Text(room_id)]).await
}

/// A forked room's recorded forward extremities, (event id, depth); none when it is not forked.
pub async fn forward_extremities(db: &Db, room_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    const Q: &str =
        "SELECT event_id, depth FROM forward_extremities WHERE room_id = $1 ORDER BY event_id";
    db.fetch_all(Q, &[Param::Text(room_id)]).await
}

/// The events of a state group: its deltas down to its snapshot, the nearest last (so a
/// caller keeping the last event per (type, state_key) has the group's state).
pub async fn group_state(db: &Db, group: i64) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = "WITH RECURSIVE chain(id, n) AS (\
            SELECT CAST($1 AS BIGINT), 0 \
            UNION ALL SELECT g.prev_id, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.id \
            WHERE g.prev_id IS NOT NULL) \
         SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM chain c JOIN state_group_entries s ON s.group_id = c.id \
         JOIN events e ON e.event_id = s.event_id ORDER BY c.n DESC";
    db.fetch_all(Q, &[Param::Int(group)]).await
}

/// How many deltas a group lies above its snapshot.
pub async fn group_chain(db: &Db, group: i64) -> Result<Option<i64>, StoreError> {
    const Q: &str = "SELECT chain FROM state_groups WHERE id = $1";
    db.fetch_optional(Q, &[Param::Int(group)]).await
}

/// Keeps a soft-failed event (a second copy of the same event is ignored).
pub async fn insert_soft_failed(
    db: &Db,
    event_id: &str,
    room_id: &str,
    json: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO soft_failed_events (event_id, room_id, json, received_ts) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(room_id)
    .bind(json)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether an event was kept as soft-failed.
pub async fn is_soft_failed(db: &Db, event_id: &str) -> Result<bool, StoreError> {
    const Q: &str = "SELECT event_id FROM soft_failed_events WHERE event_id = $1";
    let found: Option<String> = db.fetch_optional(Q, &[Param::Text(event_id)]).await?;
    Ok(found.is_some())
}
