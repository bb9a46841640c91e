//! Other servers reading a room they share with us
//! (https://spec.matrix.org/v1.16/server-server-api/#retrieving-events and
//! #backfilling-and-retrieving-missing-events): single events, the state before an event with
//! its auth chain, an event's auth chain, history going back from some events (backfill) and
//! the events between what a server has and what it was sent (get_missing_events).
//!
//! As in Synapse, the asking server must be in the room now (one of its users joined), else
//! 403; an event it could not see under the room's history visibility at that event (an event
//! of a `joined` or `invited` room from before any of its users was there) is answered in its
//! redacted form, as is an event redacted here. Events are in the federation format.
//!
//! The state before an event is the state after its prev_events from their state groups
//! (service/rooms/state_res.rs), resolved when they differ. Events stored without groups (before
//! migration 0017, at a join, by backfill) have it replayed from the room's state events: the
//! last one per (type, state_key) in (depth, position) order. In a room
//! created here, each event builds on the one before, and the two orders agree with the
//! stream; in a room joined through another server, depth is the order that puts the state
//! stored at the join (one batch, at the positions of the join) and the history fetched later
//! by backfill (below every position) where they belong.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use ruma::room_version_rules::RoomVersionRules;
use ruma::{CanonicalJsonObject, OwnedEventId, RoomId, ServerName, UserId};
use serde_json::{Map, Value};

use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError};
use crate::store::rooms as db;

/// The most events one /backfill answers (Synapse's cap).
pub const MAX_BACKFILL: u64 = 100;
/// The most events one /get_missing_events answers (Synapse's cap).
pub const MAX_MISSING_EVENTS: u64 = 20;

/// An event as another server receives it: its PDU, as the raw JSON ruma's responses carry.
pub type Served = Box<serde_json::value::RawValue>;

/// The state before an event and the auth chain of those state events.
pub struct StateBefore {
    pub state: Vec<Served>,
    pub auth_chain: Vec<Served>,
}

impl StateBefore {
    /// `state` and `auth_chain` served to a server that may see them.
    pub(super) fn serve(
        state: &[Pdu],
        auth_chain: &[Pdu],
        rules: &RoomVersionRules,
    ) -> Result<StateBefore, RoomError> {
        Ok(StateBefore {
            state: serve_all(state, rules)?,
            auth_chain: serve_all(auth_chain, rules)?,
        })
    }
}

fn not_found() -> RoomError {
    RoomError::NotFound("Event not found.".into())
}

/// The order the state of a room is replayed in (see the module comment).
fn order(p: &Pdu) -> (i64, i64) {
    (p.depth(), p.stream)
}

/// `p` as another server receives it: the signed PDU, redacted under the room version's rules
/// when it was redacted here or `visible` is false.
fn served(p: &Pdu, rules: &RoomVersionRules, visible: bool) -> Result<Served, RoomError> {
    let pdu = if visible && p.redacted_by.is_none() {
        p.federation_raw()
    } else {
        serde_json::value::to_raw_value(&served_pdu(p, rules, visible))
    };
    pdu.map_err(|e| RoomError::Unavailable(format!("an event could not be serialized: {e}")))
}

/// Each of `list` served to a server that may see it, serialized on every core (a large room's
/// state for send_join is a thousand events and more).
pub(super) fn serve_all<'a>(
    list: impl IntoIterator<Item = &'a Pdu>,
    rules: &RoomVersionRules,
) -> Result<Vec<Served>, RoomError> {
    let list: Vec<&Pdu> = list.into_iter().collect();
    crate::service::cores::map_on_cores(&list, |p| served(p, rules, true))
}

fn served_pdu(p: &Pdu, rules: &RoomVersionRules, visible: bool) -> Map<String, Value> {
    let pdu = p.federation_format();
    if visible && p.redacted_by.is_none() {
        return pdu;
    }
    let redacted = serde_json::from_value::<CanonicalJsonObject>(Value::Object(pdu))
        .ok()
        .and_then(|obj| ruma::canonical_json::redact(obj, &rules.redaction, None).ok())
        .and_then(|obj| serde_json::to_value(obj).ok());
    match redacted {
        Some(Value::Object(m)) => m,
        // A stored event always redacts; should one not, nothing of its content goes out.
        _ => {
            let mut bare = p.federation_format();
            bare.insert("content".into(), Value::Object(Map::new()));
            bare
        }
    }
}

