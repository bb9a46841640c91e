//! SQL for rooms, events, current state, memberships, transaction ids and aliases.

use super::query::{Decode, Param, Row, bind};
use super::{Db, StoreError, now_ms};

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

/// The columns of an event row, in the order its `Decode` reads them.
macro_rules! event_cols {
    () => {
        "stream_ordering, event_id, room_id, json, redacted_by, txn_device_id, txn_id"
    };
}
/// The highest position used by any stream table (the server's start position).
pub async fn max_stream_position(db: &Db) -> Result<i64, StoreError> {
    let v: i64 = sqlx::query_scalar(
        "SELECT MAX(m) FROM (\
            SELECT COALESCE(MAX(stream_ordering), 0) AS m FROM events \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM account_data \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM receipts \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM presence) AS t",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(v)
}

pub async fn room_version(db: &Db, room_id: &str) -> Result<Option<String>, StoreError> {
    const Q: &str = "SELECT room_version FROM rooms WHERE room_id = $1";
    db.fetch_optional(Q, &[Param::Text(room_id)]).await
}

pub async fn get_event(db: &Db, event_id: &str) -> Result<Option<EventRow>, StoreError> {
    const Q: &str = concat!("SELECT ", event_cols!(), " FROM events WHERE event_id = $1");
    db.fetch_optional(Q, &[Param::Text(event_id)]).await
}

pub async fn get_events(db: &Db, event_ids: &[String]) -> Result<Vec<EventRow>, StoreError> {
    let mut out = Vec::with_capacity(event_ids.len());
    for id in event_ids {
        if let Some(r) = get_event(db, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The newest event of a room: (event_id, depth).
pub async fn last_event(db: &Db, room_id: &str) -> Result<Option<(String, i64)>, StoreError> {
    const Q: &str = "SELECT event_id, depth FROM events WHERE room_id = $1 ORDER BY stream_ordering DESC LIMIT 1";
    db.fetch_optional(Q, &[Param::Text(room_id)]).await
}

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

pub(crate) const EVENTS_BACKWARDS: &str = concat!(
    "SELECT ",
    event_cols!(),
    " FROM events WHERE room_id = $1 AND stream_ordering > $2 AND stream_ordering <= $3 ORDER BY stream_ordering DESC LIMIT $4"
);

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

const NOTIFIABLE_EVENTS: &str = concat!(
    "SELECT e.stream_ordering, e.event_id, e.room_id, e.json, e.redacted_by, e.txn_device_id, e.txn_id \
     FROM events e JOIN room_memberships m ON m.room_id = e.room_id AND m.user_id = $1 AND m.membership = 'join' \
     WHERE e.stream_ordering < $2 AND e.stream_ordering > m.stream_ordering AND e.sender <> $1 \
     ORDER BY e.stream_ordering DESC LIMIT $3"
);

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

/// (room_id, membership, event_id, stream_ordering) of a membership.
pub type MembershipRow = (String, String, String, i64);

pub(crate) const MEMBERSHIPS_OF: &str = "SELECT room_id, membership, event_id, stream_ordering FROM room_memberships WHERE user_id = $1 AND forgotten = 0";

/// A user's memberships, leaving out forgotten rooms.
pub async fn memberships_of(db: &Db, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
    db.fetch_all(MEMBERSHIPS_OF, &[Param::Text(user_id)]).await
}

pub(crate) const USERS_SHARING_ROOMS: &str = "SELECT DISTINCT o.user_id FROM room_memberships m \
         JOIN room_memberships o ON o.room_id = m.room_id AND o.membership = 'join' \
         WHERE m.user_id = $1 AND m.membership = 'join'";

/// Everyone joined to a room the user is joined to (the user included).
pub async fn users_sharing_rooms(db: &Db, user_id: &str) -> Result<Vec<String>, StoreError> {
    db.fetch_all(USERS_SHARING_ROOMS, &[Param::Text(user_id)])
        .await
}

pub async fn membership(
    db: &Db,
    user_id: &str,
    room_id: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    const Q: &str = "SELECT membership, stream_ordering FROM room_memberships WHERE user_id = $1 AND room_id = $2";
    db.fetch_optional(Q, &[Param::Text(user_id), Param::Text(room_id)])
        .await
}

/// Members of a room with the given membership.
pub async fn members_with(
    db: &Db,
    room_id: &str,
    membership: &str,
) -> Result<Vec<String>, StoreError> {
    const Q: &str = "SELECT user_id FROM room_memberships WHERE room_id = $1 AND membership = $2 ORDER BY user_id";
    db.fetch_all(Q, &[Param::Text(room_id), Param::Text(membership)])
        .await
}

pub async fn forget(db: &Db, user_id: &str, room_id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE room_memberships SET forgotten = 1 WHERE user_id = $1 AND room_id = $2")
        .bind(user_id)
        .bind(room_id)
        .execute(&db.pool)
        .await?;
    Ok(())
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

/// What one new event changes. A batch of them is written in one transaction.
#[derive(Debug, Clone)]
pub struct NewEventRow {
    pub stream_ordering: i64,
    pub event_id: String,
    pub room_id: String,
    pub sender: String,
    pub kind: String,
    pub state_key: Option<String>,
    pub depth: i64,
    pub origin_server_ts: i64,
    pub json: String,
    /// The client transaction that sent it.
    pub txn: Option<Txn>,
    /// (user_id, membership) for m.room.member events.
    pub membership: Option<(String, String)>,
    /// Room creation: (version, creator).
    pub new_room: Option<(String, String)>,
    /// Event id this redacts.
    pub redacts: Option<String>,
    /// (related event id, rel_type) from content.m.relates_to.
    pub relation: Option<(String, String)>,
}

/// Writes events in stream order in one transaction: all of them or none. Each table gets
/// one multi-row statement per batch, so a batch costs the same few round trips as one event.
pub async fn insert_events(db: &Db, rows: &[NewEventRow]) -> Result<(), StoreError> {
    // PostgreSQL: one statement (data-modifying CTEs) is one round trip and its own
    // transaction. Redactions update events, which a sibling CTE could not see, so a batch
    // with one takes the transaction path.
    if db.engine == super::Engine::Postgres
        && rows.len() <= ROWS_PER_STATEMENT
        && rows.iter().all(|e| e.redacts.is_none())
    {
        return insert_events_one_statement(db, rows).await;
    }
    let mut tx = db.pool.begin().await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        insert_chunk(&mut tx, chunk).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rows per statement: 13 parameters each stays far below SQLite's and PostgreSQL's limits.
const ROWS_PER_STATEMENT: usize = 500;

/// `($first, $first+1, ...), (...)` for `rows` rows of `cols` parameters.
fn values_list_at(first: usize, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(first + r * cols + c).to_string());
        }
        s.push(')');
    }
    s
}

/// Keeps the last of rows sharing a key (a later event replaces an earlier one's state, and
/// PostgreSQL refuses to update one row twice in one statement), in order.
fn last_per_key<'a, K: Eq + std::hash::Hash>(
    rows: impl Iterator<Item = (K, &'a NewEventRow)>,
) -> Vec<&'a NewEventRow> {
    let rows: Vec<(K, &NewEventRow)> = rows.collect();
    let mut last: std::collections::HashMap<&K, usize> = std::collections::HashMap::new();
    for (i, (k, _)) in rows.iter().enumerate() {
        last.insert(k, i);
    }
    rows.iter()
        .enumerate()
        .filter(|(i, (k, _))| last[k] == *i)
        .map(|(_, (_, r))| *r)
        .collect()
}

/// One multi-row statement of a batch: `{head} VALUES (...), (...) {tail}`.
struct Insert<'a> {
    head: &'static str,
    tail: &'static str,
    rows: usize,
    cols: usize,
    /// Each row ends with a literal 0 (room_memberships.forgotten).
    forgotten: bool,
    args: Vec<Param<'a>>,
}

impl Insert<'_> {
    /// The statement with its parameters numbered from `first`.
    fn sql(&self, first: usize) -> String {
        let mut values = values_list_at(first, self.rows, self.cols);
        if self.forgotten {
            values = values.replace(')', ", 0)");
        }
        format!("{} VALUES {}{}", self.head, values, self.tail)
    }
}

