//! Group commit: events are built and authorised one at a time under the stream write lock,
//! then handed here, in stream order, and written by one committer task in batches (one
//! transaction for everything queued while the previous batch was committing). Each sender
//! waits for its own batch, so nothing is acknowledged before it is durable, while building
//! the next events overlaps the current commit.
//!
//! If a batch fails, everything queued after it may build on its events (prev_events, state),
//! so those fail too, and the cached room state is dropped to be reloaded from the database.
//! Nothing here takes the stream write lock, so a holder may wait for the queue to drain.

use std::collections::HashMap;
use std::sync::{Mutex, Weak};

use tokio::sync::{mpsc, oneshot};

use crate::service::Services;
use crate::store::rooms::{self as db, NewEventRow};

/// Events per transaction at most.
const MAX_BATCH: usize = 256;
/// Recent transaction ids kept in memory before the committed ones are dropped.
const RECENT_TXNS: usize = 1024;

type TxnKey = (String, String, String);

pub(crate) struct Queued {
    row: NewEventRow,
    done: oneshot::Sender<Result<(), String>>,
}

pub struct CommitQueue {
    tx: mpsc::UnboundedSender<Queued>,
    recent: Mutex<RecentTxns>,
}

#[derive(Default)]
struct RecentTxns {
    /// (user, device, txn id) → (event id, position), pending or recently committed.
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
    pub fn recent_txn(&self, user: &str, device: &str, txn: &str, checked_at: i64) -> RecentTxn {
        let r = self.recent.lock().expect("recent txns");
        match r
            .map
            .get(&(user.to_string(), device.to_string(), txn.to_string()))
        {
            Some((id, pos)) => RecentTxn::Found(id.clone(), *pos),
            None if r.evicted_upto > checked_at => RecentTxn::Unknown,
            None => RecentTxn::New,
        }
    }

    /// Queues a built event (call under the stream write lock, in position order).
    pub(crate) fn enqueue(
        &self,
        row: NewEventRow,
        current: i64,
    ) -> oneshot::Receiver<Result<(), String>> {
        if let Some((device, txn)) = &row.txn {
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
                (row.sender.clone(), device.clone(), txn.clone()),
                (row.event_id.clone(), row.stream_ordering),
            );
        }
        let (done, rx) = oneshot::channel();
        if let Err(mpsc::error::SendError(q)) = self.tx.send(Queued { row, done }) {
            // The committer is gone (shutting down): fail the send.
            let _ = q.done.send(Err("the server is shutting down".into()));
        }
        rx
    }

    fn forget(&self, failed: &[NewEventRow]) {
        let mut r = self.recent.lock().expect("recent txns");
        for row in failed {
            if let Some((device, txn)) = &row.txn {
                r.map
                    .remove(&(row.sender.clone(), device.clone(), txn.clone()));
            }
        }
    }
}

/// The committer task: runs until the services are dropped.
pub(crate) async fn run(services: Weak<Services>, mut rx: Receiver) {
    let mut batch: Vec<Queued> = Vec::new();
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let Some(s) = services.upgrade() else {
            return;
        };
        let (mut rows, mut done): (Vec<NewEventRow>, Vec<_>) =
            batch.drain(..).map(|q| (q.row, q.done)).unzip();
        let result = db::insert_events(&s.db, &rows).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, events = rows.len(), "could not commit events");
            // Builders enqueue while holding the room cache, so with it held every event
            // built on the failed ones is already in the channel: they fail too.
            let mut cache = s.room_cache.lock().await;
            while let Ok(q) = rx.try_recv() {
                rows.push(q.row);
                done.push(q.done);
            }
            cache.clear();
            drop(cache);
            s.commits.forget(&rows);
        } else {
            crate::service::metrics::metrics().events_persisted(rows.len());
            s.hints.events_committed(&rows);
        }
        let positions: Vec<i64> = rows.iter().map(|r| r.stream_ordering).collect();
        s.streams.finish(&positions);
        let outcome = result.map_err(|e| format!("could not store the event: {e}"));
        for d in done {
            let _ = d.send(outcome.clone());
        }
    }
}
