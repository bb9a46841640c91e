//! Group commit: events are built and authorised one at a time under the stream write lock,
//! then handed here, in stream order, and written by one committer task in batches (one
//! transaction for everything queued while the previous batch was committing). Each sender
//! waits for its own batch, so nothing is acknowledged before it is durable, while building
//! the next events overlaps the current commit.
//!
//! A room joined through another server is queued as one unit of all its events (its state
//! and auth chain, then our join): written in the same transaction as the rest of its batch,
//! and, written again after a failed batch, in one transaction of its own, all or nothing.
//!
//! If a batch fails, its events are written again one at a time, so only the ones that fail on
//! their own are refused (a conflict with stored data) and the rest commit. An event that
//! failed may have later events of its room built on it (prev_events, state): those fail
//! as `Dependent`, whether in the batch or still queued, so their senders build them again,
//! and that room's cached state is dropped to be reloaded from the database. Rooms whose
//! events all committed are untouched. Nothing here takes the stream write lock, so a holder
//! may wait for the queue to drain.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Weak};

use crate::service::streams::Scope;
use tokio::sync::{mpsc, oneshot};

use crate::service::Services;
use crate::store::rooms::{self as db, NewEventRow, Txn};

/// Events per transaction at most.
const MAX_BATCH: usize = 256;
/// Recent transaction ids kept in memory before the committed ones are dropped.
const RECENT_TXNS: usize = 1024;

/// (user, transaction).
type TxnKey = (String, Txn);

/// Why an event was not stored.
#[derive(Debug, Clone)]
pub enum CommitError {
    /// It conflicts with what is stored (a unique key): refused alone.
    Conflict(String),
    /// An earlier event of its room, which it builds on, was not stored: build it again.
    Dependent,
    /// The database could not store it (unreachable, disk full): nothing was stored.
    Unavailable(String),
    /// The server is shutting down.
    ShuttingDown,
}

type Outcome = Result<(), CommitError>;

/// One unit of the queue: an event, or the events of a joined room, committed all or none.
pub(crate) struct Queued {
    rows: Vec<NewEventRow>,
    done: oneshot::Sender<Outcome>,
}

pub struct CommitQueue {
    tx: mpsc::UnboundedSender<Queued>,
    recent: Mutex<RecentTxns>,
}

#[derive(Default)]
struct RecentTxns {
    /// (user, transaction) → (event id, position), pending or recently committed.
    map: HashMap<TxnKey, (String, i64)>,
    /// The highest position whose transaction id was dropped from `map`.
    evicted_upto: i64,
}

/// What the recent transaction ids say about one.
pub enum RecentTxn {
    /// Used for this event (perhaps not committed yet).
    Found(String, i64),
    /// Not used since the caller checked the database.
    New,
    /// Could have been committed and forgotten since the caller's check: ask the database.
    Unknown,
}

pub(crate) type Receiver = mpsc::UnboundedReceiver<Queued>;

