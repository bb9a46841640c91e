//! The one global stream: every change a sync can return (events, account data, receipts,
//! presence) gets the next position. Positions are allocated in order under the write lock,
//! but may commit out of order (events are committed in batches after the lock is released);
//! readers only ever see `current`, the highest position below which everything allocated has
//! finished (committed, or failed and left as a gap).
//!
//! Waking: a watch channel is bumped whenever `current` advances (the federation sender and
//! `wait_for` follow it). Syncs wait on their own `Waiter` instead, registered for a user and
//! the rooms that user is in, and are woken only by what is news for them: a writer notes what
//! its position concerns (`note`: a room, a user) before the position becomes visible, and the
//! waiters of those scopes are woken when it does. A position nobody noted (a write that does
//! not say whom it concerns, a failed write's gap) wakes every waiter, so a forgotten note
//! costs work, never a missed message.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{Mutex, MutexGuard, Notify, watch};

pub struct Streams {
    write: Mutex<()>,
    inflight: std::sync::Mutex<Inflight>,
    /// Every position at or below this has finished.
    current: AtomicI64,
    /// Bumped whenever `current` advances.
    wake: watch::Sender<u64>,
    waiters: std::sync::Mutex<Waiters>,
    /// Wake-ups of waiting syncs so far.
    woken: std::sync::atomic::AtomicU64,
    /// Other processes sharing the stream (`worker_name`), when there are.
    shared: OnceLock<Arc<dyn Shared>>,
}

/// The stream shared with other processes (`service::cluster`): only one process hands out
/// positions at a time, and each tells the others what became visible.
pub trait Shared: Send + Sync {
    /// Called with the write lock held: returns once this process may hand out positions
    /// (it holds the cluster's writer lock and has caught up with what the others wrote).
    fn hold(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// This process's positions `(from, to]` became visible, with what they concern.
    fn advanced(&self, from: i64, to: i64, noted: &BTreeMap<i64, Vec<(bool, String)>>);
    /// A write finished: the writer's lock may be let go of if nothing else is under way.
    fn wrote(&self);
}

/// What a change is news for: the syncs of the users in a room, or of one user.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Room(&'a str),
    User(&'a str),
}

/// Syncs waiting, by what they wait for, and what the positions not yet visible concern.
#[derive(Default)]
struct Waiters {
    next_id: u64,
    all: HashMap<u64, Arc<Notify>>,
    rooms: HashMap<String, HashMap<u64, Arc<Notify>>>,
    users: HashMap<String, HashMap<u64, Arc<Notify>>>,
    /// Noted positions above `current`: (is a room, room or user id) for each.
    noted: BTreeMap<i64, Vec<(bool, String)>>,
}

impl Waiters {
    fn wake(&self, room: bool, key: &str) {
        let map = if room { &self.rooms } else { &self.users };
        for n in map.get(key).into_iter().flat_map(HashMap::values) {
            n.notify_one();
        }
    }

    fn wake_all(&self) {
        for n in self.all.values() {
            n.notify_one();
        }
    }
}

/// One sync's registration: woken by changes in its user's scope (see the module comment).
/// A wake-up that comes while the sync is busy is kept for its next wait.
pub struct Waiter<'a> {
    streams: &'a Streams,
    id: u64,
    user: String,
    rooms: Vec<String>,
    notify: Arc<Notify>,
}

