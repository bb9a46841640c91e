//! SQL for the events table and client transaction ids (`event_txns`): single events, pages of
//! a room's timeline, relations, and the events a user may be notified about. The rows are
//! written by `batch_insert`. Also what the outbound federation queue still has to send.

use std::collections::HashMap;

use crate::store::query::{Decode, IN_LIST_MAX, Param, Row, bind, placeholders};
use crate::store::{Db, Engine, StoreError};

#[derive(Debug, Clone)]
pub struct EventRow {
    pub stream_ordering: i64,
    pub event_id: String,
    pub room_id: String,
    pub json: String,
    pub redacted_by: Option<String>,
    pub txn_device_id: Option<String>,
    pub txn_id: Option<String>,
}

/// An event row (the columns of `event_cols!`, in order), on either engine.
impl Decode for EventRow {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(EventRow {
            stream_ordering: r.int(0)?,
            event_id: r.text(1)?,
            room_id: r.text(2)?,
            json: r.text(3)?,
            redacted_by: r.maybe_text(4)?,
            txn_device_id: r.maybe_text(5)?,
            txn_id: r.maybe_text(6)?,
        })
    }
}

pub async fn get_event(db: &Db, event_id: &str) -> Result<Option<EventRow>, StoreError> {
    const Q: &str = concat!("SELECT ", event_cols!(), " FROM events WHERE event_id = $1");
    db.fetch_optional(Q, &[Param::Text(event_id)]).await
}

/// The stored ones of `event_ids`, in the order asked: one statement for up to 5,000 ids.
pub async fn get_events(db: &Db, event_ids: &[&str]) -> Result<Vec<EventRow>, StoreError> {
    let mut found: std::collections::HashMap<String, EventRow> =
        std::collections::HashMap::with_capacity(event_ids.len());
    for chunk in event_ids.chunks(IN_LIST_MAX) {
        let sql = format!(
            concat!(
                "SELECT ",
                event_cols!(),
                " FROM events WHERE event_id IN ({})"
            ),
            placeholders(db.engine, chunk.len())
        );
        let params: Vec<Param<'_>> = chunk.iter().map(|id| Param::Text(id)).collect();
        let rows = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
            .try_map(|r: sqlx::any::AnyRow| EventRow::decode(&r))
            .fetch_all(&db.pool)
            .await?;
        found.extend(rows.into_iter().map(|r| (r.event_id.clone(), r)));
    }
    Ok(event_ids
        .iter()
        .filter_map(|id| found.remove(*id))
        .collect())
}

/// Which of `event_ids` are stored: one statement for up to 5,000 ids.
pub async fn held_events(db: &Db, event_ids: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for chunk in event_ids.chunks(IN_LIST_MAX) {
        let sql = format!(
            "SELECT event_id FROM events WHERE event_id IN ({})",
            placeholders(db.engine, chunk.len())
        );
        let params: Vec<Param<'_>> = chunk.iter().map(|id| Param::Text(id)).collect();
        let ids = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
            .try_map(|r: sqlx::any::AnyRow| r.text(0))
            .fetch_all(&db.pool)
            .await?;
        out.extend(ids);
    }
    Ok(out)
}

/// The lowest position of any event (0 when there is none below 0): backfilled history is
/// stored below it.
pub async fn lowest_position(db: &Db) -> Result<i64, StoreError> {
    const Q: &str = "SELECT MIN(stream_ordering) FROM events";
    let lowest: Option<Option<i64>> = db.fetch_optional(Q, &[]).await?;
    Ok(lowest.flatten().unwrap_or(0).min(0))
}

pub(crate) const EVENTS_BACKWARDS: &str = concat!(
    "SELECT ",
    event_cols!(),
    " FROM events WHERE room_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3 ORDER BY stream_ordering DESC LIMIT $4"
);

/// How many rooms a caller hands a batched read (`events_backwards_rooms`, `state_then_rooms`,
/// `userdata::receipts_since_rooms`) at once, in an initial sync and in sliding sync's first
/// answer: a user in 1,000 rooms takes five statements of each kind.
pub const ROOMS_PER_BATCH: usize = 200;

