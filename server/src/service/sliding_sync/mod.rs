//! Simplified sliding sync (MSC4186, as Synapse serves it since 1.114; what Element X and every
//! matrix-rust-sdk client require): lists of the user's rooms ordered by recency (`bump_stamp`)
//! with ranges and filters, room subscriptions, per-room timeline and `required_state`, and the
//! to_device, e2ee, account_data, receipts and typing extensions. Each connection remembers
//! what it sent of every room (`conn.rs`), so a later request sends only what changed since;
//! the change logs /sync uses tell which rooms to look at, so an answer costs what changed.
//!
//! Rooms the user left stop at their leave: their timeline and state are read up to the
//! membership event, never past it (Synapse's CVE-2024-53867 leaked later state).

mod conn;
mod extensions;
mod room;

pub use conn::{Connections, Pos, RequiredState};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ruma::api::client::sync::sync_events::v5;
use ruma::directory::RoomTypeFilter;
use ruma::{OwnedRoomId, UInt};
use serde_json::Value;

use crate::service::Services;
use crate::service::rooms::RoomError;
use crate::service::sync::Token;
use crate::store::rooms as db;
use conn::{RoomSent, Sent};

/// As /sync: long-polls are capped.
const MAX_TIMEOUT: Duration = Duration::from_secs(180);
/// Rooms whose answers are gathered concurrently.
const ROOMS_AT_ONCE: usize = 4;
/// Entries kept in each per-room memo below before it is emptied.
const MEMO_ENTRIES: usize = 100_000;

/// The request as the service reads it: ruma's type, and what that type leaves out.
pub struct SlidingRequest {
    pub body: v5::Request,
    /// Lists that gave no `ranges`: the whole list, as Synapse.
    pub whole_lists: HashSet<String>,
    /// Per list, Synapse's `filters.tags` / `filters.not_tags` (not in ruma's type).
    pub tags: HashMap<String, TagFilter>,
}

#[derive(Debug, Default, Clone)]
pub struct TagFilter {
    pub tags: Option<Vec<String>>,
    pub not_tags: Option<Vec<String>>,
}

#[derive(Debug)]
pub enum SlidingError {
    /// The `pos` is not one this server gave the connection (or it was forgotten).
    UnknownPos,
    /// The to_device extension's `since` is not one of its `next_batch` tokens.
    BadToDeviceSince,
    Room(RoomError),
}

impl From<RoomError> for SlidingError {
    fn from(e: RoomError) -> Self {
        SlidingError::Room(e)
    }
}

impl From<crate::store::StoreError> for SlidingError {
    fn from(e: crate::store::StoreError) -> Self {
        SlidingError::Room(e.into())
    }
}

/// Connections, and what the lists read of every room, reused while the change logs say it
/// stands.
#[derive(Default)]
pub struct SlidingState {
    pub connections: Connections,
    /// Room → (read at, newest bump event at or before then).
    bumps: Mutex<HashMap<String, (i64, Option<i64>)>>,
    /// Room → what the filters ask of it.
    facts: Mutex<HashMap<String, RoomFacts>>,
    /// Leave event id → whether someone else sent it (a kick): fixed once stored.
    kicks: Mutex<HashMap<String, bool>>,
}

#[derive(Debug, Clone)]
struct RoomFacts {
    at: i64,
    encrypted: bool,
    room_type: Option<String>,
}

/// One of the user's rooms a list may show (borrowed from the user's memberships, which a
/// request reads once: nothing is copied per room).
#[derive(Debug, Clone)]
pub(crate) struct Candidate<'m> {
    pub room_id: &'m str,
    pub membership: &'m str,
    pub event_id: &'m str,
    pub mstream: i64,
    pub bump: Option<i64>,
}

/// What the request asks of one room (lists and subscriptions merged).
#[derive(Debug, Clone, Default)]
pub(crate) struct Wanted {
    pub timeline_limit: u64,
    /// Shared by every room of a list (copied only where lists and subscriptions meet).
    pub required: Option<Arc<RequiredState>>,
}

impl Wanted {
    fn add(&mut self, timeline_limit: u64, required: &Arc<RequiredState>) {
        self.timeline_limit = self.timeline_limit.max(timeline_limit);
        match &mut self.required {
            None => self.required = Some(required.clone()),
            Some(have) if Arc::ptr_eq(have, required) || **have == **required => {}
            Some(have) => Arc::make_mut(have).merge(required),
        }
    }

