//! The state of a room at any event we hold, and state resolution: what lets an event another
//! server built on an older event, or on several (after a network partition), be authorised
//! against the state it was built on, and the room's current state be the resolution of its
//! forward extremities' states, as the spec and Synapse have it.
//!
//! Each event stored through `append` or `append_remote` names its state group (the state
//! after it, migration 0017): a delta of one entry on the state before it, or, every
//! `MAX_CHAIN` deltas and where no group exists yet, a snapshot. A group's id is made from the
//! position of the event whose storing made it (4 × position + `AFTER`, `BEFORE` or
//! `RESOLVED`), so group ids need no allocator. Events stored without a group (before the
//! migration, the state and auth chain a join through another server stores, an invite) have
//! the state the stream replays up to them, which is exact for those rooms' linear history;
//! our join itself names a group, a snapshot of the room's state with the join on top.
//!
//! Resolution is ruma's (`ruma::state_res::resolve`, state resolution v2, with v12's
//! conflicted state subgraph when the room version's rules ask for it); this module only
//! gathers what it reads: the states, their events' auth chains, the subgraph. Room versions
//! 1 (state resolution v1, which ruma does not implement) are not resolved: a fork there keeps
//! the current state, as before this module.

use std::collections::{HashMap, HashSet};

use ruma::events::StateEventType;
use ruma::room_version_rules::RoomVersionRules;
use ruma::state_res::StateMap;
use ruma::{EventId, OwnedEventId};

use super::{Pdu, RoomError};
use crate::service::Services;
use crate::store::rooms::{self as db, NewStateGroup, StateEntry};

/// A room's state: (type, state_key) → event.
pub type State = HashMap<(String, String), Pdu>;

/// Deltas at most above a snapshot: a group is read in one query of at most this many levels.
const MAX_CHAIN: i64 = 100;

/// Which group of an event's storing a group id names.
const AFTER: i64 = 0;
const BEFORE: i64 = 1;
const RESOLVED: i64 = 2;

/// The id of group `which` made when the event at `pos` was stored.
pub(super) fn group_id(pos: i64, which: i64) -> i64 {
    pos * 4 + which
}

/// A state group as the room cache knows it: its id and how many deltas lie above its
/// snapshot.
#[derive(Debug, Clone, Copy)]
pub struct GroupRef {
    pub id: i64,
    pub chain: i64,
}

/// The entries of a state, as a snapshot group stores them.
fn entries_of(state: &State) -> Vec<(String, String, String)> {
    state
        .iter()
        .map(|((t, sk), p)| (t.clone(), sk.clone(), p.event_id.to_string()))
        .collect()
}

/// The room's current state rows for `state`.
pub(super) fn state_entries(state: &State) -> Vec<StateEntry> {
    state
        .iter()
        .map(|((t, sk), p)| StateEntry {
            kind: t.clone(),
            state_key: sk.clone(),
            event_id: p.event_id.to_string(),
            stream_ordering: p.stream,
            membership: (t == "m.room.member").then(|| p.membership()).flatten(),
        })
        .collect()
}

/// The groups storing the event `pdu` at `pos` makes, given the state before it (`before`,
/// in group `base` when it has one): the state after it, and the groups to write.
pub(super) fn plan_groups(
    pos: i64,
    base: Option<GroupRef>,
    before: &State,
    pdu: &Pdu,
) -> (GroupRef, Vec<NewStateGroup>) {
    let mut out = Vec::new();
    let base = base.unwrap_or_else(|| {
        let id = group_id(pos, BEFORE);
        out.push(NewStateGroup {
            id,
            prev_id: None,
            chain: 0,
            entries: entries_of(before),
        });
        GroupRef { id, chain: 0 }
    });
    let Some(sk) = pdu.state_key_str() else {
        return (base, out);
    };
    let key = (pdu.kind_str(), sk.to_string());
    let id = group_id(pos, AFTER);
    let this = (key.0.clone(), key.1.clone(), pdu.event_id.to_string());
    if base.chain < MAX_CHAIN {
        out.push(NewStateGroup {
            id,
            prev_id: Some(base.id),
            chain: base.chain + 1,
            entries: vec![this],
        });
        return (
            GroupRef {
                id,
                chain: base.chain + 1,
            },
            out,
        );
    }
    let mut entries: Vec<_> = before
        .iter()
        .filter(|(k, _)| **k != key)
        .map(|((t, s), p)| (t.clone(), s.clone(), p.event_id.to_string()))
        .collect();
    entries.push(this);
    out.push(NewStateGroup {
        id,
        prev_id: None,
        chain: 0,
        entries,
    });
    (GroupRef { id, chain: 0 }, out)
}

