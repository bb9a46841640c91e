//! Writes a batch of new events in one transaction: the rooms they create, the events, current
//! state, memberships, transaction ids and redactions, one multi-row statement per table (one
//! statement of data-modifying CTEs on PostgreSQL when it can). History (older events fetched
//! by backfill) is written as events and redactions only.

use super::Txn;
use crate::store::query::{Param, Statement, bind, push_param};
use crate::store::{Db, Engine, StoreError, now_ms};

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
    /// An older event stored behind the room's timeline (backfill, at a negative position):
    /// it is history, so it changes no current state, membership, room or transaction row.
    pub history: bool,
    /// The state group of the state after it (`state_groups`); `None` for history.
    pub state_group: Option<i64>,
    /// State groups its storing makes (at most three; see the 0017 migration).
    pub new_groups: Vec<NewStateGroup>,
    /// The room's whole current state after it, when it is not the state before it plus
    /// itself (forks merged by state resolution): (type, state_key, event id, position) each.
    pub resolved_state: Option<Vec<StateEntry>>,
    /// The room's forward extremities after it, (event id, depth), when they are worth
    /// recording: the room is forked, or this event ends a fork (see the 0018 migration).
    pub forward_extremities: Option<Vec<(String, i64)>>,
}

#[cfg(test)]
impl NewEventRow {
    /// For tests: a message `$e{pos}` of `@a:x` in `!r:x` at `pos`, changing nothing else.
    pub fn message(pos: i64) -> NewEventRow {
        NewEventRow {
            stream_ordering: pos,
            event_id: format!("$e{pos}"),
            room_id: "!r:x".into(),
            sender: "@a:x".into(),
            kind: "m.room.message".into(),
            state_key: None,
            depth: pos,
            origin_server_ts: 0,
            json: "{}".into(),
            txn: None,
            membership: None,
            new_room: None,
            redacts: None,
            relation: None,
            history: false,
            state_group: None,
            new_groups: Vec::new(),
            resolved_state: None,
            forward_extremities: None,
        }
    }
}

/// One entry of a room's current state.
#[derive(Debug, Clone)]
pub struct StateEntry {
    pub kind: String,
    pub state_key: String,
    pub event_id: String,
    /// The event's stream position.
    pub stream_ordering: i64,
    /// Its membership, for an m.room.member event.
    pub membership: Option<String>,
}

/// A state group to store: a delta on `prev_id`, or a snapshot (`prev_id` none).
#[derive(Debug, Clone)]
pub struct NewStateGroup {
    pub id: i64,
    pub prev_id: Option<i64>,
    /// Deltas above the nearest snapshot (0 for a snapshot).
    pub chain: i64,
    /// (type, state_key, event id).
    pub entries: Vec<(String, String, String)>,
}

/// Writes events in stream order in one transaction: all of them or none. Each table gets
/// one multi-row statement per batch, so a batch costs the same few round trips as one event.
pub async fn insert_events(db: &Db, rows: &[NewEventRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    // PostgreSQL: one statement (data-modifying CTEs) is one round trip and its own
    // transaction. Redactions update events, which a sibling CTE could not see, so a batch
    // with one takes the transaction path.
    // A resolved state (a merge of forks, rare) replaces the room's current state between the
    // events before it and those after it, so it also takes the transaction path, as do state
    // snapshots (many entries).
    if db.engine == Engine::Postgres
        && rows.len() <= ONE_STATEMENT_ROWS
        && rows.iter().all(|e| {
            e.redacts.is_none()
                && e.resolved_state.is_none()
                && e.forward_extremities.is_none()
                && e.new_groups.iter().all(|g| g.entries.len() <= 1)
        })
    {
        return insert_events_one_statement(db, rows).await;
    }
    let statements = statements(db.engine, rows);
    db.write_all(&statements, rows.len() >= LONG_BATCH).await
}

/// Events from which a batch's writing is long enough to leave the runtime's worker.
const LONG_BATCH: usize = 64;

/// The statements of a batch's transaction, in order: each chunk's inserts and redactions,
/// a resolved state where one replaces the room's, the forward extremities last.
fn statements(engine: Engine, rows: &[NewEventRow]) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    let mut rest = rows;
    while !rest.is_empty() {
        let upto = rest
            .iter()
            .position(|e| e.resolved_state.is_some())
            .map_or(rest.len(), |i| i + 1);
        let (segment, after) = rest.split_at(upto);
        for chunk in segment.chunks(ROWS_PER_STATEMENT) {
            out.extend(
                inserts(chunk)
                    .into_iter()
                    .map(|ins| Statement::new(ins.sql(engine, 1), ins.args)),
            );
            for e in chunk {
                if let Some(target) = &e.redacts {
                    out.push(Statement::new(
                        "UPDATE events SET redacted_by = $1 WHERE event_id = $2 AND redacted_by IS NULL",
                        vec![Param::Text(&e.event_id), Param::Text(target)],
                    ));
                }
            }
        }
        if let Some(last) = segment.last()
            && let Some(state) = &last.resolved_state
        {
            replace_current_state(&mut out, engine, &last.room_id, state);
        }
        rest = after;
    }
    record_forward_extremities(&mut out, rows);
    out
}