    pub fn required(&self) -> Arc<RequiredState> {
        self.required.clone().unwrap_or_default()
    }
}

/// One answer, before it gets its position.
struct Answer {
    response: v5::Response,
    sent: Option<Sent>,
    news: bool,
}

impl Services {
    /// Answers a sliding sync request, waiting up to its timeout when there is nothing new.
    pub async fn sliding_sync(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SlidingRequest,
    ) -> Result<v5::Response, SlidingError> {
        let conn_id = req.body.conn_id.as_deref().unwrap_or("");
        let connections = &self.sliding.connections;
        let (from, generation, base) = match req.body.pos.as_deref() {
            None => {
                let (generation, sent) = connections.start(user_id, device_id, conn_id);
                (None, generation, sent)
            }
            Some(p) => {
                let pos = Pos::parse(p).ok_or(SlidingError::UnknownPos)?;
                let sent = connections
                    .resume(user_id, device_id, conn_id, pos.generation)
                    .ok_or(SlidingError::UnknownPos)?;
                (Some(pos.token), pos.generation, sent)
            }
        };
        let timeout = req.body.timeout.unwrap_or_default().min(MAX_TIMEOUT);
        let deadline = Instant::now() + timeout;
        // Registered before the first look, so nothing that becomes visible after it is missed.
        let waiter = match from {
            Some(_) if !timeout.is_zero() => Some(self.sync_waiter(user_id).await?),
            _ => None,
        };
        let (answer, to) = loop {
            let to = Token {
                pos: self.streams.current(),
                typing: self.typing.serial(),
            };
            let answer = self
                .sliding_once(user_id, device_id, req, from, &base, to.pos)
                .await?;
            let Some(waiter) = waiter.as_ref().filter(|_| !answer.news) else {
                break (answer, to);
            };
            if Instant::now() >= deadline {
                break (answer, to);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _waiting = crate::service::metrics::SyncWaiter::start();
            if tokio::time::timeout(left, waiter.changed()).await.is_err() {
                let to = Token {
                    pos: self.streams.current(),
                    typing: self.typing.serial(),
                };
                let answer = self
                    .sliding_once(user_id, device_id, req, from, &base, to.pos)
                    .await?;
                break (answer, to);
            }
        };
        let generation = match answer.sent {
            Some(sent) => connections
                .record(user_id, device_id, conn_id, sent)
                .ok_or(SlidingError::UnknownPos)?,
            None => generation,
        };
        let mut response = answer.response;
        response.pos = Pos {
            generation,
            token: to,
        }
        .to_string();
        response.txn_id = req.body.txn_id.clone();
        Ok(response)
    }

    async fn sliding_once(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SlidingRequest,
        from: Option<Token>,
        base: &Sent,
        to: i64,
    ) -> Result<Answer, SlidingError> {
        self.expire_typing();
        let (memberships, account) =
            tokio::try_join!(self.memberships(user_id), self.all_account_data(user_id))?;
        let candidates = self.candidates(user_id, &memberships, from).await?;
        let by_id: HashMap<&str, &Candidate> = candidates.iter().map(|c| (c.room_id, c)).collect();

        // Lists: filtered, ordered by recency, cut to their ranges.
        let dms = direct_rooms(&account);
        let needs_facts = req.body.lists.values().any(|l| {
            l.filters.as_ref().is_some_and(|f| {
                f.is_encrypted.is_some() || !f.room_types.is_empty() || !f.not_room_types.is_empty()
            })
        });
        let facts = if needs_facts {
            self.rooms_facts(&candidates).await?
        } else {
            HashMap::new()
        };
        let mut wanted: BTreeMap<&str, Wanted> = BTreeMap::new();
        let mut list_rooms: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut lists = BTreeMap::new();
        for (name, list) in &req.body.lists {
            let mut rooms = Vec::new();
            for c in &candidates {
                if list_allows(
                    c,
                    list.filters.as_ref(),
                    req.tags.get(name),
                    &dms,
                    &account,
                    facts.get(c.room_id),
                ) {
                    rooms.push(c);
                }
            }
            rooms.sort_by(|a, b| b.bump.cmp(&a.bump).then(a.room_id.cmp(b.room_id)));
            let mut count = v5::response::List::default();
            count.count = UInt::new_saturating(rooms.len() as u64);
            lists.insert(name.clone(), count);
            let details = &list.room_details;
            let required = Arc::new(required_of(&details.required_state, user_id));
            let mut in_range = BTreeSet::new();
            if req.whole_lists.contains(name) {
                in_range.extend(0..rooms.len());
            } else {
                for (start, end) in &list.ranges {
                    let (start, end) = (u64::from(*start) as usize, u64::from(*end) as usize);
                    in_range.extend(start..=end.min(rooms.len().saturating_sub(1)));
                }
            }
            for i in in_range.into_iter().filter(|i| *i < rooms.len()) {
                let room_id = rooms[i].room_id;
                wanted
                    .entry(room_id)
                    .or_default()
                    .add(details.timeline_limit.into(), &required);
                list_rooms.entry(name.as_str()).or_default().push(room_id);
            }
        }
        // Subscriptions: any room the user has a membership in that lists may show.
        let mut subscribed = Vec::new();
        for (room_id, sub) in &req.body.room_subscriptions {
            if !by_id.contains_key(room_id.as_str()) {
                continue;
            }
            let required = Arc::new(required_of(&sub.required_state, user_id));
            wanted
                .entry(room_id.as_str())
                .or_default()
                .add(sub.timeline_limit.into(), &required);
            subscribed.push(room_id.as_str());
        }

        // The rooms, a few at a time.
        let mut rooms = BTreeMap::new();
        let mut updates: Vec<(Arc<str>, Arc<RoomSent>)> = Vec::new();
        let mut timelines: HashMap<String, Vec<String>> = HashMap::new();
        let mut initial: HashSet<String> = HashSet::new();
        // On a later request, only rooms that may have something new are looked at (a coarse
        // superset: `sliding_room` decides what each of them sends).
        let todo: Vec<(&str, &Wanted)> = {
            let events = self.hints.room_events.view();
            let receipts = self.hints.receipts.view();
            // Most rooms share a few required-state sets: each pair is compared once.
            let mut covered: HashMap<(*const RequiredState, *const RequiredState), bool> =
                HashMap::new();
            let mut covers = |had: &Arc<RequiredState>, wants: &Arc<RequiredState>| {
                *covered
                    .entry((Arc::as_ptr(had), Arc::as_ptr(wants)))
                    .or_insert_with(|| had.covers(wants))
            };
            wanted
                .iter()
                .filter(|(room_id, w)| match base.get(**room_id) {
                    Some(prev) if from.is_some() => {
                        let c = by_id[**room_id];
                        w.timeline_limit > prev.timeline_limit
                            || c.mstream > prev.upto
                            || events.changed_since(room_id, prev.upto)
                            || receipts.changed_since(room_id, prev.upto)
                            || w.required
                                .as_ref()
                                .is_some_and(|r| !covers(&prev.required, r))
                    }
                    _ => true,
                })
                .map(|(room_id, w)| (*room_id, w))
                .collect()
        };
        for chunk in todo.chunks(ROOMS_AT_ONCE) {
            let answers =
                futures_util::future::try_join_all(chunk.iter().map(|(room_id, w)| async {
                    let c = by_id[*room_id];
                    let dm = dms.contains(*room_id);
                    self.sliding_room(
                        user_id,
                        device_id,
                        c,
                        w,
                        base.get(*room_id).map(|p| &**p),
                        from,
                        to,
                        dm,
                    )
                    .await
                }))
                .await?;
            for ((room_id, _), answer) in chunk.iter().zip(answers) {
                if let Some(answer) = answer
                    && let Ok(id) = OwnedRoomId::try_from(*room_id)
                {
                    if answer.room.initial == Some(true) {
                        initial.insert(room_id.to_string());
                    }
                    rooms.insert(id, answer.room);
                    timelines.insert(room_id.to_string(), answer.timeline_ids);
                    updates.push((Arc::from(*room_id), Arc::new(answer.sent)));
                }
            }
        }

        let extensions = self
            .sliding_extensions(
                user_id,
                device_id,
                req,
                from,
                to,
                &list_rooms,
                &subscribed,
                &by_id,
                &timelines,
                &initial,
                &account,
            )
            .await?;
        let news = !rooms.is_empty() || extensions_have_news(&extensions);
        let sent = (from.is_none() || !updates.is_empty()).then(|| {
            let mut sent = base.clone();
            sent.extend(updates);
            sent
        });
        let mut response = v5::Response::new(String::new());
        response.lists = lists;
        response.rooms = rooms;
        response.extensions = extensions;
        Ok(Answer {
            response,
            sent,
            news,
        })
    }

    /// The user's rooms a list may show, as Synapse: every membership but a leave of their
    /// own, unless it happened since `from` (so the client sees it); a kick stays.
    async fn candidates<'m>(
        &self,
        user_id: &str,
        memberships: &'m [db::MembershipRow],
        from: Option<Token>,
    ) -> Result<Vec<Candidate<'m>>, RoomError> {
        let to = self.streams.current();
        let mut out = Vec::with_capacity(memberships.len());
        for (room_id, membership, event_id, mstream) in memberships {
            let keep = match membership.as_str() {
                "join" | "invite" | "knock" | "ban" => true,
                "leave" => {
                    from.is_some_and(|t| *mstream > t.pos)
                        || self.was_kick(event_id, user_id).await?
                }
                _ => false,
            };
            if keep {
                out.push(Candidate {
                    room_id,
                    membership,
                    event_id,
                    mstream: *mstream,
                    bump: None,
                });
            }
        }
        // Recency: the newest event of the kinds that move a room up (Synapse's list), up to
        // the membership for rooms not joined; an invite's own position.
        // Those remembered (no event since) first, under one lock; then the others are read.
        let mut unknown: Vec<usize> = Vec::new();
        {
            let known = self.sliding.bumps.lock().expect("bumps");
            let events = self.hints.room_events.view();
            for (i, c) in out.iter_mut().enumerate() {
                match (c.membership, known.get(c.room_id)) {
                    ("invite" | "knock", _) => c.bump = Some(c.mstream),
                    ("join", Some(&(at, bump))) if !events.changed_since(c.room_id, at) => {
                        c.bump = bump;
                    }
                    _ => unknown.push(i),
                }
            }
        }
        for chunk in unknown.chunks(16) {
            let bumps = futures_util::future::try_join_all(chunk.iter().map(|&i| {
                let c = &out[i];
                async move {
                    match c.membership {
                        "join" => self.bump_stamp(c.room_id, to).await,
                        _ => self.bump_stamp_until(c.room_id, c.mstream).await,
                    }
                }
            }))
            .await?;
            for (&i, b) in chunk.iter().zip(bumps) {
                out[i].bump = b;
            }
        }
        Ok(out)
    }

    async fn was_kick(&self, event_id: &str, user_id: &str) -> Result<bool, RoomError> {
        if let Some(k) = self.sliding.kicks.lock().expect("kicks").get(event_id) {
            return Ok(*k);
        }
        let kick = self
            .event_by_id(event_id)
            .await?
            .is_some_and(|p| p.sender_str() != user_id);
        let mut kicks = self.sliding.kicks.lock().expect("kicks");
        if kicks.len() >= MEMO_ENTRIES {
            kicks.clear();
        }
        kicks.insert(event_id.to_owned(), kick);
        Ok(kick)
    }

    /// A joined room's bump stamp now, remembered while no event came.
    async fn bump_stamp(&self, room_id: &str, to: i64) -> Result<Option<i64>, RoomError> {
        let known = self
            .sliding
            .bumps
            .lock()
            .expect("bumps")
            .get(room_id)
            .copied();
        if let Some((at, bump)) = known
            && !self.hints.room_events.changed_since(room_id, at)
        {
            return Ok(bump);
        }
        let bump = db::last_bump(&self.db, room_id, to).await?;
        let mut bumps = self.sliding.bumps.lock().expect("bumps");
        if bumps.len() >= MEMO_ENTRIES {
            bumps.clear();
        }
        bumps.insert(room_id.to_owned(), (to, bump));
        Ok(bump)
    }

    /// The bump stamp of a room the user is no longer in: at its membership event at most.
    async fn bump_stamp_until(&self, room_id: &str, until: i64) -> Result<Option<i64>, RoomError> {
        Ok(Some(
            db::last_bump(&self.db, room_id, until)
                .await?
                .unwrap_or(until),
        ))
    }

    /// What the filters ask of each candidate: remembered while the room has no new event (an
    /// encrypted room stays encrypted), else read.
    async fn rooms_facts<'c>(
        &self,
        candidates: &'c [Candidate<'_>],
    ) -> Result<HashMap<&'c str, RoomFacts>, RoomError> {
        let mut out = HashMap::with_capacity(candidates.len());
        let mut missing = Vec::new();
        {
            let known = self.sliding.facts.lock().expect("facts");
            let events = self.hints.room_events.view();
            for c in candidates {
                match known.get(c.room_id) {
                    Some(f) if f.encrypted || !events.changed_since(c.room_id, f.at) => {
                        out.insert(c.room_id, f.clone());
                    }
                    _ => missing.push(c.room_id),
                }
            }
        }
        for room_id in missing {
            let at = self.streams.current();
            let (encryption, create) = tokio::try_join!(
                self.current_state_event(room_id, "m.room.encryption", ""),
                self.current_state_event(room_id, "m.room.create", ""),
            )?;
            let facts = RoomFacts {
                at,
                encrypted: encryption.is_some(),
                room_type: create
                    .and_then(|c| c.content_value()["type"].as_str().map(String::from)),
            };
            let mut all = self.sliding.facts.lock().expect("facts");
            if all.len() >= MEMO_ENTRIES {
                all.clear();
            }
            all.insert(room_id.to_owned(), facts.clone());
            out.insert(room_id, facts);
        }
        Ok(out)
    }
}