impl Waiter<'_> {
    /// Returns once something in scope changed since the registration or the previous wake.
    pub async fn changed(&self) {
        self.notify.notified().await;
        self.streams.woken.fetch_add(1, Ordering::Relaxed);
        crate::service::metrics::metrics().sync_woken();
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut w = self.streams.waiters.lock().expect("sync waiters");
        w.all.remove(&self.id);
        let id = self.id;
        let unregister = |map: &mut HashMap<String, HashMap<u64, Arc<Notify>>>, key: &str| {
            if let Some(m) = map.get_mut(key) {
                m.remove(&id);
                if m.is_empty() {
                    map.remove(key);
                }
            }
        };
        unregister(&mut w.users, &self.user);
        for r in &self.rooms {
            unregister(&mut w.rooms, r);
        }
    }
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
            waiters: std::sync::Mutex::new(Waiters::default()),
            woken: std::sync::atomic::AtomicU64::new(0),
            shared: OnceLock::new(),
        }
    }

    /// Shares this stream with other processes from now on.
    pub fn share(&self, shared: Arc<dyn Shared>) {
        let _ = self.shared.set(shared);
    }

    /// Positions `(.., to]` of another process became visible, each with what it concerns
    /// (`notes`); a position without a note wakes every waiter, as here. Ignored for the
    /// stream's position while this process has writes under way (it does not, unless the
    /// cluster's lock was lost).
    pub fn adopt<'s>(&self, to: i64, notes: impl IntoIterator<Item = (i64, Scope<'s>)>) {
        self.note_each(notes);
        let advanced = {
            let mut f = self.inflight.lock().expect("stream positions");
            f.allocated = f.allocated.max(to);
            let before = self.current();
            if to > before && f.unfinished.is_empty() {
                self.current.store(to, Ordering::Release);
                self.released(before, to, false);
                true
            } else {
                false
            }
        };
        if advanced {
            self.poke();
        }
    }

    /// Wakes every waiting sync (after news whose scope is not known).
    pub fn wake_everyone(&self) {
        self.waiters.lock().expect("sync waiters").wake_all();
        self.poke();
    }

    /// The highest position handed out.
    pub fn allocated(&self) -> i64 {
        self.inflight.lock().expect("stream positions").allocated
    }

    /// Nothing handed out is unfinished.
    pub fn settled(&self) -> bool {
        self.inflight
            .lock()
            .expect("stream positions")
            .unfinished
            .is_empty()
    }

    /// The write lock itself, in turn (see `Shared`: to let go of the cluster's).
    pub async fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.write.lock().await
    }

    /// The write lock, if nobody holds it (see `Shared`).
    pub fn try_write_lock(&self) -> Option<MutexGuard<'_, ()>> {
        self.write.try_lock().ok()
    }

    /// Registers a sync of `user_id`, who is in `rooms`, to be woken by news for it. Register
    /// before reading what is new, so that nothing becoming visible in between is missed.
    pub fn waiter<'r>(
        &self,
        user_id: &str,
        rooms: impl IntoIterator<Item = &'r str>,
    ) -> Waiter<'_> {
        let notify = Arc::new(Notify::new());
        let mut w = self.waiters.lock().expect("sync waiters");
        w.next_id += 1;
        let id = w.next_id;
        w.all.insert(id, notify.clone());
        w.users
            .entry(user_id.to_string())
            .or_default()
            .insert(id, notify.clone());
        let mut registered = Vec::new();
        for r in rooms {
            match w.rooms.get_mut(r) {
                Some(m) => m,
                None => w.rooms.entry(r.to_string()).or_default(),
            }
            .insert(id, notify.clone());
            registered.push(r.to_string());
        }
        Waiter {
            streams: self,
            id,
            user: user_id.to_string(),
            rooms: registered,
            notify,
        }
    }

    /// Notes what the write at `pos` (allocated, not yet finished) is news for; its waiters are
    /// woken when it becomes visible.
    pub fn note<'s>(&self, pos: i64, scopes: impl IntoIterator<Item = Scope<'s>>) {
        self.note_each(scopes.into_iter().map(|s| (pos, s)));
    }

    /// `note` for many positions under one lock (a batch of events).
    pub fn note_each<'s>(&self, notes: impl IntoIterator<Item = (i64, Scope<'s>)>) {
        let mut w = self.waiters.lock().expect("sync waiters");
        // Checked under the waiters' lock, which `finish` takes after publishing `current`:
        // a note is either released by `finish` or, already visible, woken here.
        let current = self.current();
        for (pos, scope) in notes {
            let (room, key) = match scope {
                Scope::Room(r) => (true, r),
                Scope::User(u) => (false, u),
            };
            if pos <= current {
                w.wake(room, key);
            } else {
                w.noted
                    .entry(pos)
                    .or_default()
                    .push((room, key.to_string()));
            }
        }
    }

    /// Wakes the waiters of these scopes now (a change without a position: typing).
    pub fn wake_now<'s>(&self, scopes: impl IntoIterator<Item = Scope<'s>>) {
        let w = self.waiters.lock().expect("sync waiters");
        for s in scopes {
            match s {
                Scope::Room(r) => w.wake(true, r),
                Scope::User(u) => w.wake(false, u),
            }
        }
    }

    /// `current` moved from `from` to `to`: wakes the waiters of what became visible; `mine`:
    /// through this process's own writes (told to the processes sharing the stream).
    fn released(&self, from: i64, to: i64, mine: bool) {
        let mut w = self.waiters.lock().expect("sync waiters");
        let later = w.noted.split_off(&(to + 1));
        let visible = std::mem::replace(&mut w.noted, later);
        if mine && let Some(s) = self.shared.get() {
            s.advanced(from, to, &visible);
        }
        let noted = visible.range(from + 1..).count() as i64;
        if noted < to - from {
            w.wake_all();
        } else {
            for scopes in visible.values() {
                for (room, key) in scopes {
                    w.wake(*room, key);
                }
            }
        }
    }

    /// The highest position below which every write has finished: what readers may show.
    pub fn current(&self) -> i64 {
        self.current.load(Ordering::Acquire)
    }

    /// Takes the write lock (and, shared with other processes, the cluster's).
    pub async fn write(&self) -> WriteGuard<'_> {
        let lock = self.write.lock().await;
        if let Some(s) = self.shared.get() {
            s.hold().await;
        }
        WriteGuard {
            streams: self,
            _lock: lock,
            mine: Vec::new(),
        }
    }

    /// How many times a waiting sync was woken.
    pub fn wakeups(&self) -> u64 {
        self.woken.load(Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }

    fn poke(&self) {
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
            let before = self.current();
            for p in positions {
                f.unfinished.remove(p);
            }
            let upto = match f.unfinished.first() {
                Some(p) => p - 1,
                None => f.allocated,
            };
            // Stored under the lock, so two finishers never publish out of order.
            if upto > before {
                self.current.store(upto, Ordering::Release);
                // Under the lock too, so releases happen in order.
                self.released(before, upto, true);
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
        if let Some(s) = self.streams.shared.get() {
            s.wrote();
        }
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

    fn woken(w: &Waiter<'_>) -> bool {
        use std::future::Future;
        let mut f = std::pin::pin!(w.notify.notified());
        let waker = std::task::Waker::noop();
        f.as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
            .is_ready()
    }

    #[tokio::test]
    async fn a_sync_is_woken_only_by_news_for_it() {
        let s = Streams::new(0);
        let a = s.waiter("@a:x", ["!r1", "!r2"]);
        let b = s.waiter("@b:x", ["!r3"]);
        // An event in a room of A's: A only, and only once it is visible.
        {
            let mut g = s.write().await;
            let p = g.next_pos();
            s.note(p, [Scope::Room("!r2")]);
            assert!(!woken(&a), "not before the position is visible");
            g.commit();
        }
        assert!(woken(&a));
        assert!(!woken(&b));
        // Something for user B (an invite to a room B is not in yet).
        {
            let mut g = s.write().await;
            let p = g.next_pos();
            s.note(p, [Scope::Room("!r9"), Scope::User("@b:x")]);
            g.commit();
        }
        assert!(!woken(&a));
        assert!(woken(&b));
        // A write nobody noted wakes everyone.
        {
            let mut g = s.write().await;
            g.next_pos();
        }
        assert!(woken(&a) && woken(&b));
        // Typing: at once.
        s.wake_now([Scope::Room("!r3")]);
        assert!(!woken(&a) && woken(&b));
        // Positions finishing out of order: the later one's news waits for the earlier.
        let (p1, p2) = {
            let mut g = s.write().await;
            let p = (g.next_pos(), g.next_pos());
            g.detach();
            p
        };
        s.note(p1, [Scope::Room("!r1")]);
        s.note(p2, [Scope::Room("!r3")]);
        s.finish(&[p2]);
        assert!(!woken(&a) && !woken(&b));
        s.finish(&[p1]);
        assert!(woken(&a) && woken(&b));
        // A noted position already visible wakes at once; nothing is left behind.
        s.note(p2, [Scope::User("@a:x")]);
        assert!(woken(&a));
        assert!(s.waiters.lock().unwrap().noted.is_empty());
        // A waiter gone leaves nothing registered.
        drop((a, b));
        let w = s.waiters.lock().unwrap();
        assert!(w.all.is_empty() && w.rooms.is_empty() && w.users.is_empty());
    }
}