/// The forward extremities the batch's last record for each room names (none: a fork ended).
fn record_forward_extremities<'a>(out: &mut Vec<Statement<'a>>, rows: &'a [NewEventRow]) {
    let mut last: std::collections::HashMap<&str, &[(String, i64)]> = Default::default();
    for r in rows {
        if let Some(ends) = &r.forward_extremities {
            last.insert(&r.room_id, ends);
        }
    }
    for (room_id, ends) in last {
        out.push(Statement::new(
            "DELETE FROM forward_extremities WHERE room_id = $1",
            vec![Param::Text(room_id)],
        ));
        if ends.len() < 2 {
            continue;
        }
        for (event_id, depth) in ends {
            out.push(Statement::new(
                "INSERT INTO forward_extremities (room_id, event_id, depth) VALUES ($1, $2, $3)",
                vec![
                    Param::Text(room_id),
                    Param::Text(event_id),
                    Param::Int(*depth),
                ],
            ));
        }
    }
}

/// Makes `state` the room's whole current state, and the memberships it names the members'.
fn replace_current_state<'a>(
    out: &mut Vec<Statement<'a>>,
    engine: Engine,
    room_id: &'a str,
    state: &'a [StateEntry],
) {
    out.push(Statement::new(
        "DELETE FROM current_state WHERE room_id = $1",
        vec![Param::Text(room_id)],
    ));
    for chunk in state.chunks(ROWS_PER_STATEMENT) {
        let mut args = Vec::new();
        for s in chunk {
            args.extend([
                Param::Text(room_id),
                Param::Text(&s.kind),
                Param::Text(&s.state_key),
                Param::Text(&s.event_id),
                Param::Int(s.stream_ordering),
            ]);
        }
        let sql = format!(
            "INSERT INTO current_state (room_id, type, state_key, event_id, stream_ordering) VALUES {}",
            values_list_at(engine, 1, chunk.len(), 5)
        );
        out.push(Statement::new(sql, args));
    }
    for s in state {
        let Some(m) = &s.membership else { continue };
        out.push(Statement::new(
            "INSERT INTO room_memberships (user_id, room_id, membership, event_id, stream_ordering, forgotten) \
             VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (user_id, room_id) DO UPDATE SET \
             membership = excluded.membership, event_id = excluded.event_id, stream_ordering = excluded.stream_ordering \
             WHERE room_memberships.event_id <> excluded.event_id",
            vec![
                Param::Text(&s.state_key),
                Param::Text(room_id),
                Param::Text(m),
                Param::Text(&s.event_id),
                Param::Int(s.stream_ordering),
            ],
        ));
    }
}

/// Rows per statement: 14 parameters each stays far below SQLite's and PostgreSQL's limits.
/// A batch of many rows (a joined room's state) is statements of this many rows but the last,
/// the same text each, so the connection prepares each kind once (sqlx keeps it) where a
/// statement of every size was parsed anew.
const ROWS_PER_STATEMENT: usize = 100;

/// The most events PostgreSQL stores in one statement of data-modifying CTEs.
const ONE_STATEMENT_ROWS: usize = 500;

