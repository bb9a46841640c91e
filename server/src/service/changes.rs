//! What changed since a stream position, kept in memory: for each key (a room, a user, a
//! device) the newest position written since `floor`. Sync asks it to skip queries that would
//! find nothing (account data, presence, receipts, device lists, new events for unread counts)
//! and to reuse what it read before while it still stands (memberships, account data, a room's
//! state, read positions, key counts, an empty to-device queue).
//!
//! Every writer records its change after its transaction committed and before its position
//! becomes visible (`streams`), so a reader holding a visible position never hears "nothing
//! since" about a change it could see; writes that take no position (one-time keys) record the
//! next one. Past `MAX` keys the older half is forgotten and `floor` rises: "since" before the
//! floor answers "maybe", which only costs a query.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::store::rooms::{BUMP_TYPES, NewEventRow};

/// Keys kept at most per log.
const MAX: usize = 10_000;

pub struct ChangeLog {
    latest: Mutex<Latest>,
    /// Told of every record, with this log's number (the processes sharing the database
    /// keep each other's logs: `cluster`).
    tap: OnceLock<(u8, Arc<dyn Tap>)>,
}

/// Hears what the change logs record.
pub trait Tap: Send + Sync {
    /// `key` of log number `log` was written at `pos`.
    fn recorded(&self, log: u8, key: &str, pos: i64);
    /// `SyncHints::memberships_rewritten` was called.
    fn rewritten(&self);
}

struct Latest {
    by_key: HashMap<Arc<str>, i64>,
    /// The same, ordered by position: which keys were written after a position.
    by_pos: BTreeSet<(i64, Arc<str>)>,
    /// Every key written after this position is in `by_key`.
    floor: i64,
}

impl Latest {
    /// Forgets every key written at or before `pos`.
    fn keep_after(&mut self, pos: i64) {
        self.by_key.retain(|_, p| *p > pos);
        self.by_pos = self.by_pos.split_off(&(pos + 1, Arc::from("")));
    }
}

impl ChangeLog {
    /// A log that knows nothing before `floor` (the stream position at start).
    pub fn new(floor: i64) -> Self {
        ChangeLog {
            latest: Mutex::new(Latest {
                by_key: HashMap::new(),
                by_pos: BTreeSet::new(),
                floor,
            }),
            tap: OnceLock::new(),
        }
    }

    /// Whether `key` may have been written after `since` (true when not known).
    pub fn changed_since(&self, key: &str, since: i64) -> bool {
        self.view().changed_since(key, since)
    }

    /// One lock for many questions (a loop over a user's rooms); never held across an await.
    pub fn view(&self) -> ChangeView<'_> {
        ChangeView(self.latest.lock().expect("change log"))
    }

    /// Records writes, each (key, position).
    pub fn record<'a>(&self, written: impl IntoIterator<Item = (&'a str, i64)>) {
        match self.tap.get() {
            None => self.record_here(written),
            Some((log, tap)) => self.record_here(written.into_iter().inspect(|(key, pos)| {
                tap.recorded(*log, key, *pos);
            })),
        }
    }

    /// Records writes without telling the tap (what another process recorded).
    fn record_here<'a>(&self, written: impl IntoIterator<Item = (&'a str, i64)>) {
        let mut l = self.latest.lock().expect("change log");
        for (key, pos) in written {
            let (key, before) = match l.by_key.get_key_value(key) {
                Some((_, &before)) if before >= pos => continue,
                Some((k, &before)) => (k.clone(), Some(before)),
                None => (Arc::from(key), None),
            };
            if let Some(before) = before {
                l.by_pos.remove(&(before, key.clone()));
            }
            l.by_pos.insert((pos, key.clone()));
            l.by_key.insert(key, pos);
        }
        if l.by_key.len() > MAX {
            let mut positions: Vec<i64> = l.by_key.values().copied().collect();
            let (_, &mut median, _) = positions.select_nth_unstable(MAX / 2);
            l.keep_after(median);
            l.floor = l.floor.max(median);
        }
    }
}

impl ChangeLog {
    /// Forgets what was written up to `pos`: "since" before it answers "maybe".
    fn raise_floor(&self, pos: i64) {
        let mut l = self.latest.lock().expect("change log");
        l.floor = l.floor.max(pos);
        let floor = l.floor;
        l.keep_after(floor);
    }
}

