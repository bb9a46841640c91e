//! Several matrixd processes serving one server from one PostgreSQL database (`worker_name`).
//!
//! The stream is shared: one process at a time hands out positions, the holder of the
//! writer's lock (a PostgreSQL advisory lock, `store::cluster`). A process takes it when it has
//! something to write, after catching up with what the previous holder announced, and lets go
//! when it has nothing under way and another process wants it (or after a short idle time);
//! the highest position handed out is kept in the database for the next holder. So positions
//! stay in order across processes, and a position visible anywhere has everything below it
//! committed.
//!
//! Each process tells the others, by NOTIFY, what its writes concern as they become visible:
//! the positions, what each is news for (sync waiters wake as for a local write), what sync's
//! change logs recorded (so the others' logs and the caches they guard stay as exact as the
//! writer's), typing, the actions its rate limits counted (a client is held to one budget
//! whichever process it reaches). A receiver that finds a hole (a lost connection, a writer
//! that died between committing and announcing) forgets what its logs and caches know up to
//! there: that costs queries, never a message. Access tokens are not cached at all (a logout
//! on one process holds on every other at once).
//!
//! Background duties that must run once (federation sending) run on the leader, the process
//! holding the leader's lock; if it dies, its connection closes and another takes over.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::service::Services;
use crate::service::changes::{SyncHints, Tap};
use crate::service::ratelimit::{Kind, Spread};
use crate::service::streams::{Scope, Shared};
use crate::store::cluster::{Listener, Session};

/// How long a process keeps the writer's lock with nothing to write when nobody asked for it
/// (a process that wants it says so, and gets it as soon as the holder's writes finish).
const LINGER: Duration = Duration::from_secs(1);
/// How long a holder keeps the writer's lock at least, even when another process asks: the
/// writes queued meanwhile on both sides go in bigger batches, so the lock changes hands less
/// often under load (a hand-over costs the holder's last commit and a few round trips). On
/// the bench machine two processes wrote 918–1,200 msgs/s into one room with 5 ms turns and
/// 1,643–1,969 with 20 ms, their sends' p99 going from 20 to 32 ms (BENCHMARKS run 23).
const MIN_TENURE: Duration = Duration::from_millis(20);
/// How often the announcing task looks at the outbox and the writer's lock without being woken.
const TICK: Duration = Duration::from_millis(50);
/// How long a new holder waits for the previous one's announcements before it forgets what
/// they would have said.
const CATCH_UP: Duration = Duration::from_secs(3);
/// A notification's payload is at most 8000 bytes; messages are cut well below.
const MESSAGE_BYTES: usize = 6000;
/// How often a follower tries to become the leader.
const LEADER_RETRY: Duration = Duration::from_secs(2);

pub struct Cluster {
    /// `worker_name`, for logs.
    name: String,
    /// This run of this process (a restarted process is another sender).
    id: String,
    me: OnceLock<Weak<Services>>,
    /// The session that holds, or waits for, the writer's lock.
    writer: tokio::sync::Mutex<Option<Session>>,
    held: AtomicBool,
    /// `writer` was opened since it last took the lock.
    fresh_session: AtomicBool,
    /// When this process last took the writer's lock.
    held_since: Mutex<Instant>,
    /// Another process asked for the writer's lock.
    wanted: AtomicBool,
    outbox: Mutex<Outbox>,
    flush: Notify,
    leader: AtomicBool,
}

/// What this process has to tell the others.
#[derive(Default)]
struct Outbox {
    range: Option<(i64, i64)>,
    notes: Vec<(i64, bool, String)>,
    hints: Vec<(u8, String, i64)>,
    rewritten: bool,
    typing: Vec<(String, String, bool, u64)>,
    limits: Vec<(Kind, String, f64, f64)>,
    want: bool,
}

impl Outbox {
    fn is_empty(&self) -> bool {
        self.range.is_none()
            && self.notes.is_empty()
            && self.hints.is_empty()
            && !self.rewritten
            && self.typing.is_empty()
            && self.limits.is_empty()
            && !self.want
    }
}

