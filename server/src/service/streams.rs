//! The one global stream: every change a sync can return (events, account data, receipts,
//! presence) gets the next position, and positions become visible strictly in order because
//! they are allocated and committed under one write lock. Sync waiters are woken through a
//! watch channel when the position advances or typing changes.

use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::{Mutex, MutexGuard, watch};

pub struct Streams {
    write: Mutex<()>,
    /// The highest committed position.
    current: AtomicI64,
    /// Bumped on every committed position and on every typing change.
    wake: watch::Sender<u64>,
}

/// Held while allocating and committing one write.
pub struct WriteGuard<'a> {
    streams: &'a Streams,
    _lock: MutexGuard<'a, ()>,
    next: i64,
}

impl Streams {
    pub fn new(current: i64) -> Self {
        Streams {
            write: Mutex::new(()),
            current: AtomicI64::new(current),
            wake: watch::channel(0).0,
        }
    }

    pub fn current(&self) -> i64 {
        self.current.load(Ordering::Acquire)
    }

    /// Takes the write lock; positions from `next_pos` are published by `commit`.
    pub async fn write(&self) -> WriteGuard<'_> {
        let lock = self.write.lock().await;
        let next = self.current();
        WriteGuard {
            streams: self,
            _lock: lock,
            next,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// Wakes sync waiters without a new position (typing).
    pub fn poke(&self) {
        self.wake.send_modify(|v| *v = v.wrapping_add(1));
    }
}

impl WriteGuard<'_> {
    /// The next position to write at.
    pub fn next_pos(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    /// Publishes every position allocated so far (call after the transaction committed).
    pub fn commit(self) {
        if self.next > self.streams.current() {
            self.streams.current.store(self.next, Ordering::Release);
            self.streams.poke();
        }
    }
}