impl CommitQueue {
    pub(crate) fn new() -> (CommitQueue, Receiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            CommitQueue {
                tx,
                recent: Mutex::default(),
            },
            rx,
        )
    }

    /// Looks up a transaction id; `checked_at` is the stream position read before the caller
    /// found it absent in the database.
    pub fn recent_txn(&self, user: &str, txn: &Txn, checked_at: i64) -> RecentTxn {
        let r = self.recent.lock().expect("recent txns");
        match r.map.get(&(user.to_string(), txn.clone())) {
            Some((id, pos)) => RecentTxn::Found(id.clone(), *pos),
            None if r.evicted_upto > checked_at => RecentTxn::Unknown,
            None => RecentTxn::New,
        }
    }

    /// Queues a built event (call under the stream write lock, in position order).
    pub(crate) fn enqueue(&self, row: NewEventRow, current: i64) -> oneshot::Receiver<Outcome> {
        self.remember_txn(&row, current);
        self.send(vec![row])
    }

    /// Queues built events (in position order, under the stream write lock) that are stored
    /// together or not at all: a joined room's state, auth chain and join. They carry no
    /// transaction ids.
    pub(crate) fn enqueue_all(&self, rows: Vec<NewEventRow>) -> oneshot::Receiver<Outcome> {
        debug_assert!(rows.iter().all(|r| r.txn.is_none()));
        self.send(rows)
    }

    fn send(&self, rows: Vec<NewEventRow>) -> oneshot::Receiver<Outcome> {
        let (done, rx) = oneshot::channel();
        if let Err(mpsc::error::SendError(q)) = self.tx.send(Queued { rows, done }) {
            // The committer is gone (shutting down): fail the send.
            let _ = q.done.send(Err(CommitError::ShuttingDown));
        }
        rx
    }

    fn remember_txn(&self, row: &NewEventRow, current: i64) {
        if let Some(txn) = &row.txn {
            let mut r = self.recent.lock().expect("recent txns");
            if r.map.len() >= RECENT_TXNS {
                let mut upto = r.evicted_upto;
                r.map.retain(|_, (_, pos)| {
                    let keep = *pos > current;
                    if !keep {
                        upto = upto.max(*pos);
                    }
                    keep
                });
                r.evicted_upto = upto;
            }
            r.map.insert(
                (row.sender.clone(), txn.clone()),
                (row.event_id.clone(), row.stream_ordering),
            );
        }
    }

    fn forget(&self, failed: &[NewEventRow]) {
        let mut r = self.recent.lock().expect("recent txns");
        for row in failed {
            if let Some(txn) = &row.txn {
                r.map.remove(&(row.sender.clone(), txn.clone()));
            }
        }
    }
}