/// One notification.
#[derive(Serialize, Deserialize, Default, Debug)]
struct Message {
    /// Who sends it (`Cluster::id`).
    w: String,
    /// Positions `(from, to]` of the sender's became visible (with the last of a batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<(i64, i64)>,
    /// What positions concern: (position, is a room, room or user id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    n: Vec<(i64, bool, String)>,
    /// Change log records: (log, key, position).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    h: Vec<(u8, String, i64)>,
    /// Memberships were rewritten.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    m: bool,
    /// Typing: (room, user, typing, timeout in ms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    t: Vec<(String, String, bool, u64)>,
    /// Rate-limited actions counted: (kind, key, count, the limit's drain per second).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    l: Vec<(Kind, String, f64, f64)>,
    /// The sender waits for the writer's lock.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    x: bool,
}

impl Outbox {
    /// The messages that say everything here, each below the payload limit; the range goes
    /// with the last one, after every note and record it covers.
    fn into_messages(self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut m = Message {
            w: id.to_string(),
            m: self.rewritten,
            x: self.want,
            ..Default::default()
        };
        let mut bytes = 0;
        let mut cut = |m: &mut Message, bytes: &mut usize, add: usize| {
            if *bytes + add > MESSAGE_BYTES {
                let full = std::mem::replace(
                    m,
                    Message {
                        w: id.to_string(),
                        ..Default::default()
                    },
                );
                out.push(serde_json::to_string(&full).expect("a message serializes"));
                *bytes = 0;
            }
            *bytes += add;
        };
        for h in self.hints {
            cut(&mut m, &mut bytes, h.1.len() + 32);
            m.h.push(h);
        }
        for t in self.typing {
            cut(&mut m, &mut bytes, t.0.len() + t.1.len() + 32);
            m.t.push(t);
        }
        for l in self.limits {
            cut(&mut m, &mut bytes, l.1.len() + 48);
            m.l.push(l);
        }
        for n in self.notes {
            cut(&mut m, &mut bytes, n.2.len() + 32);
            m.n.push(n);
        }
        m.r = self.range;
        out.push(serde_json::to_string(&m).expect("a message serializes"));
        out
    }
}

/// The position the stream starts at in a process sharing the database: when nobody is
/// writing, past everything stored (`stored`: what the tables hold); else where the writer
/// started (its announcements take this process on from there).
pub async fn start_position(db: &crate::store::Db, stored: i64) -> anyhow::Result<i64> {
    let mut s = Session::open(db).await?;
    if s.try_lock_writer().await? {
        let allocated = s.allocated().await?.max(stored);
        s.unlock_writer(allocated).await?;
        Ok(allocated)
    } else {
        Ok(s.allocated().await?)
    }
}

impl Cluster {
    pub fn new(name: &str) -> Arc<Cluster> {
        Arc::new(Cluster {
            name: name.to_string(),
            id: format!("{name}/{:016x}", rand::random::<u64>()),
            me: OnceLock::new(),
            writer: tokio::sync::Mutex::new(None),
            held: AtomicBool::new(false),
            fresh_session: AtomicBool::new(false),
            held_since: Mutex::new(Instant::now()),
            wanted: AtomicBool::new(false),
            outbox: Mutex::default(),
            flush: Notify::new(),
            leader: AtomicBool::new(false),
        })
    }

    /// Joins the other processes: shares the stream and the change logs, listens, announces,
    /// and competes for the leader's duties.
    pub async fn start(self: &Arc<Self>, services: &Arc<Services>) -> anyhow::Result<()> {
        let _ = self.me.set(Arc::downgrade(services));
        services.db.tokens.disable();
        services.hints.tap(self.clone());
        services.streams.share(self.clone());
        services.limiter.spread(self.clone());
        let listener = Listener::open(&services.db).await?;
        tokio::spawn(self.clone().listen(listener));
        tokio::spawn(self.clone().announce());
        tokio::spawn(self.clone().lead());
        tracing::info!(worker = %self.name, "sharing the database with other matrixd processes");
        Ok(())
    }

    /// This process runs the background duties.
    pub fn leads(&self) -> bool {
        self.leader.load(Ordering::Acquire)
    }

    fn services(&self) -> Option<Arc<Services>> {
        self.me.get().and_then(Weak::upgrade)
    }

    fn push(&self, f: impl FnOnce(&mut Outbox)) {
        f(&mut self.outbox.lock().expect("cluster outbox"));
        self.flush.notify_one();
    }

    /// Tells the others a typing change made here.
    pub fn typing(&self, room_id: &str, user_id: &str, typing: bool, timeout: Duration) {
        self.push(|o| {
            o.typing.push((
                room_id.to_string(),
                user_id.to_string(),
                typing,
                timeout.as_millis() as u64,
            ))
        });
    }