/// Whether a server whose users' memberships at an event are `memberships` may see it under
/// `visibility` (the room's history visibility at the event; `shared` when it has none).
fn visible(visibility: &str, memberships: &[&str]) -> bool {
    match visibility {
        "invited" => memberships.iter().any(|m| *m == "join" || *m == "invite"),
        "joined" => memberships.contains(&"join"),
        // world_readable, shared, and anything we do not know, as shared.
        _ => true,
    }
}

impl Services {
    /// The room's rules, when `origin` is in the room now (one of its users joined): 404 for a
    /// room we do not have, 403 when it is not in it or the room's server ACL bars it.
    async fn origin_in_room(
        &self,
        origin: &ServerName,
        room_id: &str,
    ) -> Result<RoomVersionRules, RoomError> {
        let (_, rules) = self.room_rules(room_id).await?;
        let joined = db::joined_on_server(&self.db, room_id, origin.as_str()).await?;
        let in_room = joined
            .iter()
            .filter_map(|u| UserId::parse(u).ok())
            .any(|u| u.server_name() == origin);
        if !in_room {
            return Err(RoomError::Forbidden(format!(
                "Server {origin} is not in room {room_id}"
            )));
        }
        self.check_server_acl(room_id, origin).await?;
        Ok(rules)
    }

    /// An event of `room_id` we hold, else 404.
    async fn room_event_by_id(&self, room_id: &str, event_id: &str) -> Result<Pdu, RoomError> {
        self.event_by_id(event_id)
            .await?
            .filter(|p| in_room(p, room_id))
            .ok_or_else(not_found)
    }

    /// For each of `events` (of `room_id`), whether `origin` may see it: under the room's
    /// history visibility at the event, with the memberships of its users there (the event
    /// itself included, so a user's own join is visible to its server).
    async fn visible_to_server(
        &self,
        origin: &ServerName,
        room_id: &str,
        events: &[Pdu],
    ) -> Result<Vec<bool>, RoomError> {
        let mut deciding: Vec<Pdu> = db::visibility_events(&self.db, room_id, origin.as_str())
            .await?
            .iter()
            .map(Self::pdu)
            .collect::<Result<_, _>>()?;
        deciding.retain(|p| {
            p.kind_str() != "m.room.member"
                || p.state_key_str()
                    .and_then(|u| UserId::parse(u).ok())
                    .is_some_and(|u| u.server_name() == origin)
        });
        deciding.sort_by_key(order);
        Ok(events
            .iter()
            .map(|e| {
                let mut visibility = String::from("shared");
                let mut memberships: HashMap<&str, String> = HashMap::new();
                for d in deciding.iter().take_while(|d| order(d) <= order(e)) {
                    if d.kind_str() == "m.room.history_visibility" {
                        visibility = d.content_value()["history_visibility"]
                            .as_str()
                            .unwrap_or("shared")
                            .to_string();
                    } else if let Some(user) = d.state_key_str() {
                        memberships.insert(user, d.membership().unwrap_or_default());
                    }
                }
                let memberships: Vec<&str> = memberships.values().map(String::as_str).collect();
                visible(&visibility, &memberships)
            })
            .collect())
    }

    /// `events` of `room_id` as `origin` may receive them (see `served`).
    async fn served_to(
        &self,
        origin: &ServerName,
        room_id: &str,
        rules: &RoomVersionRules,
        events: &[Pdu],
    ) -> Result<Vec<Served>, RoomError> {
        let visible = self.visible_to_server(origin, room_id, events).await?;
        events
            .iter()
            .zip(visible)
            .map(|(p, v)| served(p, rules, v))
            .collect()
    }

    /// GET /event/{eventId} from `origin`: the event, if `origin` is in its room (403 else).
    pub async fn event_for_server(
        &self,
        origin: &ServerName,
        event_id: &str,
    ) -> Result<Served, RoomError> {
        let p = self.event_by_id(event_id).await?.ok_or_else(not_found)?;
        let room_id = room_of(&p).ok_or_else(not_found)?;
        let rules = self.origin_in_room(origin, &room_id).await?;
        Ok(self
            .served_to(origin, &room_id, &rules, std::slice::from_ref(&p))
            .await?
            .remove(0))
    }