/// A snapshot group of the resolved state `state`, made at `pos`.
pub(super) fn resolved_group(pos: i64, state: &State) -> (GroupRef, NewStateGroup) {
    let id = group_id(pos, RESOLVED);
    (
        GroupRef { id, chain: 0 },
        NewStateGroup {
            id,
            prev_id: None,
            chain: 0,
            entries: entries_of(state),
        },
    )
}

/// Two states hold the same events.
pub(super) fn same_state(a: &State, b: &State) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, p)| b.get(k).is_some_and(|q| q.event_id == p.event_id))
}

impl Services {
    /// The state after a stored event, with its group when it has one; `None` when the event
    /// is not stored.
    pub(super) async fn state_after(
        &self,
        room_id: &str,
        event_id: &str,
    ) -> Result<Option<(Option<GroupRef>, State)>, RoomError> {
        let Some((group, pos)) = db::event_state_group(&self.db, event_id).await? else {
            return Ok(None);
        };
        let (rows, group) = match group {
            Some(g) => {
                let chain = db::group_chain(&self.db, g).await?.unwrap_or(MAX_CHAIN);
                (
                    db::group_state(&self.db, g).await?,
                    Some(GroupRef { id: g, chain }),
                )
            }
            None => (db::state_at(&self.db, room_id, pos).await?, None),
        };
        let mut state = State::new();
        for row in &rows {
            let p = Self::pdu(row)?;
            if let Some(sk) = p.state_key_str() {
                state.insert((p.kind_str(), sk.to_string()), p);
            }
        }
        Ok(Some((group, state)))
    }

    /// The state after the events `prev` (an event's prev_events) that we hold: one state as
    /// it is, several resolved. `None` when we hold none of them, when `grouped` and one has
    /// no state group, or when they differ in a room version we do not resolve (v1).
    pub(crate) async fn state_after_events(
        &self,
        room_id: &str,
        rules: &RoomVersionRules,
        prev: &[OwnedEventId],
        grouped: bool,
    ) -> Result<Option<(Option<GroupRef>, State)>, RoomError> {
        let mut states = Vec::new();
        for id in prev {
            if let Some(s) = self.state_after(room_id, id.as_str()).await? {
                if grouped && s.0.is_none() {
                    return Ok(None);
                }
                states.push(s);
            }
        }
        if states.len() <= 1 {
            return Ok(states.pop());
        }
        if states[1..].iter().all(|s| same_state(&s.1, &states[0].1)) {
            return Ok(states.into_iter().next());
        }
        let refs: Vec<&State> = states.iter().map(|s| &s.1).collect();
        Ok(self
            .resolve_states(rules, &refs)
            .await?
            .map(|resolved| (None, resolved)))
    }