    async fn hold_writer(&self) {
        if self.held.load(Ordering::Acquire) {
            return;
        }
        let Some(s) = self.services() else {
            return;
        };
        self.push(|o| o.want = true);
        let mut writer = self.writer.lock().await;
        loop {
            if writer.is_none() {
                match Session::open(&s.db).await {
                    Ok(session) => {
                        *writer = Some(session);
                        // Its first turn looks at what is stored (see `Session::open`).
                        self.fresh_session.store(true, Ordering::Relaxed);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot connect for the writer's lock; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
            let session = writer.as_mut().expect("just opened");
            match session.lock_writer().await {
                Ok((allocated, died)) => {
                    let died = died || self.fresh_session.swap(false, Ordering::Relaxed);
                    let stored = if died {
                        // The previous holder stopped while writing: it may have stored
                        // positions past the recorded one.
                        match crate::service::rooms::stored_position(&s.db).await {
                            Ok(p) => p.max(allocated),
                            Err(e) => {
                                tracing::error!(error = %e, "cannot read the stored positions; retrying");
                                let _ = session.unlock_writer(allocated).await;
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                continue;
                            }
                        }
                    } else {
                        allocated
                    };
                    // After a clean hand-over the previous holder's announcements are on their
                    // way here; after a death, what is stored but not heard of is forgotten.
                    let caught_up = if died {
                        s.streams.current() >= stored
                    } else {
                        tokio::time::timeout(CATCH_UP, s.streams.wait_for(stored))
                            .await
                            .is_ok()
                    };
                    if !caught_up {
                        tracing::warn!(
                            position = stored,
                            "positions were not announced (a process stopped while writing?): forgetting what sync knew up to there"
                        );
                        forget_upto(&s, stored);
                        s.streams.adopt(stored, []);
                    }
                    *self.held_since.lock().expect("held since") = Instant::now();
                    self.held.store(true, Ordering::Release);
                    crate::service::metrics::metrics().writer_taken();
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot take the writer's lock; retrying");
                    *writer = None;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Sends what waits in the outbox, then lets go of the writer's lock when nothing is under
    /// way and another process wants it or it lingered long enough.
    async fn announce(self: Arc<Self>) {
        let mut publisher: Option<Session> = None;
        let mut idle_since: Option<Instant> = None;
        loop {
            let _ = tokio::time::timeout(TICK, self.flush.notified()).await;
            let Some(s) = self.services() else {
                return;
            };
            self.publish(&s, &mut publisher).await;
            if !self.held.load(Ordering::Acquire) {
                idle_since = None;
                continue;
            }
            let lock = if self.wanted.load(Ordering::Relaxed) {
                let held_for = self.held_since.lock().expect("held since").elapsed();
                if held_for < MIN_TENURE {
                    tokio::time::sleep(MIN_TENURE - held_for).await;
                }
                // Another process waits: take a turn at the write lock behind this process's
                // writers already queued (never starving the other), then let their commits
                // finish.
                let lock = s.streams.write_lock().await;
                s.streams.wait_for(s.streams.allocated()).await;
                lock
            } else {
                let Some(lock) = s.streams.try_write_lock() else {
                    idle_since = None;
                    continue;
                };
                if !s.streams.settled() {
                    idle_since = None;
                    continue;
                }
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() < LINGER {
                    continue;
                }
                lock
            };
            // Everything this process wrote is announced before the next holder starts.
            self.publish(&s, &mut publisher).await;
            let allocated = s.streams.allocated();
            let mut writer = self.writer.lock().await;
            let released = match writer.as_mut() {
                Some(w) => w.unlock_writer(allocated).await,
                None => Ok(false),
            };
            match released {
                Ok(true) => {}
                Ok(false) => tracing::error!("the writer's lock was lost while held"),
                Err(e) => {
                    tracing::error!(error = %e, "cannot let go of the writer's lock; dropping its connection");
                    *writer = None;
                }
            }
            self.held.store(false, Ordering::Release);
            self.wanted.store(false, Ordering::Relaxed);
            idle_since = None;
            drop(lock);
        }
    }

    /// Publishes the outbox, retrying until it is sent (the others wait for it).
    async fn publish(&self, s: &Services, publisher: &mut Option<Session>) {
        let outbox = std::mem::take(&mut *self.outbox.lock().expect("cluster outbox"));
        if outbox.is_empty() {
            return;
        }
        let messages = outbox.into_messages(&self.id);
        loop {
            if publisher.is_none() {
                match Session::open(&s.db).await {
                    Ok(p) => *publisher = Some(p),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot connect to announce writes; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            match publisher
                .as_mut()
                .expect("just opened")
                .publish(&messages)
                .await
            {
                Ok(()) => return,
                Err(e) => {
                    tracing::error!(error = %e, "cannot announce writes; retrying");
                    *publisher = None;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    async fn listen(self: Arc<Self>, mut listener: Listener) {
        loop {
            let next = listener.next().await;
            let Some(s) = self.services() else {
                return;
            };
            match next {
                Ok(Some(payload)) => match serde_json::from_str::<Message>(&payload) {
                    Ok(m) if m.w == self.id => {}
                    Ok(m) => self.apply(&s, m),
                    Err(e) => tracing::warn!(error = %e, "an announcement that does not parse"),
                },
                Ok(None) => {
                    tracing::warn!(
                        "lost the connection that hears other processes; forgetting what sync knew"
                    );
                    forget_upto(&s, s.streams.current());
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot hear other processes; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// What another process announced.
    fn apply(&self, s: &Arc<Services>, m: Message) {
        crate::service::metrics::metrics().announcement_heard();
        if m.x {
            // Kept until this process next lets go of the writer's lock (it may be waiting
            // for it now, and the asker still waiting when it gets it).
            self.wanted.store(true, Ordering::Relaxed);
            self.flush.notify_one();
        }
        for (log, key, pos) in &m.h {
            s.hints.record_from_peer(*log, key, *pos);
            if SyncHints::ROOM_LOGS.contains(log) {
                s.room_written_elsewhere(key);
            } else if *log == SyncHints::ACCOUNT_DATA_LOG {
                // Push rules are account data.
                s.forget_push_rules(Some(key));
            }
        }
        if m.m {
            s.hints.memberships_rewritten_by_peer();
        }
        for (room, user, typing, ms) in m.t {
            s.typing_elsewhere(&room, &user, typing, Duration::from_millis(ms));
        }
        for (kind, key, n, per_second) in m.l {
            s.limiter.counted_elsewhere(kind, &key, n, per_second);
        }
        let notes = m.n.iter().map(|(pos, room, key)| {
            let scope = if *room {
                Scope::Room(key.as_str())
            } else {
                Scope::User(key.as_str())
            };
            (*pos, scope)
        });
        match m.r {
            Some((from, to)) => {
                let current = s.streams.current();
                if from > current {
                    tracing::warn!(
                        from = current,
                        to = from,
                        "positions were not heard of: forgetting what sync knew up to there"
                    );
                    forget_upto(s, from);
                }
                s.streams.adopt(to, notes);
            }
            None => s.streams.note_each(notes),
        }
    }

    /// Competes for the leader's lock; the winner runs the background duties until it exits.
    async fn lead(self: Arc<Self>) {
        let mut session: Option<Session> = None;
        loop {
            let Some(s) = self.services() else {
                return;
            };
            if session.is_none() {
                match Session::open(&s.db).await {
                    Ok(x) => session = Some(x),
                    Err(e) => tracing::warn!(error = %e, "cannot connect for the leader's lock"),
                }
            }
            if let Some(x) = session.as_mut() {
                match x.try_lead().await {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot ask for the leader's lock");
                        session = None;
                    }
                }
            }
            drop(s);
            tokio::time::sleep(LEADER_RETRY).await;
        }
        self.leader.store(true, Ordering::Release);
        crate::service::metrics::metrics().leading();
        tracing::info!(worker = %self.name, "this process runs the background duties (federation sending)");
        if let Some(s) = self.services()
            && let Err(e) = s.start_federation_sender().await
        {
            tracing::error!(error = %e, "cannot start the federation sender");
        }
        let mut session = session.expect("the lock's session");
        loop {
            tokio::time::sleep(LEADER_RETRY).await;
            let Some(s) = self.services() else {
                return;
            };
            if let Err(e) = session.ping().await {
                // Another process may take the lock now: two senders would send twice.
                tracing::error!(error = %e, "lost the leader's lock; exiting so that one process leads");
                std::process::exit(75);
            }
            // Destinations and outboxes other processes added.
            s.federation_sender_rescan().await;
        }
    }
}

/// Rooms whose cached state (`Services::room_cache`) another process made stale.
#[derive(Default)]
pub struct StaleRooms {
    all: bool,
    rooms: std::collections::HashSet<String>,
}

impl Services {
    /// The process sharing the database this one is, when it is one.
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        self.cluster.get()
    }

    /// Runs the background duties: always when alone, else on the leader only.
    pub fn leads(&self) -> bool {
        self.cluster().is_none_or(|c| c.leads())
    }

    /// Another process wrote an event in `room_id`.
    fn room_written_elsewhere(&self, room_id: &str) {
        let mut stale = self.stale_rooms.lock().expect("stale rooms");
        if !stale.all {
            stale.rooms.insert(room_id.to_string());
        }
    }

    fn room_written_elsewhere_all(&self) {
        let mut stale = self.stale_rooms.lock().expect("stale rooms");
        stale.all = true;
        stale.rooms.clear();
        drop(stale);
        self.forget_push_rules(None);
    }

    /// Drops what another process made stale from the room cache (held by the caller).
    pub(crate) fn drop_stale_rooms(
        &self,
        cache: &mut std::collections::HashMap<String, crate::service::rooms::RoomCache>,
    ) {
        let mut stale = self.stale_rooms.lock().expect("stale rooms");
        if stale.all {
            cache.clear();
            stale.all = false;
        }
        for room in stale.rooms.drain() {
            cache.remove(&room);
        }
    }

    /// A typing change made on another process.
    fn typing_elsewhere(
        self: &Arc<Self>,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout: Duration,
    ) {
        if self.typing.set(room_id, user_id, typing, timeout) {
            self.streams.wake_now([Scope::Room(room_id)]);
            if typing {
                self.expire_typing_after(timeout);
            }
        }
    }
}

/// Forgets what sync's change logs and the caches they guard know up to `pos`, and wakes every
/// waiting sync: something up to there was written elsewhere unannounced.
fn forget_upto(s: &Services, pos: i64) {
    s.hints.forget_upto(pos);
    s.room_written_elsewhere_all();
    s.streams.wake_everyone();
}

impl Tap for Cluster {
    fn recorded(&self, log: u8, key: &str, pos: i64) {
        self.push(|o| o.hints.push((log, key.to_string(), pos)));
    }

    fn rewritten(&self) {
        self.push(|o| o.rewritten = true);
    }
}

impl Spread for Cluster {
    fn counted(&self, kind: Kind, key: &str, n: f64, per_second: f64) {
        self.push(|o| o.limits.push((kind, key.to_string(), n, per_second)));
    }
}

impl Shared for Cluster {
    fn hold(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.hold_writer())
    }

    fn advanced(&self, from: i64, to: i64, noted: &BTreeMap<i64, Vec<(bool, String)>>) {
        self.push(|o| {
            o.range = Some(match o.range {
                Some((f, _)) => (f, to),
                None => (from, to),
            });
            for (pos, scopes) in noted.range(from + 1..=to) {
                o.notes
                    .extend(scopes.iter().map(|(room, key)| (*pos, *room, key.clone())));
            }
        });
    }

    fn wrote(&self) {
        self.flush.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_announcement_is_cut_below_the_payload_limit_with_the_range_last() {
        let o = Outbox {
            range: Some((10, 400)),
            notes: (11..=400)
                .map(|p| (p, true, format!("!room{p}:example.org")))
                .collect(),
            hints: (11..=400)
                .map(|p| (0, format!("!room{p}:example.org"), p))
                .collect(),
            ..Default::default()
        };
        let messages = o.into_messages("w1/x");
        assert!(messages.len() > 1);
        let parsed: Vec<Message> = messages
            .iter()
            .map(|m| {
                assert!(m.len() < 8000, "{} bytes", m.len());
                serde_json::from_str(m).unwrap()
            })
            .collect();
        let (last, rest) = parsed.split_last().unwrap();
        assert_eq!(last.r, Some((10, 400)));
        assert!(rest.iter().all(|m| m.r.is_none() && m.w == "w1/x"));
        let notes: usize = parsed.iter().map(|m| m.n.len()).sum();
        let hints: usize = parsed.iter().map(|m| m.h.len()).sum();
        assert_eq!((notes, hints), (390, 390));
        // Every record comes before the last message's notes are released.
        let first_note = parsed.iter().position(|m| !m.n.is_empty()).unwrap();
        let last_hint = parsed.iter().rposition(|m| !m.h.is_empty()).unwrap();
        assert!(last_hint <= first_note);
    }
}
