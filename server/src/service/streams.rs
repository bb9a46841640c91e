//! The one global stream: every change a sync can return (events, account data, receipts,
//! presence) gets the next position. Positions are allocated in order under the write lock,
//! but may commit out of order (events are committed in batches after the lock is released);
//! readers only ever see `current`, the highest position below which everything allocated has
//! finished (committed, or failed and left as a gap). Sync waiters are woken through a watch
//! channel when `current` advances or typing changes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::{Mutex, MutexGuard, watch};

pub struct Streams {
    write: Mutex<()>,
    inflight: std::sync::Mutex<Inflight>,
    /// Every position at or below this has finished.
    current: AtomicI64,
    /// Bumped whenever `current` advances and on every typing change.
    wake: watch::Sender<u64>,
}

struct Inflight {
    allocated: i64,
    unfinished: BTreeSet<i64>,
}

/// Held while allocating positions for one write (and, for events, while building them).
pub struct WriteGuard<'a> {
    streams: &'a Streams,
    _lock: MutexGuard<'a, ()>,
    mine: Vec<i64>,
}

impl Streams {
    pub fn new(current: i64) -> Self {
        Streams {
            write: Mutex::new(()),
            inflight: std::sync::Mutex::new(Inflight {
                allocated: current,
                unfinished: BTreeSet::new(),
            }),
            current: AtomicI64::new(current),
            wake: watch::channel(0).0,
        }
    }

    /// The highest position below which every write has finished: what readers may show.
    pub fn current(&self) -> i64 {
        self.current.load(Ordering::Acquire)
    }

    /// Takes the write lock.
    pub async fn write(&self) -> WriteGuard<'_> {
        WriteGuard {
            streams: self,
            _lock: self.write.lock().await,
            mine: Vec::new(),
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// Wakes sync waiters without a new position (typing).
    pub fn poke(&self) {
        self.wake.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Marks positions as finished (committed, or abandoned after a failure) and publishes
    /// the new `current` if it moved.
    pub fn finish(&self, positions: &[i64]) {
        if positions.is_empty() {
            return;
        }
        let advanced = {
            let mut f = self.inflight.lock().expect("stream positions");
            for p in positions {
                f.unfinished.remove(p);
            }
            let upto = match f.unfinished.first() {
                Some(p) => p - 1,
                None => f.allocated,
            };
            // Stored under the lock, so two finishers never publish out of order.
            if upto > self.current() {
                self.current.store(upto, Ordering::Release);
                true
            } else {
                false
            }
        };
        if advanced {
            self.poke();
        }
    }

    /// Waits until `pos` is visible to readers.
    pub async fn wait_for(&self, pos: i64) {
        let mut rx = self.subscribe();
        while self.current() < pos {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

impl WriteGuard<'_> {
    /// Allocates the next position.
    pub fn next_pos(&mut self) -> i64 {
        let mut f = self.streams.inflight.lock().expect("stream positions");
        f.allocated += 1;
        let p = f.allocated;
        f.unfinished.insert(p);
        self.mine.push(p);
        p
    }

    /// Publishes every position allocated through this guard (call after the transaction
    /// committed).
    pub fn commit(self) {
        // Drop finishes them.
    }

    /// Waits until every position allocated so far has finished (no new ones can be allocated
    /// while the guard is held).
    pub async fn settle(&self) {
        let allocated = self
            .streams
            .inflight
            .lock()
            .expect("stream positions")
            .allocated;
        self.streams.wait_for(allocated).await;
    }

    /// Hands this guard's positions to the caller, who must `Streams::finish` them.
    pub fn detach(&mut self) -> Vec<i64> {
        std::mem::take(&mut self.mine)
    }
}

impl Drop for WriteGuard<'_> {
    /// Positions not handed on are finished: committed (`commit`) or, after an error, gaps.
    fn drop(&mut self) {
        self.streams.finish(&self.mine);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn positions_become_visible_only_when_everything_below_finished() {
        let s = Streams::new(10);
        let (a, b, c) = {
            let mut g = s.write().await;
            let p = (g.next_pos(), g.next_pos(), g.next_pos());
            g.detach();
            p
        };
        assert_eq!((a, b, c), (11, 12, 13));
        assert_eq!(s.current(), 10, "nothing finished yet");
        s.finish(&[c]);
        assert_eq!(s.current(), 10, "13 waits for 11 and 12");
        s.finish(&[a]);
        assert_eq!(s.current(), 11);
        // A write that fails (the guard dropped without commit) leaves a gap, not a stall.
        {
            let mut g = s.write().await;
            assert_eq!(g.next_pos(), 14);
        }
        assert_eq!(s.current(), 11, "12 is still unfinished");
        s.finish(&[b]);
        assert_eq!(s.current(), 14);
        // A waiter wakes once its position is visible.
        let mut g = s.write().await;
        let p = g.next_pos();
        g.detach();
        drop(g);
        let wait = s.wait_for(p);
        s.finish(&[p]);
        tokio::time::timeout(std::time::Duration::from_secs(1), wait)
            .await
            .expect("wait_for returns once the position is visible");
    }
}
