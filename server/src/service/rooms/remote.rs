//! Events another server builds: the join template it asks for (make_join), storing a PDU it
//! sent once it passed the federation checks (service/federation/pdu.rs), authorised with the
//! room version's rules like our own events and committed on the same stream, storing a room
//! joined through it, and storing older events backfill fetched as history, below the stream.

use std::collections::HashMap;

use ruma::events::{StateEventType, TimelineEventType};
use ruma::room_version_rules::RoomVersionRules;
use ruma::{CanonicalJsonObject, EventId, OwnedEventId, RoomVersionId, UserId};
use serde_json::{Map, Value, json};

use super::{
    Pdu, RoomCache, RoomError, authorize, committed, event_row, pdu_row, rules_for, state_res,
};
use crate::service::Services;
use crate::store::{now_ms, rooms as db};

impl Services {
    /// The member event (`membership`: join or leave) `user_id` would send now, unsigned
    /// (make_join, make_leave): auth events from the current state, prev_events the room's
    /// extremities. Refused (403) when the room's rules would not allow it (not invited to an
    /// invite-only room, banned; not in the room to leave it).
    pub async fn member_template(
        &self,
        room_id: &str,
        user_id: &UserId,
        membership: &str,
    ) -> Result<(RoomVersionId, Map<String, Value>), RoomError> {
        let mut cache_map = self.lock_room_cache().await;
        let cache = self.cached_room(&mut cache_map, room_id).await?;
        let content = json!({"membership": membership});
        let raw = serde_json::value::to_raw_value(&content)
            .map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let auth_ids = cache.auth_ids(
            &TimelineEventType::RoomMember,
            user_id,
            Some(user_id.as_str()),
            &raw,
        )?;
        let (prev_events, depth) = cache.prev_events();
        let template = json!({
            "auth_events": auth_ids,
            "content": content,
            "depth": depth,
            "origin_server_ts": now_ms(),
            "prev_events": prev_events,
            "room_id": room_id,
            "sender": user_id,
            "state_key": user_id,
            "type": "m.room.member",
        });
        let Value::Object(template) = template else {
            unreachable!("a JSON object literal")
        };
        // The template as an event (its id is not known yet) through the room's rules.
        let stand_in = Pdu::from_json(
            EventId::parse("$template").expect("a valid event id"),
            template.clone(),
        )
        .map_err(RoomError::BadEvent)?;
        authorize(&cache.rules, &stand_in, &cache.state, &auth_ids)?;
        Ok((cache.version.clone(), template))
    }

    /// Stores an event another server sent, already checked (format, event id, signatures,
    /// hash); see `append_remote_pdu`. A soft-failed event is returned as it is.
    pub async fn append_remote(
        &self,
        room_id: &str,
        event_id: &EventId,
        event: CanonicalJsonObject,
    ) -> Result<Pdu, RoomError> {
        Ok(
            match self.append_remote_pdu(room_id, event_id, event).await? {
                Remote::Stored(p) | Remote::SoftFailed(p) => p,
            },
        )
    }

