//! SQL for a room's state: the current state (`current_state`) and the state at a past stream
//! position or, for backfilled history, at a past depth, read from the events table.

use std::collections::HashMap;

use super::EventRow;
use crate::store::query::Param;
use crate::store::{Db, Engine, StoreError};

/// Current state of a room: (type, state_key, event_id).
pub async fn current_state_ids(
    db: &Db,
    room_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT type, state_key, event_id FROM current_state WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Current state events of a room, as rows.
pub async fn current_state_events(db: &Db, room_id: &str) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM current_state c JOIN events e ON e.event_id = c.event_id WHERE c.room_id = $1 ORDER BY e.stream_ordering";
    db.fetch_all_pooled(Q, &[Param::Text(room_id)]).await
}

/// One current state event.
pub async fn current_state_event(
    db: &Db,
    room_id: &str,
    kind: &str,
    state_key: &str,
) -> Result<Option<EventRow>, StoreError> {
    const Q: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM current_state c JOIN events e ON e.event_id = c.event_id WHERE c.room_id = $1 AND c.type = $2 AND c.state_key = $3";
    db.fetch_optional(
        Q,
        &[
            Param::Text(room_id),
            Param::Text(kind),
            Param::Text(state_key),
        ],
    )
    .await
}

/// The current state events of one type (every state key), e.g. a space's children.
pub async fn current_state_of_type(
    db: &Db,
    room_id: &str,
    kind: &str,
) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM current_state c JOIN events e ON e.event_id = c.event_id WHERE c.room_id = $1 AND c.type = $2 \
         ORDER BY e.stream_ordering";
    db.fetch_all(Q, &[Param::Text(room_id), Param::Text(kind)])
        .await
}

/// The state of a room as it was at `pos` (after the event at `pos`): the latest state event
/// per (type, state_key) at or before it. Rooms here are linear, so this is exact.
pub async fn state_at(db: &Db, room_id: &str, pos: i64) -> Result<Vec<EventRow>, StoreError> {
    let rows = state_query(db, STATE_NOW, room_id, pos).await?;
    // A room always has state (its create event): none means the state moved on since.
    if !rows.is_empty() {
        return Ok(rows);
    }
    state_query(db, STATE_THEN, room_id, pos).await
}

/// The state at `pos` when it is known to be older than the current state (a state event came
/// since): `state_at` without first trying the current state.
pub async fn state_then(db: &Db, room_id: &str, pos: i64) -> Result<Vec<EventRow>, StoreError> {
    state_query(db, STATE_THEN, room_id, pos).await
}

/// `STATE_THEN` for a JSON array of `{"room_id", "pos"}` at once, on PostgreSQL.
pub(crate) const STATE_THEN_ROOMS: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM json_to_recordset($1::text::json) AS r(room_id text, pos bigint) CROSS JOIN LATERAL \
         (SELECT type, state_key, MAX(stream_ordering) AS so FROM events \
          WHERE room_id = r.room_id AND state_key IS NOT NULL AND stream_ordering <= r.pos GROUP BY type, state_key) l \
         JOIN events e ON e.stream_ordering = l.so ORDER BY e.room_id, e.stream_ordering";

/// `state_then` of each (room, position), by room: on PostgreSQL in one statement, on SQLite
/// (read in place) room by room.
pub async fn state_then_rooms(
    db: &Db,
    rooms: &[(&str, i64)],
) -> Result<HashMap<String, Vec<EventRow>>, StoreError> {
    let mut out: HashMap<String, Vec<EventRow>> = HashMap::with_capacity(rooms.len());
    match db.engine {
        Engine::Postgres => {
            let list: Vec<serde_json::Value> = rooms
                .iter()
                .map(|(room_id, pos)| serde_json::json!({"room_id": room_id, "pos": pos}))
                .collect();
            let list = serde_json::to_string(&list).unwrap_or_default();
            let rows: Vec<EventRow> = db
                .fetch_all_pooled(STATE_THEN_ROOMS, &[Param::Text(&list)])
                .await?;
            for r in rows {
                out.entry(r.room_id.clone()).or_default().push(r);
            }
        }
        Engine::Sqlite => {
            for (room, pos) in rooms {
                out.insert(room.to_string(), state_then(db, room, *pos).await?);
            }
        }
    }
    Ok(out)
}

/// The usual case of `state_at`, the state now: when no entry of the current state is newer
/// than `pos`, no state event is, and the current state (read by its key) is the state at `pos`.
pub(crate) const STATE_NOW: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
         FROM current_state c JOIN events e ON e.stream_ordering = c.stream_ordering WHERE c.room_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM current_state n WHERE n.room_id = $1 AND n.stream_ordering > $2) \
         ORDER BY e.stream_ordering";

/// Else the latest state event of each key up to `pos`.
const STATE_THEN: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id FROM events e \
         JOIN (SELECT type, state_key, MAX(stream_ordering) AS so FROM events \
               WHERE room_id = $1 AND state_key IS NOT NULL AND stream_ordering <= $2 GROUP BY type, state_key) l \
           ON e.stream_ordering = l.so ORDER BY e.stream_ordering";

async fn state_query(
    db: &Db,
    q: &'static str,
    room_id: &str,
    pos: i64,
) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all(q, &[Param::Text(room_id), Param::Int(pos)])
        .await
}

/// The state of a room at a backfilled event (stored below every position the room had when
/// we joined it, so stream order says nothing about the state events stored at the join): the
/// latest state event per (type, state_key) by (depth, position) up to (`depth`, `pos`).
/// Replaying by depth is exact for a room whose history is a line, as ours are.
pub async fn state_at_depth(
    db: &Db,
    room_id: &str,
    depth: i64,
    pos: i64,
) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = concat!(
        "SELECT ",
        event_cols!(),
        " FROM events e WHERE e.room_id = $1 AND e.state_key IS NOT NULL \
         AND (e.depth < $2 OR (e.depth = $2 AND e.stream_ordering <= $3)) \
         AND NOT EXISTS (SELECT 1 FROM events n WHERE n.room_id = $1 AND n.type = e.type \
             AND n.state_key = e.state_key AND (n.depth < $2 OR (n.depth = $2 AND n.stream_ordering <= $3)) \
             AND (n.depth > e.depth OR (n.depth = e.depth AND n.stream_ordering > e.stream_ordering))) \
         ORDER BY e.depth, e.stream_ordering"
    );
    db.fetch_all(
        Q,
        &[Param::Text(room_id), Param::Int(depth), Param::Int(pos)],
    )
    .await
}

/// Every `m.room.history_visibility` event of a room and every member event about a user of
/// `server`, in position order: what decides which events `server` may see.
pub async fn visibility_events(
    db: &Db,
    room_id: &str,
    server: &str,
) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE room_id = $1 AND state_key IS NOT NULL \
         AND ((type = 'm.room.history_visibility' AND state_key = '') \
              OR (type = 'm.room.member' AND state_key LIKE $2 ESCAPE '\\')) \
         ORDER BY stream_ordering"
    );
    let theirs = super::events::on_server(server);
    db.fetch_all(Q, &[Param::Text(room_id), Param::Text(&theirs)])
        .await
}

/// State events of a room with `from < stream <= to`.
pub async fn state_changes(
    db: &Db,
    room_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE room_id = $1 AND state_key IS NOT NULL AND stream_ordering > $2 AND stream_ordering <= $3 ORDER BY stream_ordering"
    );
    db.fetch_all(Q, &[Param::Text(room_id), Param::Int(from), Param::Int(to)])
        .await
}