/// `EVENTS_BACKWARDS` for a JSON array of rooms at once, on PostgreSQL (one statement, each
/// room read through its index as alone).
pub(crate) const EVENTS_BACKWARDS_ROOMS: &str = concat!(
    "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
     FROM json_array_elements_text($1::text::json) AS r(room_id) CROSS JOIN LATERAL (SELECT ",
    event_cols!(),
    " FROM events WHERE room_id = r.room_id AND stream_ordering > $2 AND stream_ordering <= $3 \
     ORDER BY stream_ordering DESC LIMIT $4) e ORDER BY e.room_id, e.stream_ordering DESC"
);

/// `events_backwards` of each of `rooms`, by room (a room without events has no entry): on
/// PostgreSQL in one statement, on SQLite (read in place) room by room.
pub async fn events_backwards_rooms(
    db: &Db,
    rooms: &[&str],
    from: i64,
    to: i64,
    limit: i64,
) -> Result<HashMap<String, Vec<EventRow>>, StoreError> {
    let mut out: HashMap<String, Vec<EventRow>> = HashMap::with_capacity(rooms.len());
    match db.engine {
        Engine::Postgres => {
            let list = serde_json::to_string(rooms).unwrap_or_default();
            let rows: Vec<EventRow> = db
                .fetch_all_pooled(
                    EVENTS_BACKWARDS_ROOMS,
                    &[
                        Param::Text(&list),
                        Param::Int(from),
                        Param::Int(to),
                        Param::Int(limit),
                    ],
                )
                .await?;
            for r in rows {
                out.entry(r.room_id.clone()).or_default().push(r);
            }
        }
        Engine::Sqlite => {
            for room in rooms {
                let rows = events_backwards(db, room, from, to, limit).await?;
                if !rows.is_empty() {
                    out.insert(room.to_string(), rows);
                }
            }
        }
    }
    Ok(out)
}

/// The kinds of event that move a room up a sliding sync list (Synapse's default bump event
/// types), as `LAST_BUMP` lists them.
pub const BUMP_TYPES: &[&str] = &[
    "m.room.create",
    "m.room.message",
    "m.room.encrypted",
    "m.sticker",
    "m.call.invite",
    "m.poll.start",
    "m.beacon_info",
];

pub(crate) const LAST_BUMP: &str = "SELECT stream_ordering FROM events WHERE room_id = $1 AND stream_ordering <= $2 \
     AND type IN ('m.room.create', 'm.room.message', 'm.room.encrypted', 'm.sticker', 'm.call.invite', 'm.poll.start', 'm.beacon_info') \
     ORDER BY stream_ordering DESC LIMIT 1";

/// The position of a room's newest event at or before `upto` of the kinds that move a room
/// up a sliding sync list (Synapse's default bump event types).
pub async fn last_bump(db: &Db, room_id: &str, upto: i64) -> Result<Option<i64>, StoreError> {
    db.fetch_optional(LAST_BUMP, &[Param::Text(room_id), Param::Int(upto)])
        .await
}

/// Up to `limit` events of a room with `from < stream <= to`, newest first.
pub async fn events_backwards(
    db: &Db,
    room_id: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all(
        EVENTS_BACKWARDS,
        &[
            Param::Text(room_id),
            Param::Int(from),
            Param::Int(to),
            Param::Int(limit),
        ],
    )
    .await
}

const NOTIFIABLE_EVENTS: &str = "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id FROM events e JOIN room_memberships m ON m.room_id = e.room_id AND m.user_id = $1 AND m.membership = 'join' WHERE e.stream_ordering < $2 AND e.stream_ordering > m.stream_ordering AND e.sender <> $1 ORDER BY e.stream_ordering DESC LIMIT $3";

/// Up to `limit` events before position `before`, newest first, sent by others into the rooms
/// `user_id` is joined to since they joined: the events their push rules may notify about.
pub async fn notifiable_events(
    db: &Db,
    user_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all_pooled(
        NOTIFIABLE_EVENTS,
        &[Param::Text(user_id), Param::Int(before), Param::Int(limit)],
    )
    .await
}

pub(crate) const EVENTS_FORWARDS: &str = concat!(
    "SELECT ",
    event_cols!(),
    " FROM events WHERE room_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3 ORDER BY stream_ordering ASC LIMIT $4"
);

/// Up to `limit` events of a room with `from < stream <= to`, oldest first.
pub async fn events_forwards(
    db: &Db,
    room_id: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    db.fetch_all(
        EVENTS_FORWARDS,
        &[
            Param::Text(room_id),
            Param::Int(from),
            Param::Int(to),
            Param::Int(limit),
        ],
    )
    .await
}

/// Events of a room related to `event_id` (optionally by rel_type and event type), newest first
/// with `dir_backwards`, between stream positions `from < s <= to`.
#[allow(clippy::too_many_arguments)]
pub async fn relations(
    db: &Db,
    room_id: &str,
    event_id: &str,
    rel_type: Option<&str>,
    kind: Option<&str>,
    from: i64,
    to: i64,
    limit: i64,
    dir_backwards: bool,
) -> Result<Vec<EventRow>, StoreError> {
    macro_rules! relations {
        ($order:literal) => {
            concat!(
                "SELECT ",
                event_cols!(),
                " FROM events WHERE relates_to = $1 AND room_id = $2 AND ($3 = '' OR rel_type = $3) AND ($4 = '' OR type = $4) \
                 AND stream_ordering > $5 AND stream_ordering <= $6 ORDER BY stream_ordering ",
                $order,
                " LIMIT $7"
            )
        };
    }
    let q = if dir_backwards {
        relations!("DESC")
    } else {
        relations!("ASC")
    };
    db.fetch_all_pooled(
        q,
        &[
            Param::Text(event_id),
            Param::Text(room_id),
            Param::Text(rel_type.unwrap_or("")),
            Param::Text(kind.unwrap_or("")),
            Param::Int(from),
            Param::Int(to),
            Param::Int(limit),
        ],
    )
    .await
}

pub(crate) const TXN_EVENT: &str = "SELECT event_id FROM event_txns WHERE user_id = $1 AND device_id = $2 AND scope = $3 AND txn_id = $4";

/// A client transaction: the device that made it, the request it was made on (`scope`: the
/// path up to the transaction id, without the version prefix) and its id. The spec scopes a
/// transaction id to the device and the request path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Txn {
    pub device_id: String,
    pub scope: String,
    pub txn_id: String,
}