/// A change log held for a series of questions.
pub struct ChangeView<'a>(std::sync::MutexGuard<'a, Latest>);

impl ChangeView<'_> {
    /// As `ChangeLog::changed_since`.
    pub fn changed_since(&self, key: &str, since: i64) -> bool {
        since < self.0.floor || self.0.by_key.get(key).is_some_and(|&pos| pos > since)
    }

    /// The position `key` was last written at, when after `since`: `None` when that is not
    /// known (`since` is before what the log knows), `Some(None)` when it was not written since.
    pub fn written_after(&self, key: &str, since: i64) -> Option<Option<i64>> {
        (since >= self.0.floor).then(|| self.0.by_key.get(key).copied().filter(|&p| p > since))
    }

    /// Every key written after `since`, or `None` when that is before what the log knows (any
    /// key may have been): what changed costs what changed, not how many keys there are.
    pub fn changed_after(&self, since: i64) -> Option<impl Iterator<Item = &Arc<str>> + '_> {
        (since >= self.0.floor).then(|| {
            self.0
                .by_pos
                .range((since + 1, Arc::from(""))..)
                .map(|(_, key)| key)
        })
    }
}

/// The change logs sync consults.
pub struct SyncHints {
    /// Each room's newest event.
    pub room_events: ChangeLog,
    /// Each room's newest state event or redaction (what can change the room's state as
    /// sync shows it).
    pub room_state: ChangeLog,
    /// Each user's newest membership event, and under the key "" anyone's.
    pub memberships: ChangeLog,
    /// The newest change of anyone's devices or cross-signing keys, under the key "".
    pub device_lists: ChangeLog,
    /// Each device's newest to-device message (keyed "user\ndevice").
    pub to_device: ChangeLog,
    /// Each device's newest change of one-time or fallback keys (keyed "user\ndevice").
    pub device_keys: ChangeLog,
    /// Each room's newest receipt.
    pub receipts: ChangeLog,
    /// Each room's newest event of the kinds that move it up a sliding sync list
    /// (`store::rooms::BUMP_TYPES`): its position is the room's bump stamp.
    pub room_bumps: ChangeLog,
    /// Each user's newest account data (global or per room).
    pub account_data: ChangeLog,
    /// The newest presence change of anyone, under the key "".
    pub presence: ChangeLog,
    /// Bumped when memberships change other than by an event (forget, room purge).
    memberships_epoch: AtomicU64,
    tap: OnceLock<Arc<dyn Tap>>,
}

impl SyncHints {
    /// `start` is the stream position at start; `presence` and `device_lists` the newest
    /// positions of those changes then (their logs have one key, so they know it exactly).
    pub fn new(start: i64, presence: i64, device_lists: i64) -> Self {
        let exact = |newest: i64| {
            let log = ChangeLog::new(0);
            log.record([("", newest)]);
            log
        };
        SyncHints {
            room_events: ChangeLog::new(start),
            room_state: ChangeLog::new(start),
            memberships: ChangeLog::new(start),
            device_lists: exact(device_lists),
            to_device: ChangeLog::new(start),
            device_keys: ChangeLog::new(start),
            receipts: ChangeLog::new(start),
            account_data: ChangeLog::new(start),
            presence: exact(presence),
            room_bumps: ChangeLog::new(start),
            memberships_epoch: AtomicU64::new(0),
            tap: OnceLock::new(),
        }
    }

    /// The logs by number (the number a `Tap` hears).
    fn logs(&self) -> [&ChangeLog; 10] {
        [
            &self.room_events,
            &self.room_state,
            &self.memberships,
            &self.device_lists,
            &self.to_device,
            &self.device_keys,
            &self.receipts,
            &self.account_data,
            &self.presence,
            &self.room_bumps,
        ]
    }

    /// Numbers of the logs keyed by room (a record there means the room was written).
    pub const ROOM_LOGS: [u8; 2] = [0, 1];
    /// Number of the account data log (keyed by user).
    pub const ACCOUNT_DATA_LOG: u8 = 7;