    /// GET /state/{roomId} from `origin`: the room's state before `event_id` and the auth
    /// chain of those state events, as served.
    pub async fn state_for_server(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &str,
    ) -> Result<StateBefore, RoomError> {
        let (rules, state, auth_chain) = self.state_and_chain(origin, room_id, event_id).await?;
        StateBefore::serve(&state, &auth_chain, &rules)
    }

    /// GET /state_ids/{roomId} from `origin`: the ids of what `state_for_server` serves, (state,
    /// auth chain).
    pub async fn state_ids_for_server(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &str,
    ) -> Result<(Vec<OwnedEventId>, Vec<OwnedEventId>), RoomError> {
        let (_, state, auth_chain) = self.state_and_chain(origin, room_id, event_id).await?;
        let ids = |list: Vec<Pdu>| list.into_iter().map(|p| p.event_id).collect();
        Ok((ids(state), ids(auth_chain)))
    }

    /// The room's rules, its state before `event_id` and that state's auth chain, when
    /// `origin` may read them.
    async fn state_and_chain(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &str,
    ) -> Result<(RoomVersionRules, Vec<Pdu>, Vec<Pdu>), RoomError> {
        let rules = self.origin_in_room(origin, room_id.as_str()).await?;
        let event = self.room_event_by_id(room_id.as_str(), event_id).await?;
        let state = self.state_before(room_id.as_str(), &event).await?;
        let auth_chain = self
            .auth_chain_with_create(room_id.as_str(), &state)
            .await?;
        Ok((rules, state, auth_chain))
    }

    /// The auth chain of `events`, with the room's create event, which from room version 12
    /// on no event names among its auth events (but every one is authorised by).
    async fn auth_chain_with_create(
        &self,
        room_id: &str,
        events: &[Pdu],
    ) -> Result<Vec<Pdu>, RoomError> {
        let mut chain = self.auth_chain(events).await?;
        let is_create = |p: &Pdu| p.kind_str() == "m.room.create" && p.state_key_str() == Some("");
        if !chain.iter().any(is_create)
            && events.iter().any(|p| !is_create(p))
            && let Some(create) = self
                .current_state_event(room_id, "m.room.create", "")
                .await?
        {
            chain.push(create);
        }
        Ok(chain)
    }

    /// The state of a room before `event` (see the module comment).
    async fn state_before(&self, room_id: &str, event: &Pdu) -> Result<Vec<Pdu>, RoomError> {
        // Events whose prev_events all have state groups: the state after them (resolved when
        // they differ, as when the event was received).
        let (_, rules) = self.room_rules(room_id).await?;
        if let Some((_, state)) = self
            .state_after_events(room_id, &rules, event.prev_event_ids(), true)
            .await?
        {
            let mut out: Vec<Pdu> = state.into_values().collect();
            out.sort_by_key(|p| p.stream);
            return Ok(out);
        }
        db::state_at_depth(&self.db, room_id, event.depth(), event.stream - 1)
            .await?
            .iter()
            .map(Self::pdu)
            .collect()
    }

    /// GET /event_auth/{roomId}/{eventId} from `origin`: the event's auth chain.
    pub async fn event_auth_for_server(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &str,
    ) -> Result<Vec<Served>, RoomError> {
        let rules = self.origin_in_room(origin, room_id.as_str()).await?;
        let event = self.room_event_by_id(room_id.as_str(), event_id).await?;
        let chain = self
            .auth_chain_with_create(room_id.as_str(), std::slice::from_ref(&event))
            .await?;
        serve_all(&chain, &rules)
    }