/// `($first, $first+1, ...), (...)` for `rows` rows of `cols` parameters (`?` on SQLite, see
/// `push_param`).
fn values_list_at(engine: Engine, first: usize, rows: usize, cols: usize) -> String {
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
            push_param(&mut s, engine, first + r * cols + c);
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
    fn sql(&self, engine: Engine, first: usize) -> String {
        let mut values = values_list_at(engine, first, self.rows, self.cols);
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
    let new_rooms: Vec<&NewEventRow> = rows
        .iter()
        .filter(|e| e.new_room.is_some() && !e.history)
        .collect();
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
            Param::MaybeInt(e.state_group),
        ]);
    }
    out.push(Insert {
        head: "INSERT INTO events (stream_ordering, event_id, room_id, sender, type, state_key, depth, origin_server_ts, json, txn_device_id, txn_id, relates_to, rel_type, state_group)",
        tail: "",
        rows: rows.len(),
        cols: 14,
        forgotten: false,
        args,
    });
    let groups: Vec<(&NewEventRow, &NewStateGroup)> = rows
        .iter()
        .flat_map(|e| e.new_groups.iter().map(move |g| (e, g)))
        .collect();
    if !groups.is_empty() {
        let mut args = Vec::new();
        for (e, g) in &groups {
            args.extend([
                Param::Int(g.id),
                Param::Text(&e.room_id),
                Param::MaybeInt(g.prev_id),
                Param::Int(g.chain),
            ]);
        }
        out.push(Insert {
            head: "INSERT INTO state_groups (id, room_id, prev_id, chain)",
            tail: "",
            rows: groups.len(),
            cols: 4,
            forgotten: false,
            args,
        });
        let entries: Vec<(i64, &(String, String, String))> = groups
            .iter()
            .flat_map(|(_, g)| g.entries.iter().map(|en| (g.id, en)))
            .collect();
        for chunk in entries.chunks(ROWS_PER_STATEMENT) {
            let mut args = Vec::new();
            for (id, (t, sk, ev)) in chunk {
                args.extend([
                    Param::Int(*id),
                    Param::Text(t),
                    Param::Text(sk),
                    Param::Text(ev),
                ]);
            }
            out.push(Insert {
                head: "INSERT INTO state_group_entries (group_id, type, state_key, event_id)",
                tail: "",
                rows: chunk.len(),
                cols: 4,
                forgotten: false,
                args,
            });
        }
    }
    let now = || rows.iter().filter(|e| !e.history);
    let state = last_per_key(now().filter_map(|e| {
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
    let members = last_per_key(now().filter_map(|e| {
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
    let txns: Vec<&NewEventRow> = now().filter(|e| e.txn.is_some()).collect();
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

/// The batch as one statement of data-modifying CTEs (PostgreSQL).
async fn insert_events_one_statement(db: &Db, rows: &[NewEventRow]) -> Result<(), StoreError> {
    let mut sql = String::from("WITH ");
    let mut args = Vec::new();
    for (i, ins) in inserts(rows).into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ({})", ins.sql(db.engine, args.len() + 1)));
        args.extend(ins.args);
    }
    sql.push_str(" SELECT 1");
    bind(sqlx::query(sqlx::AssertSqlSafe(sql)), &args)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{NewEventRow, insert_events};
    use crate::config::Database;
    use crate::store::Db;
    use crate::store::rooms::held_events;

    /// On a SQLite file a batch is written in place (`direct`), large or small: all of it or
    /// none, and an event stored twice is a conflict, as the pool reports one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_on_a_file_are_all_or_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::connect(&Database::Sqlite {
            path: dir.path().join("homeserver.db"),
        })
        .await
        .expect("database");
        let create = NewEventRow {
            kind: "m.room.create".into(),
            state_key: Some(String::new()),
            new_room: Some(("10".into(), "@a:x".into())),
            ..NewEventRow::message(1)
        };
        insert_events(&db, &[create]).await.expect("first batch");
        // Long enough to leave the worker (LONG_BATCH), one of its events stored already.
        let mut batch: Vec<NewEventRow> = (2..100).map(NewEventRow::message).collect();
        batch.push(NewEventRow {
            event_id: "$e1".into(),
            ..NewEventRow::message(100)
        });
        let err = insert_events(&db, &batch)
            .await
            .expect_err("a stored event again");
        assert!(err.is_conflict(), "{err}");
        let ids: Vec<String> = (2..100).map(|i| format!("$e{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert!(held_events(&db, &ids).await.expect("read").is_empty());
        // Without the duplicate the same batch is stored whole.
        batch.pop();
        insert_events(&db, &batch).await.expect("batch");
        assert_eq!(held_events(&db, &ids).await.expect("read").len(), 98);

        // A short batch while a connection of the pool holds the write lock waits for it
        // (off the runtime's worker) instead of failing.
        let mut holder = db.pool.acquire().await.expect("a pool connection");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *holder)
            .await
            .expect("the write lock");
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let release = tokio::spawn({
            let released = released.clone();
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                released.store(true, std::sync::atomic::Ordering::SeqCst);
                sqlx::query("COMMIT")
                    .execute(&mut *holder)
                    .await
                    .expect("commit");
            }
        });
        insert_events(&db, &[NewEventRow::message(200)])
            .await
            .expect("written once the lock is free");
        assert!(released.load(std::sync::atomic::Ordering::SeqCst));
        release.await.expect("released");
        assert_eq!(held_events(&db, &["$e200"]).await.expect("read").len(), 1);
    }
}