/// The committer task: runs until the services are dropped.
pub(crate) async fn run(services: Weak<Services>, mut rx: Receiver) {
    let mut batch: Vec<Queued> = Vec::new();
    loop {
        // Events kept back from a failed batch's aftermath go first, without waiting.
        if batch.is_empty() && rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let Some(s) = services.upgrade() else {
            return;
        };
        // The rows of every unit in order, and how many each unit has.
        let mut rows: Vec<NewEventRow> = Vec::new();
        let mut units: Vec<(usize, oneshot::Sender<Outcome>)> = Vec::new();
        for q in batch.drain(..) {
            units.push((q.rows.len(), q.done));
            rows.extend(q.rows);
        }
        // One outcome per unit.
        let started = std::time::Instant::now();
        let mut outcomes: Vec<Outcome> = match db::insert_events(&s.db, &rows).await {
            Ok(()) => vec![Ok(()); units.len()],
            Err(e) => {
                tracing::warn!(error = %e, events = rows.len(), "a batch of events failed; writing them one at a time");
                one_by_one(&s, &rows, &units).await
            }
        };
        let written = started.elapsed();
        // Each row's outcome is its unit's.
        let ok_rows = |units: &[(usize, _)], outcomes: &[Outcome]| -> Vec<bool> {
            units
                .iter()
                .zip(outcomes)
                .flat_map(|((n, _), o)| std::iter::repeat_n(o.is_ok(), *n))
                .collect()
        };
        let failed_rooms: HashSet<String> = rows
            .iter()
            .zip(ok_rows(&units, &outcomes))
            .filter(|(_, ok)| !ok)
            .map(|(r, _)| r.room_id.clone())
            .collect();
        if !failed_rooms.is_empty() {
            // Builders enqueue while holding the room cache, so with it held every event
            // built on a failed one is already in the channel: those fail too; the others
            // are kept for the next batch.
            let mut cache = s.lock_room_cache().await;
            while let Ok(q) = rx.try_recv() {
                if q.rows.iter().any(|r| failed_rooms.contains(&r.room_id)) {
                    units.push((q.rows.len(), q.done));
                    rows.extend(q.rows);
                    outcomes.push(Err(CommitError::Dependent));
                } else {
                    batch.push(q);
                }
            }
            for room in &failed_rooms {
                cache.remove(room);
            }
            drop(cache);
        }
        let row_ok = ok_rows(&units, &outcomes);
        if outcomes.iter().all(Result::is_ok) {
            // The usual case: the rows themselves, nothing copied.
            crate::service::metrics::metrics().events_persisted(rows.len());
            s.hints.events_committed(&rows);
        } else {
            let (committed, failed): (Vec<NewEventRow>, Vec<NewEventRow>) = rows
                .iter()
                .zip(&row_ok)
                .fold((Vec::new(), Vec::new()), |(mut ok, mut err), (r, o)| {
                    if *o { &mut ok } else { &mut err }.push(r.clone());
                    (ok, err)
                });
            s.commits.forget(&failed);
            if !committed.is_empty() {
                crate::service::metrics::metrics().events_persisted(committed.len());
                s.hints.events_committed(&committed);
            }
        }
        let joins: Vec<(&str, &str)> = rows
            .iter()
            .zip(&row_ok)
            .filter(|(r, o)| **o && !r.history)
            .filter_map(|(r, _)| match &r.membership {
                Some((user, m)) if m == "join" => Some((r.room_id.as_str(), user.as_str())),
                _ => None,
            })
            .collect();
        if !joins.is_empty() && s.sender.is_federating() {
            s.device_lists_after_joins(&joins);
        }
        // Each event is news for the room's members, a membership also for its user.
        s.streams.note_each(rows.iter().flat_map(|r| {
            let user = r.membership.as_ref().map(|(u, _)| Scope::User(u.as_str()));
            std::iter::once(Scope::Room(r.room_id.as_str()))
                .chain(user)
                .map(|scope| (r.stream_ordering, scope))
        }));
        let positions: Vec<i64> = rows.iter().map(|r| r.stream_ordering).collect();
        s.streams.finish(&positions);
        // Notifications to push gateways, from the events stored (never waited for).
        s.pushers_after_commit(
            rows.iter()
                .zip(&row_ok)
                .filter(|(_, ok)| **ok)
                .map(|(r, _)| r),
        );
        tracing::debug!(
            events = rows.len(),
            units = units.len(),
            write_us = written.as_micros() as u64,
            after_us = (started.elapsed() - written).as_micros() as u64,
            "committed a batch of events"
        );
        for ((_, d), o) in units.into_iter().zip(outcomes) {
            let _ = d.send(o);
        }
    }
}

/// Writes a failed batch again, each unit (`units`: how many of `rows` each has) in its own
/// transaction, in order: a unit of a room where an earlier one failed is not written (it may
/// build on it). One outcome per unit.
async fn one_by_one<T>(s: &Services, rows: &[NewEventRow], units: &[(usize, T)]) -> Vec<Outcome> {
    let mut failed_rooms: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(units.len());
    let mut at = 0;
    for (n, _) in units {
        let unit = &rows[at..at + n];
        at += n;
        if unit
            .iter()
            .any(|r| failed_rooms.contains(r.room_id.as_str()))
        {
            out.push(Err(CommitError::Dependent));
            continue;
        }
        match db::insert_events(&s.db, unit).await {
            Ok(()) => out.push(Ok(())),
            Err(e) => {
                failed_rooms.extend(unit.iter().map(|r| r.room_id.as_str()));
                let event_id = unit.first().map_or("", |r| r.event_id.as_str());
                if e.is_conflict() {
                    tracing::warn!(error = %e, event_id, events = n, "an event conflicts with stored data");
                    out.push(Err(CommitError::Conflict(e.to_string())));
                } else {
                    tracing::error!(error = %e, event_id, events = n, "could not store an event");
                    out.push(Err(CommitError::Unavailable(e.to_string())));
                }
            }
        }
    }
    out
}