    /// Stores an event another server sent, already checked (format, event id, signatures,
    /// hash). It is authorised against its auth events and against the state before it (the
    /// state after its prev_events, resolved when they differ; see `state_res`); refused, it
    /// is not stored. Then it is checked against the room's current state: an event that
    /// fails there is soft-failed (kept aside, not in the timeline, not built on, not state).
    /// Otherwise it is committed, and the room's current state becomes the resolution of the
    /// states of its forward extremities. An event already stored is returned as it is.
    pub async fn append_remote_pdu(
        &self,
        room_id: &str,
        event_id: &EventId,
        event: CanonicalJsonObject,
    ) -> Result<Remote, RoomError> {
        let mut guard = self.streams.write().await;
        // An event queued but not yet committed (the same PDU from another transaction a
        // moment ago) is found once what was queued has settled; so are the state groups
        // read below.
        guard.settle().await;
        if let Some(stored) = self.event_by_id(event_id.as_str()).await? {
            return Ok(Remote::Stored(stored));
        }
        let mut cache_map = self.lock_room_cache().await;
        let cache = self.cached_room(&mut cache_map, room_id).await?;
        let json = match serde_json::to_value(&event) {
            Ok(Value::Object(m)) => m,
            _ => return Err(RoomError::BadEvent("the event is not an object".into())),
        };
        let pdu = Pdu::from_json(event_id.to_owned(), json.clone()).map_err(RoomError::BadEvent)?;
        if pdu.room_id_str().is_some_and(|r| r != room_id) {
            return Err(RoomError::BadEvent("the event is for another room".into()));
        }

        let before = self.received_state_before(room_id, cache, &pdu).await?;
        let before_state = before.as_ref().map_or(&cache.state, |b| &b.1);
        let auth = self.auth_events_of(&pdu, before_state).await?;
        authorize_with(&cache.rules, &pdu, &auth, before_state)?;
        if before.is_some()
            && let Err(e) = ruma::state_res::check_state_dependent_auth_rules(
                &cache.rules.authorization,
                &pdu,
                |t: &StateEventType, sk: &str| cache.state.get(&(t.to_string(), sk.to_string())),
            )
        {
            tracing::info!(%event_id, error = e, "an event is soft-failed: the room's current state does not allow it");
            let text =
                serde_json::to_string(&json).map_err(|e| RoomError::BadEvent(e.to_string()))?;
            db::insert_soft_failed(&self.db, event_id.as_str(), room_id, &text).await?;
            return Ok(Remote::SoftFailed(pdu));
        }

        let (base, before_state) = match before {
            None => (cache.group, &cache.state),
            Some((g, ref s)) => (g, s),
        };
        let on_current_group = base
            .zip(cache.group)
            .is_some_and(|(b, c)| b.id == c.id && pdu.state_key_str().is_none());
        // Built on another state: the room's state becomes the resolution of its forward
        // extremities' (this event's, and those it does not build on), worked out before a
        // position is taken (a failure here stores nothing).
        let mut resolved = None;
        if before.is_some() && !on_current_group {
            let mut after = before_state.clone();
            if let Some(sk) = pdu.state_key_str() {
                after.insert((pdu.kind_str(), sk.to_string()), pdu.clone());
            }
            let prev = pdu.prev_event_ids();
            let mut states = vec![after];
            for (id, _) in &cache.extremities {
                if !prev.iter().any(|p| p.as_str() == id)
                    && let Some((_, s)) = self.state_after(room_id, id).await?
                {
                    states.push(s);
                }
            }
            let current = if states.len() == 1 {
                Some(states[0].clone())
            } else {
                let refs: Vec<&state_res::State> = states.iter().collect();
                self.resolve_states(&cache.rules, &refs).await?
            };
            // None: room version 1, not resolved; the current state with this event on top.
            resolved = Some((current, states.swap_remove(0)));
        }

        let pos = guard.next_pos();
        // From here the position is the committer's to finish, whatever happens to this task.
        guard.detach();
        let (mut row, out) = event_row(pos, event_id, room_id, json, before_state, None, None)?;
        let (group, new_groups) = state_res::plan_groups(pos, base, before_state, &out);
        row.state_group = Some(group.id);
        row.new_groups = new_groups;
        row.forward_extremities = cache.extremities_record(&out);
        let Some((current, after)) = resolved else {
            // Built on the current state (or, a message, on the same state): it moves on by
            // this event, as for our own.
            let done = self.commits.enqueue(row, self.streams.current());
            cache.advance(&out, pos, group);
            drop(cache_map);
            drop(guard);
            return committed(done).await.map(|()| Remote::Stored(out));
        };
        // What storing the event writes anyway: the current state with the event's on top.
        let mut simple = cache.state.clone();
        if let Some(sk) = out.state_key_str() {
            simple.insert((out.kind_str(), sk.to_string()), out.clone());
        }
        let current_group;
        let current = match current {
            Some(mut current) => {
                // The event itself as stored (its position), where the resolution kept it.
                for p in current.values_mut() {
                    if p.event_id == out.event_id {
                        *p = out.clone();
                    }
                }
                if state_res::same_state(&current, &after) {
                    current_group = group;
                } else {
                    let (g, new) = state_res::resolved_group(pos, &current);
                    row.new_groups.push(new);
                    current_group = g;
                }
                current
            }
            None => {
                let (g, new) = state_res::resolved_group(pos, &simple);
                row.new_groups.push(new);
                current_group = g;
                simple.clone()
            }
        };
        if !state_res::same_state(&current, &simple) {
            row.resolved_state = Some(state_res::state_entries(&current));
        }
        let done = self.commits.enqueue(row, self.streams.current());
        cache.advance(&out, pos, current_group);
        cache.set_state(current);
        drop(cache_map);
        drop(guard);
        committed(done).await.map(|()| Remote::Stored(out))
    }