    /// Tells `tap` of everything recorded from now on.
    pub fn tap(&self, tap: Arc<dyn Tap>) {
        for (i, log) in self.logs().into_iter().enumerate() {
            let _ = log.tap.set((i as u8, tap.clone()));
        }
        let _ = self.tap.set(tap);
    }

    /// Records what another process recorded (not told to the tap again).
    pub fn record_from_peer(&self, log: u8, key: &str, pos: i64) {
        if let Some(l) = self.logs().get(usize::from(log)) {
            l.record_here([(key, pos)]);
        }
    }

    /// Another process rewrote memberships (`memberships_rewritten` there).
    pub fn memberships_rewritten_by_peer(&self) {
        self.memberships_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// What was written up to `pos` is not known: every question about it answers "maybe".
    pub fn forget_upto(&self, pos: i64) {
        for log in self.logs() {
            log.raise_floor(pos);
        }
        self.memberships_epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Called by the committer after a batch of events committed.
    pub fn events_committed(&self, rows: &[NewEventRow]) {
        self.room_events
            .record(rows.iter().map(|r| (r.room_id.as_str(), r.stream_ordering)));
        self.room_bumps.record(
            rows.iter()
                .filter(|r| !r.history && BUMP_TYPES.contains(&r.kind.as_str()))
                .map(|r| (r.room_id.as_str(), r.stream_ordering)),
        );
        self.room_state.record(
            rows.iter()
                .filter(|r| {
                    r.state_key.is_some() || r.redacts.is_some() || r.resolved_state.is_some()
                })
                .map(|r| (r.room_id.as_str(), r.stream_ordering)),
        );
        // A merge of forks can change any member's membership without a member event of its
        // own: every membership read so far is stale.
        if rows.iter().any(|r| {
            r.resolved_state
                .as_ref()
                .is_some_and(|s| s.iter().any(|e| e.membership.is_some()))
        }) {
            self.memberships_rewritten();
        }
        self.memberships.record(rows.iter().flat_map(|r| {
            let user = r.membership.as_ref().map(|(user, _)| user.as_str());
            user.into_iter()
                .chain(user.map(|_| ""))
                .map(|key| (key, r.stream_ordering))
        }));
    }

    /// Read before reading a user's memberships.
    pub fn memberships_epoch(&self) -> u64 {
        self.memberships_epoch.load(Ordering::SeqCst)
    }

    /// Call after memberships changed other than by an event (forget, purge) committed.
    pub fn memberships_rewritten(&self) {
        self.memberships_epoch.fetch_add(1, Ordering::SeqCst);
        if let Some(t) = self.tap.get() {
            t.rewritten();
        }
    }

    /// Whether a user's memberships, read when the stream was at `at` and the epoch `epoch`,
    /// still stand.
    pub fn memberships_unchanged(&self, user_id: &str, at: i64, epoch: u64) -> bool {
        self.memberships_epoch() == epoch && !self.memberships.changed_since(user_id, at)
    }

    /// Whether a user's account data, read when the stream was at `at` (epoch `epoch`: a
    /// purged room takes its room account data with it), still stands.
    pub fn account_data_unchanged(&self, user_id: &str, at: i64, epoch: u64) -> bool {
        self.memberships_epoch() == epoch && !self.account_data.changed_since(user_id, at)
    }

    /// Whether a room's state as it was at `at` (epoch `epoch`) is also its state at `pos`:
    /// no state event or redaction between the two.
    pub fn room_state_unchanged(&self, room_id: &str, at: i64, epoch: u64, pos: i64) -> bool {
        self.memberships_epoch() == epoch && !self.room_state.changed_since(room_id, at.min(pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_since_only_when_known() {
        let log = ChangeLog::new(100);
        // Before the floor nothing is known.
        assert!(log.changed_since("!a", 99));
        assert!(!log.changed_since("!a", 100));
        log.record([("!a", 105), ("!b", 103), ("!a", 107), ("!a", 104)]);
        assert!(log.changed_since("!a", 106));
        assert!(!log.changed_since("!a", 107));
        assert!(!log.changed_since("!c", 101));
        let after = |since| {
            log.view()
                .changed_after(since)
                .map(|keys| keys.map(|k| k.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(after(99), None, "before the floor");
        assert_eq!(after(100), Some(vec!["!b".to_string(), "!a".to_string()]));
        assert_eq!(after(103), Some(vec!["!a".to_string()]), "each key once");
        assert_eq!(after(107), Some(vec![]));
        // Past the bound the older half is forgotten and the floor rises past it.
        let keys: Vec<(String, i64)> = (0..MAX as i64)
            .map(|i| (format!("!r{i}"), 200 + i))
            .collect();
        log.record(keys.iter().map(|(k, p)| (k.as_str(), *p)));
        let (len, floor) = {
            let l = log.latest.lock().unwrap();
            (l.by_key.len(), l.floor)
        };
        assert!(len <= MAX / 2 + 1, "{len} keys kept");
        assert!(floor > 107);
        // "!b" was forgotten: asked from before the floor, it may have news.
        assert!(log.changed_since("!b", 150));
        let newest = 200 + MAX as i64 - 1;
        assert!(!log.changed_since(&format!("!r{}", MAX - 1), newest));
        assert!(log.changed_since(&format!("!r{}", MAX - 1), newest - 1));
        assert_eq!(after(107), None, "forgotten with the floor");
        assert_eq!(after(newest - 1), Some(vec![format!("!r{}", MAX - 1)]));
    }

    fn row(pos: i64, state_key: Option<&str>, redacts: Option<&str>) -> NewEventRow {
        NewEventRow {
            state_key: state_key.map(String::from),
            redacts: redacts.map(String::from),
            ..NewEventRow::message(pos)
        }
    }

    #[test]
    fn a_rooms_bump_is_its_newest_event_of_a_bumping_kind() {
        let h = SyncHints::new(10, 0, 0);
        let bumps = || h.room_bumps.view();
        assert_eq!(
            bumps().written_after("!r:x", 9),
            None,
            "before the floor: not known"
        );
        assert_eq!(bumps().written_after("!r:x", 10), Some(None));
        h.events_committed(&[row(11, None, None)]);
        let mut reaction = row(12, None, None);
        reaction.kind = "m.reaction".into();
        let mut history = row(-3, None, None);
        history.history = true;
        h.events_committed(&[reaction, history]);
        assert_eq!(bumps().written_after("!r:x", 10), Some(Some(11)));
        assert_eq!(bumps().written_after("!r:x", 11), Some(None));
        assert!(h.room_events.changed_since("!r:x", 11));
    }

    #[test]
    fn a_rooms_state_stands_until_a_state_event_or_a_redaction() {
        let h = SyncHints::new(10, 0, 0);
        let epoch = h.memberships_epoch();
        h.events_committed(&[row(11, None, None), row(12, None, None)]);
        assert!(h.room_state_unchanged("!r:x", 10, epoch, 12));
        h.events_committed(&[row(13, Some(""), None)]);
        assert!(!h.room_state_unchanged("!r:x", 12, epoch, 13));
        // Read at 13, asked about an earlier position: the change at 13 is in between.
        assert!(!h.room_state_unchanged("!r:x", 13, epoch, 12));
        assert!(h.room_state_unchanged("!r:x", 13, epoch, 20));
        h.events_committed(&[row(14, None, Some("$e13"))]);
        assert!(!h.room_state_unchanged("!r:x", 13, epoch, 14));
        assert!(h.room_state_unchanged("!r:x", 14, epoch, 14));
        h.memberships_rewritten();
        assert!(!h.room_state_unchanged("!r:x", 14, epoch, 14));
    }

    #[test]
    fn memberships_stand_until_a_membership_event_or_a_rewrite() {
        let h = SyncHints::new(10, 0, 0);
        let epoch = h.memberships_epoch();
        assert!(h.memberships_unchanged("@a:x", 10, epoch));
        h.memberships.record([("@a:x", 12)]);
        assert!(!h.memberships_unchanged("@a:x", 11, epoch));
        assert!(h.memberships_unchanged("@a:x", 12, epoch));
        assert!(h.memberships_unchanged("@b:x", 11, epoch));
        h.memberships_rewritten();
        assert!(!h.memberships_unchanged("@b:x", 12, epoch));
    }
}