/// Whether a list's filters let the room through (all of them, as Synapse); `facts` are the
/// room's when a filter needs them.
fn list_allows(
    c: &Candidate,
    filters: Option<&v5::request::ListFilters>,
    tags: Option<&TagFilter>,
    dms: &HashSet<String>,
    account: &[(String, String, String)],
    facts: Option<&RoomFacts>,
) -> bool {
    if let Some(f) = filters {
        if let Some(is_dm) = f.is_dm
            && dms.contains(c.room_id) != is_dm
        {
            return false;
        }
        if let Some(is_invite) = f.is_invite
            && (c.membership == "invite") != is_invite
        {
            return false;
        }
        if f.is_encrypted.is_some() || !f.room_types.is_empty() || !f.not_room_types.is_empty() {
            let Some(facts) = facts else {
                return false;
            };
            if f.is_encrypted.is_some_and(|e| e != facts.encrypted) {
                return false;
            }
            let matches = |t: &RoomTypeFilter| match t {
                RoomTypeFilter::Default => facts.room_type.is_none(),
                other => other.as_str() == facts.room_type.as_deref(),
            };
            if f.not_room_types.iter().any(matches) {
                return false;
            }
            if !f.room_types.is_empty() && !f.room_types.iter().any(matches) {
                return false;
            }
        }
    }
    if let Some(t) = tags {
        let room_tags = room_tags(account, c.room_id);
        if let Some(not) = &t.not_tags
            && not.iter().any(|n| room_tags.contains(n))
        {
            return false;
        }
        if let Some(want) = &t.tags
            && !want.is_empty()
            && !want.iter().any(|w| room_tags.contains(w))
        {
            return false;
        }
    }
    true
}