    /// Resolves `states` with the room version's state resolution; `None` for a room version
    /// whose algorithm ruma does not implement (v1).
    pub(super) async fn resolve_states(
        &self,
        rules: &RoomVersionRules,
        states: &[&State],
    ) -> Result<Option<State>, RoomError> {
        let Some(v2) = rules.state_res.v2_rules() else {
            return Ok(None);
        };
        // Every event of the states and of their auth chains, from the database.
        let mut events: HashMap<OwnedEventId, Pdu> = HashMap::new();
        let mut todo: Vec<OwnedEventId> = Vec::new();
        for s in states {
            for p in s.values() {
                if !events.contains_key(&p.event_id) {
                    todo.extend(p.auth_event_ids().iter().cloned());
                    events.insert(p.event_id.clone(), p.clone());
                }
            }
        }
        while let Some(id) = todo.pop() {
            if events.contains_key(&id) {
                continue;
            }
            if let Some(p) = self.event_by_id(id.as_str()).await? {
                todo.extend(p.auth_event_ids().iter().cloned());
                events.insert(id, p);
            }
        }
        let auth_chains: Vec<HashSet<OwnedEventId>> = states
            .iter()
            .map(|s| {
                let mut chain = HashSet::new();
                let mut stack: Vec<&OwnedEventId> =
                    s.values().flat_map(|p| p.auth_event_ids()).collect();
                while let Some(id) = stack.pop() {
                    if chain.insert(id.clone())
                        && let Some(p) = events.get(id)
                    {
                        stack.extend(p.auth_event_ids());
                    }
                }
                chain
            })
            .collect();
        let maps: Vec<StateMap<OwnedEventId>> = states
            .iter()
            .map(|s| {
                s.iter()
                    .map(|((t, sk), p)| {
                        (
                            (StateEventType::from(t.as_str()), sk.clone()),
                            p.event_id.clone(),
                        )
                    })
                    .collect()
            })
            .collect();
        let resolved = ruma::state_res::resolve(
            &rules.authorization,
            v2,
            maps.iter(),
            auth_chains
                .into_iter()
                .map(|c| c.into_iter().collect())
                .collect(),
            |id: &EventId| events.get(id).cloned(),
            |conflicted: &StateMap<Vec<OwnedEventId>>| {
                Some(
                    conflicted_subgraph(conflicted, &events)
                        .into_iter()
                        .collect(),
                )
            },
        )
        .map_err(|e| RoomError::BadEvent(format!("state resolution failed: {e}")))?;
        let mut out = State::new();
        for ((t, sk), id) in resolved {
            if let Some(p) = events.get(&id) {
                out.insert((t.to_string(), sk), p.clone());
            }
        }
        Ok(Some(out))
    }
}

/// The conflicted state subgraph (room version 12): the events of the auth DAG on a path from
/// one conflicted event to another, the conflicted events included.
fn conflicted_subgraph(
    conflicted: &StateMap<Vec<OwnedEventId>>,
    events: &HashMap<OwnedEventId, Pdu>,
) -> HashSet<OwnedEventId> {
    let starts: HashSet<&OwnedEventId> = conflicted.values().flatten().collect();
    // Whether a conflicted event is reachable from an event through its auth events (itself
    // included), memoised; the auth DAG is walked without recursion.
    let mut reaches: HashMap<&OwnedEventId, bool> = HashMap::new();
    let mut order: Vec<&OwnedEventId> = Vec::new();
    let mut seen: HashSet<&OwnedEventId> = HashSet::new();
    // Post-order over everything below the conflicted events.
    for s in &starts {
        let mut stack: Vec<(&OwnedEventId, bool)> = vec![(*s, false)];
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                order.push(id);
                continue;
            }
            if !seen.insert(id) {
                continue;
            }
            stack.push((id, true));
            if let Some(p) = events.get(id) {
                for a in p.auth_event_ids() {
                    if !seen.contains(a) {
                        stack.push((a, false));
                    }
                }
            }
        }
    }
    for id in &order {
        let below = events.get(*id).is_some_and(|p| {
            p.auth_event_ids()
                .iter()
                .any(|a| reaches.get(a).copied().unwrap_or(false))
        });
        reaches.insert(id, below || starts.contains(id));
    }
    // Below some conflicted event (everything walked is) and above another (or conflicted).
    order
        .into_iter()
        .filter(|id| reaches.get(id).copied().unwrap_or(false))
        .cloned()
        .collect()
}