    /// GET /backfill/{roomId} from `origin`: up to `limit` (at most 100) events of the room,
    /// the events `from` first, then back along their prev_events, the deepest first; newest
    /// first, as Synapse answers.
    pub async fn backfill_for_server(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        from: &[OwnedEventId],
        limit: u64,
    ) -> Result<Vec<Served>, RoomError> {
        let room_id = room_id.as_str();
        let rules = self.origin_in_room(origin, room_id).await?;
        let limit = usize::try_from(limit.min(MAX_BACKFILL)).unwrap_or(0);
        let mut queue: BinaryHeap<((i64, i64), String)> = BinaryHeap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut found: HashMap<String, Pdu> = HashMap::new();
        for id in from {
            if seen.insert(id.to_string())
                && let Some(p) = self.event_in_room(room_id, id.as_str()).await?
            {
                queue.push((order(&p), id.to_string()));
                found.insert(id.to_string(), p);
            }
        }
        let mut out = Vec::new();
        while out.len() < limit {
            let Some((_, id)) = queue.pop() else { break };
            let Some(p) = found.remove(&id) else { continue };
            for prev in p.prev_event_ids() {
                if seen.insert(prev.to_string())
                    && let Some(q) = self.event_in_room(room_id, prev.as_str()).await?
                {
                    queue.push((order(&q), prev.to_string()));
                    found.insert(prev.to_string(), q);
                }
            }
            out.push(p);
        }
        out.sort_by_key(|p| Reverse(order(p)));
        self.served_to(origin, room_id, &rules, &out).await
    }

    /// POST /get_missing_events/{roomId} from `origin`: the events before `latest` (not those
    /// themselves) back along prev_events, breadth first, stopping at `earliest`, below
    /// `min_depth` and at `limit` (at most 20); oldest first, as Synapse answers.
    pub async fn missing_events_for_server(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        earliest: &[OwnedEventId],
        latest: &[OwnedEventId],
        limit: u64,
        min_depth: u64,
    ) -> Result<Vec<Served>, RoomError> {
        let room_id = room_id.as_str();
        let rules = self.origin_in_room(origin, room_id).await?;
        let limit = usize::try_from(limit.min(MAX_MISSING_EVENTS)).unwrap_or(0);
        let min_depth = i64::try_from(min_depth).unwrap_or(i64::MAX);
        let mut seen: HashSet<String> = earliest.iter().map(ToString::to_string).collect();
        let mut front = Vec::new();
        for id in latest {
            if seen.insert(id.to_string())
                && let Some(p) = self.event_in_room(room_id, id.as_str()).await?
            {
                front.push(p);
            }
        }
        let mut out: Vec<Pdu> = Vec::new();
        'walk: while !front.is_empty() {
            let mut next = Vec::new();
            for p in &front {
                for prev in p.prev_event_ids() {
                    if out.len() >= limit {
                        break 'walk;
                    }
                    if !seen.insert(prev.to_string()) {
                        continue;
                    }
                    let Some(q) = self.event_in_room(room_id, prev.as_str()).await? else {
                        continue;
                    };
                    if q.depth() < min_depth {
                        continue;
                    }
                    out.push(q.clone());
                    next.push(q);
                }
            }
            front = next;
        }
        out.sort_by_key(order);
        self.served_to(origin, room_id, &rules, &out).await
    }

    /// An event we hold, when it is of `room_id`.
    async fn event_in_room(&self, room_id: &str, event_id: &str) -> Result<Option<Pdu>, RoomError> {
        Ok(self
            .event_by_id(event_id)
            .await?
            .filter(|p| in_room(p, room_id)))
    }
}

/// The room of a stored event (a v12 create event names none: its room id is derived).
fn room_of(p: &Pdu) -> Option<String> {
    match p.room_id_str() {
        Some(r) => Some(r.to_string()),
        None => p
            .event_id
            .as_str()
            .strip_prefix('$')
            .map(|hash| format!("!{hash}")),
    }
}

fn in_room(p: &Pdu, room_id: &str) -> bool {
    room_of(p).as_deref() == Some(room_id)
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn history_visibility_for_servers() {
        for v in ["shared", "world_readable", "something new"] {
            assert!(visible(v, &[]), "{v}");
        }
        assert!(!visible("joined", &[]));
        assert!(!visible("joined", &["invite", "leave"]));
        assert!(visible("joined", &["leave", "join"]));
        assert!(!visible("invited", &["leave"]));
        assert!(visible("invited", &["invite"]));
        assert!(visible("invited", &["join"]));
    }
}
