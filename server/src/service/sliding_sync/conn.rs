//! Sliding sync connections: per (user, device, conn_id), what each position has sent of every
//! room, kept in memory. A position is a generation of that record plus the stream token it
//! was answered at. A client that comes back with a generation acknowledges it, so older ones
//! are dropped; a retry of the last one (its answer was lost) is answered again from the same
//! record. An unknown generation (a restart, an evicted connection) is M_UNKNOWN_POS, and the
//! client starts over.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::layout::Kept;
use crate::service::sync::Token;

/// Connections kept in all; past it, the least recently used one goes.
const MAX_CONNECTIONS: usize = 10_000;
/// Generations kept per connection: the one acknowledged and those answered since (retries).
const MAX_GENERATIONS: usize = 4;

/// A `pos`: `<generation>/<sync token>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub generation: u64,
    pub token: Token,
}

impl Pos {
    pub fn parse(s: &str) -> Option<Pos> {
        let (generation, token) = s.split_once('/')?;
        Some(Pos {
            generation: generation.parse().ok()?,
            token: Token::parse(token)?,
        })
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.generation, self.token.sync())
    }
}

/// Which state events a room's `required_state` asks for (lists and subscriptions naming the
/// same room are merged). `$ME` is resolved to the user at parse time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequiredState {
    /// `["*", "*"]`.
    all: bool,
    /// `[type, "*"]`.
    types: BTreeSet<String>,
    /// `["*", key]`.
    keys: BTreeSet<String>,
    /// `[type, key]`.
    pairs: BTreeSet<(String, String)>,
    /// `["m.room.member", "$LAZY"]`: the members who sent the timeline's events.
    pub lazy_members: bool,
}

impl RequiredState {
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
        user_id: &str,
    ) -> RequiredState {
        let mut r = RequiredState::default();
        for (kind, key) in entries {
            let key = if key == "$ME" { user_id } else { key };
            match (kind, key) {
                ("*", "*") => r.all = true,
                ("m.room.member", "$LAZY") => r.lazy_members = true,
                (kind, "*") => {
                    r.types.insert(kind.to_owned());
                }
                ("*", key) => {
                    r.keys.insert(key.to_owned());
                }
                (kind, key) => {
                    r.pairs.insert((kind.to_owned(), key.to_owned()));
                }
            }
        }
        r
    }

    pub fn merge(&mut self, other: &RequiredState) {
        self.all |= other.all;
        self.lazy_members |= other.lazy_members;
        self.types.extend(other.types.iter().cloned());
        self.keys.extend(other.keys.iter().cloned());
        self.pairs.extend(other.pairs.iter().cloned());
    }

    /// Whether a state event of `kind` with `key` is asked for (lazy members aside).
    pub fn matches(&self, kind: &str, key: &str) -> bool {
        self.all
            || self.types.contains(kind)
            || self.keys.contains(key)
            || self.pairs.contains(&(kind.to_owned(), key.to_owned()))
    }

    /// Whether everything `other` asks for is asked for here too.
    pub fn covers(&self, other: &RequiredState) -> bool {
        self.all
            || (!other.all
                && (self.lazy_members || !other.lazy_members)
                && other.types.is_subset(&self.types)
                && other.keys.is_subset(&self.keys)
                && other.pairs.iter().all(|(k, s)| self.matches(k, s)))
    }
}

/// What a connection has sent of one room.
#[derive(Debug, Clone)]
pub struct RoomSent {
    /// The client has the room's timeline and state up to this stream position.
    pub upto: i64,
    pub timeline_limit: u64,
    pub required: Arc<RequiredState>,
    /// Members whose event was sent for `$LAZY`.
    pub lazy_sent: HashSet<String>,
}

/// What a connection has sent, by room: shared between generations, so recording one after a
/// change in a few rooms copies pointers, not every room's record.
pub type Sent = HashMap<Arc<str>, Arc<RoomSent>>;

struct Connection {
    generations: Vec<(u64, Arc<Sent>)>,
    next: u64,
    used: Instant,
    /// What the last answer left, for the next one to build on.
    kept: Option<Kept>,
}

/// (user, device, conn_id).
type Key = (String, String, String);

#[derive(Default)]
pub struct Connections {
    inner: Mutex<HashMap<Key, Connection>>,
}