/// A request's `required_state` entries, read.
fn required_of(entries: &[(ruma::events::StateEventType, String)], user_id: &str) -> RequiredState {
    let kinds: Vec<String> = entries.iter().map(|(t, _)| t.to_string()).collect();
    RequiredState::parse(
        kinds
            .iter()
            .zip(entries)
            .map(|(t, (_, k))| (t.as_str(), k.as_str())),
        user_id,
    )
}

/// Rooms named in the user's direct-chat account data (`GlobalAccountDataEventType::Direct`).
fn direct_rooms(account: &[(String, String, String)]) -> HashSet<String> {
    let direct = ruma::events::GlobalAccountDataEventType::Direct.to_string();
    account
        .iter()
        .filter(|(room, kind, _)| room.is_empty() && *kind == direct)
        .filter_map(|(_, _, content)| serde_json::from_str::<Value>(content).ok())
        .flat_map(|v| {
            v.as_object()
                .map(|o| {
                    o.values()
                        .filter_map(Value::as_array)
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The tags of a room (its `m.tag` account data).
fn room_tags(account: &[(String, String, String)], room_id: &str) -> HashSet<String> {
    account
        .iter()
        .filter(|(room, kind, _)| room == room_id && kind == "m.tag")
        .filter_map(|(_, _, content)| serde_json::from_str::<Value>(content).ok())
        .flat_map(|v| {
            v["tags"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

fn extensions_have_news(e: &v5::response::Extensions) -> bool {
    e.to_device.as_ref().is_some_and(|t| !t.events.is_empty())
        || !e.e2ee.device_lists.is_empty()
        || !e.account_data.is_empty()
        || !e.receipts.is_empty()
        || !e.typing.is_empty()
}