    /// The state before a received event when it is not the room's current state (`None`):
    /// the state after its one prev_event, or the resolution of the states after its
    /// prev_events. Prev_events we do not hold (a gap that could not be filled) are left out;
    /// with none left, the current state stands in, as it did before state groups.
    async fn received_state_before(
        &self,
        room_id: &str,
        cache: &RoomCache,
        pdu: &Pdu,
    ) -> Result<Option<(Option<state_res::GroupRef>, state_res::State)>, RoomError> {
        let prev = pdu.prev_event_ids();
        // The usual case, answered from memory: built on our one forward extremity.
        if let [only] = prev
            && let [(ext, _)] = cache.extremities.as_slice()
            && only.as_str() == ext
        {
            return Ok(None);
        }
        let found = self
            .state_after_events(room_id, &cache.rules, prev, false)
            .await?;
        if found.is_none() && prev.len() > 1 && cache.rules.state_res.v2_rules().is_none() {
            tracing::info!(event_id = %pdu.event_id, "a fork in a room of version 1 is not resolved; the current state stands in");
        }
        Ok(found)
    }

    /// The auth events a received event names, from `state` or the database.
    async fn auth_events_of(
        &self,
        pdu: &Pdu,
        state: &state_res::State,
    ) -> Result<HashMap<OwnedEventId, Pdu>, RoomError> {
        let mut out = HashMap::new();
        // Since room version 12 the create event is not among the auth events; the rules
        // look it up all the same.
        if let Some(create) = state.get(&("m.room.create".to_string(), String::new())) {
            out.insert(create.event_id.clone(), create.clone());
        }
        for id in pdu.auth_event_ids() {
            let found = match state.values().find(|p| p.event_id == *id) {
                Some(p) => Some(p.clone()),
                None => self.event_by_id(id.as_str()).await?,
            };
            if let Some(p) = found {
                out.insert(id.clone(), p);
            }
        }
        Ok(out)
    }
}

/// What became of an event another server sent.
pub enum Remote {
    /// Committed on the stream (or already there).
    Stored(Pdu),
    /// Soft-failed: kept aside, not in the room's timeline or state.
    SoftFailed(Pdu),
}

/// Authorises `pdu` against its auth events (`auth`, by id) and the state before it.
fn authorize_with(
    rules: &RoomVersionRules,
    pdu: &Pdu,
    auth: &HashMap<OwnedEventId, Pdu>,
    state: &state_res::State,
) -> Result<(), RoomError> {
    ruma::state_res::check_state_independent_auth_rules(
        &rules.authorization,
        pdu,
        |id: &EventId| auth.get(id),
    )
    .map_err(RoomError::Forbidden)?;
    ruma::state_res::check_state_dependent_auth_rules(
        &rules.authorization,
        pdu,
        |t: &StateEventType, sk: &str| state.get(&(t.to_string(), sk.to_string())),
    )
    .map_err(RoomError::Forbidden)
}