impl Connections {
    /// A new connection (replacing one under the same id): nothing sent yet.
    pub fn start(&self, user: &str, device: &str, conn_id: &str) -> (u64, Arc<Sent>) {
        let mut inner = self.inner.lock().expect("sliding sync connections");
        if inner.len() >= MAX_CONNECTIONS
            && let Some(oldest) = inner
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(k, _)| k.clone())
        {
            inner.remove(&oldest);
        }
        let sent = Arc::new(Sent::new());
        inner.insert(
            key(user, device, conn_id),
            Connection {
                generations: vec![(0, sent.clone())],
                next: 1,
                used: Instant::now(),
                kept: None,
            },
        );
        (0, sent)
    }

    /// What generation `generation` of the connection had sent, if it is known (and what the
    /// last answer left); older ones are dropped (the client has moved past them).
    pub fn resume(
        &self,
        user: &str,
        device: &str,
        conn_id: &str,
        generation: u64,
    ) -> Option<(Arc<Sent>, Option<Kept>)> {
        let mut inner = self.inner.lock().expect("sliding sync connections");
        let conn = inner.get_mut(&key(user, device, conn_id))?;
        let sent = conn
            .generations
            .iter()
            .find(|(g, _)| *g == generation)
            .map(|(_, s)| s.clone())?;
        conn.generations.retain(|(g, _)| *g >= generation);
        conn.used = Instant::now();
        Some((sent, conn.kept.clone()))
    }

    /// Keeps what an answer left for the next one (unless the connection went away).
    pub fn keep(&self, user: &str, device: &str, conn_id: &str, kept: Kept) {
        let mut inner = self.inner.lock().expect("sliding sync connections");
        if let Some(conn) = inner.get_mut(&key(user, device, conn_id)) {
            conn.kept = Some(kept);
        }
    }

    /// Records a new generation; `None` if the connection went away meanwhile (replaced by a
    /// new one under its id, or evicted).
    pub fn record(&self, user: &str, device: &str, conn_id: &str, sent: Arc<Sent>) -> Option<u64> {
        let mut inner = self.inner.lock().expect("sliding sync connections");
        let conn = inner.get_mut(&key(user, device, conn_id))?;
        let generation = conn.next;
        conn.next += 1;
        conn.generations.push((generation, sent));
        if conn.generations.len() > MAX_GENERATIONS {
            conn.generations.remove(0);
        }
        Some(generation)
    }

    /// Drops what the last answer left: the next is laid out anew (the tests compare the two).
    pub fn forget_kept(&self, user: &str, device: &str, conn_id: &str) {
        let mut inner = self.inner.lock().expect("sliding sync connections");
        if let Some(conn) = inner.get_mut(&key(user, device, conn_id)) {
            conn.kept = None;
        }
    }

    /// Forgets a device's connections (it logged out or was deleted).
    pub fn forget_device(&self, user: &str, device: &str) {
        self.inner
            .lock()
            .expect("sliding sync connections")
            .retain(|(u, d, _), _| !(u == user && d == device));
    }
}

fn key(user: &str, device: &str, conn_id: &str) -> Key {
    (user.to_owned(), device.to_owned(), conn_id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_garbage_is_refused() {
        let p = Pos {
            generation: 3,
            token: Token { pos: 42, typing: 7 },
        };
        assert_eq!(Pos::parse(&p.to_string()), Some(p));
        for bad in ["", "3", "x/s1_0", "3/garbage", "-1/s1_0"] {
            assert_eq!(Pos::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn required_state_wildcards_me_and_cover() {
        let r = RequiredState::parse(
            [
                ("m.room.name", ""),
                ("m.room.member", "$ME"),
                ("m.room.member", "$LAZY"),
                ("m.space.child", "*"),
                ("*", "@x:h"),
            ],
            "@me:h",
        );
        assert!(r.matches("m.room.name", ""));
        assert!(!r.matches("m.room.topic", ""));
        assert!(r.matches("m.room.member", "@me:h"));
        assert!(!r.matches("m.room.member", "@other:h"));
        assert!(r.matches("m.space.child", "!any:h"));
        assert!(r.matches("m.room.topic", "@x:h"));
        assert!(r.lazy_members);
        let all = RequiredState::parse([("*", "*")], "@me:h");
        assert!(all.matches("anything", "at all"));
        assert!(all.covers(&r) && !r.covers(&all));
        let less = RequiredState::parse([("m.room.name", "")], "@me:h");
        assert!(r.covers(&less) && !less.covers(&r));
    }

    #[test]
    fn a_used_generation_drops_older_ones_and_unknown_ones_are_refused() {
        let c = Connections::default();
        let (g0, _) = c.start("@a:h", "D", "main");
        let g1 = c.record("@a:h", "D", "main", Arc::default()).unwrap();
        let g2 = c.record("@a:h", "D", "main", Arc::default()).unwrap();
        assert!(c.resume("@a:h", "D", "main", g1).is_some());
        assert!(
            c.resume("@a:h", "D", "main", g0).is_none(),
            "acknowledged past"
        );
        assert!(c.resume("@a:h", "D", "main", g1).is_some(), "a retry");
        assert!(c.resume("@a:h", "D", "main", g2).is_some());
        assert!(c.resume("@a:h", "D", "other", g2).is_none());
        assert!(c.resume("@a:h", "E", "main", g2).is_none());
        c.forget_device("@a:h", "D");
        assert!(c.resume("@a:h", "D", "main", g2).is_none());
    }
}