/// The event a user's transaction created, if any.
pub async fn txn_event(db: &Db, user_id: &str, txn: &Txn) -> Result<Option<String>, StoreError> {
    db.fetch_optional(
        TXN_EVENT,
        &[
            Param::Text(user_id),
            Param::Text(&txn.device_id),
            Param::Text(&txn.scope),
            Param::Text(&txn.txn_id),
        ],
    )
    .await
}

/// `LIKE` pattern for ids on `server` (`%:server`, wildcards in the name escaped).
pub(crate) fn on_server(server: &str) -> String {
    let escaped = server
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%:{escaped}")
}

/// Up to `limit` events of ours (sent by a user of `ours`) after `after` that `destination`
/// should receive: in a room where one of its users is joined, or a member event about one
/// of its users (an invite, a kick, its own leave), in stream order.
pub async fn pending_events(
    db: &Db,
    ours: &str,
    destination: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    const Q: &str = concat!(
        "SELECT ",
        event_cols!(),
        " FROM events e WHERE e.stream_ordering > $1 AND e.sender LIKE $2 ESCAPE '\\' \
         AND (e.room_id IN (SELECT m.room_id FROM room_memberships m \
                            WHERE m.membership = 'join' AND m.user_id LIKE $3 ESCAPE '\\') \
              OR (e.type = 'm.room.member' AND e.state_key LIKE $3 ESCAPE '\\')) \
         ORDER BY e.stream_ordering LIMIT $4"
    );
    let (ours, theirs) = (on_server(ours), on_server(destination));
    db.fetch_all(
        Q,
        &[
            Param::Int(after),
            Param::Text(&ours),
            Param::Text(&theirs),
            Param::Int(limit),
        ],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The change log of bumps (`service::changes`) and the query must agree on the kinds.
    #[test]
    fn last_bump_lists_the_bump_types() {
        let listed: Vec<String> = BUMP_TYPES.iter().map(|t| format!("'{t}'")).collect();
        assert!(
            LAST_BUMP.contains(&format!("type IN ({})", listed.join(", "))),
            "LAST_BUMP and BUMP_TYPES differ"
        );
    }
}