impl Services {
    /// Stores a room joined through another server: `events` (its auth chain and state,
    /// checked and in an order each can be stored in; the ones of `state_ids` last so they
    /// are the room's state), then our join `join`, on the stream. Events already stored are
    /// skipped. The room is ours to append to from here.
    ///
    /// All of it is one unit of the committer: one transaction of multi-row statements, and
    /// everything a committed event is followed by (change logs, sync wake-ups, device lists
    /// marked stale). The state after our join is written once, a snapshot of the room's
    /// state with our join on top, and the room's cache is the state just stored.
    pub async fn store_joined_room(
        &self,
        room_id: &ruma::RoomId,
        version: &RoomVersionId,
        events: Vec<Pdu>,
        state_ids: &[ruma::OwnedEventId],
        join: (&EventId, CanonicalJsonObject),
    ) -> Result<Pdu, RoomError> {
        let started = std::time::Instant::now();
        let state_ids: std::collections::HashSet<&ruma::EventId> =
            state_ids.iter().map(|id| &**id).collect();
        let (rest, state): (Vec<Pdu>, Vec<Pdu>) = events
            .into_iter()
            .partition(|p| !state_ids.contains(&*p.event_id));
        let join_pdu =
            Pdu::from_canonical_owned(join.0.to_owned(), join.1).map_err(RoomError::BadEvent)?;
        let (cache_version, cache_rules) = rules_for(version.as_str())?;
        let mut guard = self.streams.write().await;
        // Events of the room queued a moment ago are stored before we look for them.
        guard.settle().await;
        let mut cache_map = self.lock_room_cache().await;
        // A room known from an invite has its row already, and some of these events.
        let known = crate::store::rooms::room_version(&self.db, room_id.as_str())
            .await?
            .is_some();
        let held: std::collections::HashSet<String> = if known {
            let ids: Vec<&str> = rest
                .iter()
                .chain(&state)
                .map(|p| p.event_id.as_str())
                .chain(std::iter::once(join.0.as_str()))
                .collect();
            db::held_events(&self.db, &ids).await?.into_iter().collect()
        } else {
            Default::default()
        };
        let mut current: state_res::State = HashMap::new();
        let mut rows = Vec::new();
        let mut joined = None;
        let all = rest
            .into_iter()
            .chain(state)
            .chain(std::iter::once(join_pdu));
        for p in all {
            if held.contains(p.event_id.as_str()) {
                // Stored already (an invite): still part of the state our join builds on.
                if let Some(sk) = p.state_key_str() {
                    current.insert((p.kind_str(), sk.to_string()), p);
                }
                continue;
            }
            let is_create = p.kind_str() == "m.room.create" && p.state_key_str() == Some("");
            let is_join = p.event_id == join.0;
            let pos = guard.next_pos();
            let (mut row, out) = pdu_row(
                pos,
                p,
                room_id.as_str(),
                &current,
                None,
                (is_create && !known).then(|| version.to_string()),
            )?;
            if is_join {
                // The state after our join, written once: the room's state as a snapshot, our
                // join a delta on it.
                let (group, new_groups) = state_res::plan_groups(pos, None, &current, &out);
                row.state_group = Some(group.id);
                row.new_groups = new_groups;
                joined = Some((out.clone(), group));
            }
            if let Some(sk) = out.state_key_str() {
                current.insert((out.kind_str(), sk.to_string()), out);
            }
            rows.push(row);
        }
        // From here the positions are the committer's to finish.
        guard.detach();
        let done = (!rows.is_empty()).then(|| self.commits.enqueue_all(rows));
        match &joined {
            // A room never seen: its cache is what was just stored (dropped by the committer
            // if it fails).
            Some((join_pdu, group)) if !known => {
                let cache = RoomCache {
                    version: cache_version,
                    rules: cache_rules,
                    extremities: vec![(join_pdu.event_id.to_string(), join_pdu.depth())],
                    bytes: RoomCache::state_bytes(&current),
                    state: current,
                    group: Some(*group),
                    last_pos: join_pdu.stream,
                };
                super::trim_room_cache(&mut cache_map, self.streams.current());
                cache_map.insert(room_id.to_string(), cache);
            }
            // Known before: the cached state (if any) is stale, the next append reloads it
            // with the positions of what was stored earlier.
            _ => {
                cache_map.remove(room_id.as_str());
            }
        }
        drop(cache_map);
        drop(guard);
        let prepared = started.elapsed();
        if let Some(done) = done {
            committed(done).await?;
        }
        let stored = started.elapsed();
        // The room's history before our join is where backfill starts: the events our join
        // builds on that we do not have.
        let history_from: Vec<String> = joined
            .as_ref()
            .map(|(j, _)| j.prev_event_ids().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let mut missing = Vec::new();
        for id in history_from {
            if self.event_by_id(&id).await?.is_none() {
                missing.push(id);
            }
        }
        db::add_backward_extremities(&self.db, room_id.as_str(), &missing).await?;
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        tracing::debug!(
            %room_id,
            prepare_ms = ms(prepared),
            commit_ms = ms(stored - prepared),
            after_ms = ms(started.elapsed() - stored),
            "stored a joined room"
        );
        match joined {
            Some((p, _)) => Ok(p),
            None => self
                .event_by_id(join.0.as_str())
                .await?
                .ok_or_else(|| RoomError::BadEvent("the join was not stored".into())),
        }
    }
}

impl Services {
    /// Builds, hashes, signs and authorises an event of `sender` (ours) on the room's current
    /// state without storing it: for an event another server must see (and co-sign) first.
    pub async fn build_event(
        &self,
        room_id: &str,
        sender: &str,
        new: super::NewEvent,
    ) -> Result<(ruma::OwnedEventId, CanonicalJsonObject), RoomError> {
        super::check_field_sizes(&new, sender, Some(room_id))?;
        let sender_id = UserId::parse(sender).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let mut cache_map = self.lock_room_cache().await;
        let cache = self.cached_room(&mut cache_map, room_id).await?;
        let kind = TimelineEventType::from(new.kind.as_str());
        let raw = serde_json::value::to_raw_value(&new.content)
            .map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let auth_ids = cache.auth_ids(&kind, &sender_id, new.state_key.as_deref(), &raw)?;
        let (prev_events, depth) = cache.prev_events();
        let rules = cache.rules.clone();
        let (canonical, event_id, _) = self.build_pdu(
            &new,
            Some(room_id),
            sender,
            &auth_ids,
            &prev_events,
            depth,
            now_ms(),
            &rules,
        )?;
        let pdu = Pdu::from_canonical(event_id.clone(), &canonical).map_err(RoomError::BadEvent)?;
        authorize(&rules, &pdu, &cache.state, &auth_ids)?;
        Ok((event_id, canonical))
    }