/// What a batch of events writes, table by table: rooms created, the events, current state
/// and memberships (the last per key), transaction ids.
fn inserts(rows: &[NewEventRow]) -> Vec<Insert<'_>> {
    let mut out = Vec::new();
    let ts = now_ms();
    let new_rooms: Vec<&NewEventRow> = rows.iter().filter(|e| e.new_room.is_some()).collect();
    if !new_rooms.is_empty() {
        let mut args = Vec::new();
        for e in &new_rooms {
            let (version, creator) = e.new_room.as_ref().expect("filtered");
            args.extend([
                Param::Text(&e.room_id),
                Param::Text(version),
                Param::Text(creator),
                Param::Int(ts),
            ]);
        }
        out.push(Insert {
            head: "INSERT INTO rooms (room_id, room_version, creator, created_ts)",
            tail: "",
            rows: new_rooms.len(),
            cols: 4,
            forgotten: false,
            args,
        });
    }
    let mut args = Vec::new();
    for e in rows {
        args.extend([
            Param::Int(e.stream_ordering),
            Param::Text(&e.event_id),
            Param::Text(&e.room_id),
            Param::Text(&e.sender),
            Param::Text(&e.kind),
            Param::MaybeText(e.state_key.as_deref()),
            Param::Int(e.depth),
            Param::Int(e.origin_server_ts),
            Param::Text(&e.json),
            Param::MaybeText(e.txn.as_ref().map(|t| t.device_id.as_str())),
            Param::MaybeText(e.txn.as_ref().map(|t| t.txn_id.as_str())),
            Param::MaybeText(e.relation.as_ref().map(|r| r.0.as_str())),
            Param::MaybeText(e.relation.as_ref().map(|r| r.1.as_str())),
        ]);
    }
    out.push(Insert {
        head: "INSERT INTO events (stream_ordering, event_id, room_id, sender, type, state_key, depth, origin_server_ts, json, txn_device_id, txn_id, relates_to, rel_type)",
        tail: "",
        rows: rows.len(),
        cols: 13,
        forgotten: false,
        args,
    });
    let state = last_per_key(rows.iter().filter_map(|e| {
        let sk = e.state_key.as_deref()?;
        Some(((e.room_id.as_str(), e.kind.as_str(), sk), e))
    }));
    if !state.is_empty() {
        let mut args = Vec::new();
        for e in &state {
            args.extend([
                Param::Text(&e.room_id),
                Param::Text(&e.kind),
                Param::MaybeText(e.state_key.as_deref()),
                Param::Text(&e.event_id),
                Param::Int(e.stream_ordering),
            ]);
        }
        out.push(Insert {
            head: "INSERT INTO current_state (room_id, type, state_key, event_id, stream_ordering)",
            tail: " ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id, stream_ordering = excluded.stream_ordering",
            rows: state.len(),
            cols: 5,
            forgotten: false,
            args,
        });
    }
    let members = last_per_key(rows.iter().filter_map(|e| {
        let (user, _) = e.membership.as_ref()?;
        Some(((user.as_str(), e.room_id.as_str()), e))
    }));
    if !members.is_empty() {
        let mut args = Vec::new();
        for e in &members {
            let (user, membership) = e.membership.as_ref().expect("filtered");
            args.extend([
                Param::Text(user),
                Param::Text(&e.room_id),
                Param::Text(membership),
                Param::Text(&e.event_id),
                Param::Int(e.stream_ordering),
            ]);
        }
        out.push(Insert {
            head: "INSERT INTO room_memberships (user_id, room_id, membership, event_id, stream_ordering, forgotten)",
            tail: " ON CONFLICT (user_id, room_id) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id, \
                   stream_ordering = excluded.stream_ordering, forgotten = 0",
            rows: members.len(),
            cols: 5,
            forgotten: true,
            args,
        });
    }
    let txns: Vec<&NewEventRow> = rows.iter().filter(|e| e.txn.is_some()).collect();
    if !txns.is_empty() {
        let mut args = Vec::new();
        for e in &txns {
            let t = e.txn.as_ref().expect("filtered");
            args.extend([
                Param::Text(&e.sender),
                Param::Text(&t.device_id),
                Param::Text(&t.scope),
                Param::Text(&t.txn_id),
                Param::Text(&e.event_id),
            ]);
        }
        out.push(Insert {
            head: "INSERT INTO event_txns (user_id, device_id, scope, txn_id, event_id)",
            tail: "",
            rows: txns.len(),
            cols: 5,
            forgotten: false,
            args,
        });
    }
    out
}

async fn execute<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    sql: String,
    args: Vec<Param<'_>>,
) -> Result<(), StoreError> {
    bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &args)
        .execute(ex)
        .await?;
    Ok(())
}

async fn insert_chunk(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[NewEventRow],
) -> Result<(), StoreError> {
    for ins in inserts(rows) {
        let sql = ins.sql(1);
        execute(&mut **tx, sql, ins.args).await?;
    }
    for e in rows {
        if let Some(target) = &e.redacts {
            sqlx::query(
                "UPDATE events SET redacted_by = $1 WHERE event_id = $2 AND redacted_by IS NULL",
            )
            .bind(e.event_id.as_str())
            .bind(target.as_str())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// The batch as one statement of data-modifying CTEs (PostgreSQL).
async fn insert_events_one_statement(db: &Db, rows: &[NewEventRow]) -> Result<(), StoreError> {
    let mut sql = String::from("WITH ");
    let mut args = Vec::new();
    for (i, ins) in inserts(rows).into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ({})", ins.sql(args.len() + 1)));
        args.extend(ins.args);
    }
    sql.push_str(" SELECT 1");
    execute(&db.pool, sql, args).await
}

pub async fn set_alias(
    db: &Db,
    alias: &str,
    room_id: &str,
    creator: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query("INSERT INTO room_aliases (alias, room_id, creator) VALUES ($1, $2, $3) ON CONFLICT (alias) DO NOTHING")
        .bind(alias)
        .bind(room_id)
        .bind(creator)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn alias_room(db: &Db, alias: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT room_id, creator FROM room_aliases WHERE alias = $1")
            .bind(alias)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn delete_alias(db: &Db, alias: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM room_aliases WHERE alias = $1")
        .bind(alias)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn aliases_of(db: &Db, room_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT alias FROM room_aliases WHERE room_id = $1 ORDER BY alias")
            .bind(room_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn set_public(db: &Db, room_id: &str, public: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE rooms SET is_public = $1 WHERE room_id = $2")
        .bind(public as i64)
        .bind(room_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn is_public(db: &Db, room_id: &str) -> Result<Option<bool>, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT is_public FROM rooms WHERE room_id = $1")
        .bind(room_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.map(|v| v != 0))
}

pub async fn public_rooms(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT room_id FROM rooms WHERE is_public = 1 ORDER BY created_ts")
            .fetch_all(&db.pool)
            .await?,
    )
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