    /// Keeps an invite another server sent one of our users. In a room this server is in, it
    /// is stored like any event of the room; otherwise it is the one event we have of the
    /// room (of version `version`), until the user joins or declines.
    pub async fn store_invite(
        &self,
        room_id: &ruma::RoomId,
        version: &RoomVersionId,
        event_id: &EventId,
        event: CanonicalJsonObject,
    ) -> Result<Pdu, RoomError> {
        if self.server_in_room(room_id.as_str()).await? {
            return self.append_remote(room_id.as_str(), event_id, event).await;
        }
        let mut guard = self.streams.write().await;
        // An event queued but not yet committed (the same PDU from another transaction a
        // moment ago) is found once what was queued has settled.
        guard.settle().await;
        if let Some(stored) = self.event_by_id(event_id.as_str()).await? {
            return Ok(stored);
        }
        let mut cache_map = self.lock_room_cache().await;
        let json = match serde_json::to_value(&event) {
            Ok(Value::Object(m)) => m,
            _ => return Err(RoomError::BadEvent("the event is not an object".into())),
        };
        let known = crate::store::rooms::room_version(&self.db, room_id.as_str())
            .await?
            .is_some();
        let pos = guard.next_pos();
        guard.detach();
        let (row, out) = event_row(
            pos,
            event_id,
            room_id.as_str(),
            json,
            &std::collections::HashMap::new(),
            None,
            (!known).then(|| version.to_string()),
        )?;
        let done = self.commits.enqueue(row, self.streams.current());
        cache_map.remove(room_id.as_str());
        drop(cache_map);
        drop(guard);
        committed(done).await.map(|()| out)
    }

    /// Stores older events of a room that backfill fetched, already checked and authorised,
    /// as history: at positions below every one used so far, the newest of them highest, so
    /// they come before everything we hold of the room in its timeline and never reach a sync
    /// as new; they change neither the room's current state nor anyone's membership (the
    /// rows are marked `history`). Events already stored are skipped. What was stored, newest
    /// first.
    pub async fn store_backfilled(
        &self,
        room_id: &str,
        events: Vec<(ruma::OwnedEventId, CanonicalJsonObject)>,
    ) -> Result<Vec<Pdu>, RoomError> {
        // One backfill at a time takes positions below the lowest.
        let _below = self.backfills.storing.lock().await;
        let mut pdus: Vec<Pdu> = Vec::new();
        for (event_id, event) in events {
            if pdus.iter().any(|p| p.event_id == event_id)
                || self.event_by_id(event_id.as_str()).await?.is_some()
            {
                continue;
            }
            let pdu = Pdu::from_canonical_owned(event_id, event).map_err(RoomError::BadEvent)?;
            if pdu.room_id_str().is_some_and(|r| r != room_id) {
                return Err(RoomError::BadEvent("the event is for another room".into()));
            }
            pdus.push(pdu);
        }
        pdus.sort_by(|a, b| {
            (b.depth(), b.ts(), &b.event_id).cmp(&(a.depth(), a.ts(), &a.event_id))
        });
        let mut pos = db::lowest_position(&self.db).await?;
        let no_state = std::collections::HashMap::new();
        let mut rows = Vec::with_capacity(pdus.len());
        let mut stored = Vec::with_capacity(pdus.len());
        for pdu in pdus {
            pos -= 1;
            let (mut row, out) =
                event_row(pos, &pdu.event_id, room_id, pdu.json, &no_state, None, None)?;
            row.history = true;
            rows.push(row);
            stored.push(out);
        }
        if !rows.is_empty() {
            db::insert_events(&self.db, &rows).await?;
            // A redaction in the history can redact a state event of the room's state now.
            // Backfill takes no stream position: the next one is recorded.
            if rows.iter().any(|r| r.redacts.is_some()) {
                let next = self.streams.current() + 1;
                self.hints.room_state.record([(room_id, next)]);
            }
        }
        Ok(stored)
    }
}
