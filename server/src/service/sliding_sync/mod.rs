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
mod layout;
mod room;

pub use conn::{Connections, Pos, RequiredState};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ruma::OwnedRoomId;
use ruma::api::client::sync::sync_events::v5;
use ruma::directory::RoomTypeFilter;
use serde_json::Value;

use crate::service::Services;
use crate::service::rooms::RoomError;
use crate::service::sync::Token;
use crate::store::rooms as db;
use conn::{RoomSent, Sent};
use layout::{Cand, Kept, Layout};

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
#[derive(Debug, Clone, Default, PartialEq)]
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
    layout: Arc<Layout>,
}

/// The user's rooms a list may show (`Services::candidates`), and which leaves were kept and
/// left out for the request's `from`.
struct Picked {
    cands: Vec<Cand>,
    since_leave: Option<i64>,
    dropped_leave: Option<i64>,
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
        let (from, generation, base, mut kept) = match req.body.pos.as_deref() {
            None => {
                let (generation, sent) = connections.start(user_id, device_id, conn_id);
                (None, generation, sent, None)
            }
            Some(p) => {
                let pos = Pos::parse(p).ok_or(SlidingError::UnknownPos)?;
                let (sent, kept) = connections
                    .resume(user_id, device_id, conn_id, pos.generation)
                    .ok_or(SlidingError::UnknownPos)?;
                (Some(pos.token), pos.generation, sent, kept)
            }
        };
        let shape = layout::shape(req);
        let timeout = req.body.timeout.unwrap_or_default().min(MAX_TIMEOUT);
        let deadline = Instant::now() + timeout;
        // Registered before the first look, so nothing that becomes visible after it is missed.
        let waiter = match from {
            Some(_) if !timeout.is_zero() => Some(self.sync_waiter(user_id).await?),
            _ => None,
        };
        // Look; while there is nothing new, wait and look again (once more when the wait
        // times out, so the answer carries the latest position).
        let mut timed_out = false;
        let (answer, to) = loop {
            let to = Token {
                pos: self.streams.current(),
                typing: self.typing.serial(),
            };
            let answer = self
                .sliding_once(
                    user_id,
                    device_id,
                    req,
                    &shape,
                    from,
                    &base,
                    kept.as_ref(),
                    to.pos,
                )
                .await?;
            let Some(waiter) = waiter.as_ref().filter(|_| !answer.news && !timed_out) else {
                break (answer, to);
            };
            if Instant::now() >= deadline {
                break (answer, to);
            }
            // Nothing new: the next look builds on this one.
            kept = Some(Kept {
                at: to.pos,
                sent: base.clone(),
                layout: answer.layout.clone(),
            });
            let left = deadline.saturating_duration_since(Instant::now());
            let _waiting = crate::service::metrics::SyncWaiter::start();
            timed_out = tokio::time::timeout(left, waiter.changed()).await.is_err();
        };
        let (generation, sent) = match answer.sent {
            Some(sent) => {
                let sent = Arc::new(sent);
                let generation = connections
                    .record(user_id, device_id, conn_id, sent.clone())
                    .ok_or(SlidingError::UnknownPos)?;
                (generation, sent)
            }
            None => (generation, base),
        };
        connections.keep(
            user_id,
            device_id,
            conn_id,
            Kept {
                at: to.pos,
                sent,
                layout: answer.layout,
            },
        );
        let mut response = answer.response;
        response.pos = Pos {
            generation,
            token: to,
        }
        .to_string();
        response.txn_id = req.body.txn_id.clone();
        Ok(response)
    }

    #[allow(clippy::too_many_arguments)]
    async fn sliding_once(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SlidingRequest,
        shape: &str,
        from: Option<Token>,
        base: &Arc<Sent>,
        kept: Option<&Kept>,
        to: i64,
    ) -> Result<Answer, SlidingError> {
        self.expire_typing();
        // Lists: filtered, ordered by recency, cut to their ranges.
        let (layout, built_on) = self
            .sliding_layout(user_id, req, shape, from, base, kept)
            .await?;

        // The rooms, a few at a time.
        let mut rooms = BTreeMap::new();
        let mut updates: Vec<(Arc<str>, Arc<RoomSent>)> = Vec::new();
        let mut timelines: HashMap<String, Vec<String>> = HashMap::new();
        let mut initial: HashSet<String> = HashSet::new();
        // On a later request, only rooms that may have something new are looked at (a coarse
        // superset: `sliding_room` decides what each of them sends). Built on the last
        // answer's layout, those are the rooms with news since and the rooms that came into a
        // range or are asked for otherwise; the rest the last answer left as they are.
        let todo: Vec<(u32, &Wanted)> = match &built_on {
            Some(b) if b.touched.is_empty() && Arc::ptr_eq(&b.prior, &layout) => Vec::new(),
            _ => {
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
                layout
                    .wanted
                    .iter()
                    .filter(|(i, w)| match &built_on {
                        Some(b) => b.touched.contains(i) || b.prior.wanted.get(i) != Some(w),
                        None => true,
                    })
                    .filter(|(i, w)| {
                        let room_id = layout.room(**i);
                        match base.get(room_id) {
                            Some(prev) if from.is_some() => {
                                w.timeline_limit > prev.timeline_limit
                                    || layout.candidate(**i).mstream > prev.upto
                                    || events.changed_since(room_id, prev.upto)
                                    || receipts.changed_since(room_id, prev.upto)
                                    || w.required
                                        .as_ref()
                                        .is_some_and(|r| !covers(&prev.required, r))
                            }
                            _ => true,
                        }
                    })
                    .map(|(i, w)| (*i, w))
                    .collect()
            }
        };
        for many in todo.chunks(db::ROOMS_PER_BATCH) {
            // Joined rooms new to the connection: their timelines read for all of them at once
            // (on PostgreSQL one statement, not one per room), at the largest limit asked.
            let new_rooms: Vec<&str> = many
                .iter()
                .map(|(i, _)| layout.candidate(*i))
                .filter(|c| c.membership == "join" && base.get(c.room_id).is_none())
                .map(|c| c.room_id)
                .collect();
            let mut timelines_read = if new_rooms.is_empty() {
                HashMap::new()
            } else {
                let most = many
                    .iter()
                    .map(|(_, w)| w.timeline_limit)
                    .max()
                    .unwrap_or(0);
                db::events_backwards_rooms(&self.db, &new_rooms, 0, to, most as i64 + 1).await?
            };
            for chunk in many.chunks(ROOMS_AT_ONCE) {
                let answers = futures_util::future::try_join_all(chunk.iter().map(|(i, w)| {
                    let c = layout.candidate(*i);
                    let dm = layout.dms.contains(c.room_id);
                    let prev = base.get(c.room_id).map(|p| &**p);
                    let read = new_rooms.contains(&c.room_id).then(|| {
                        let mut rows = timelines_read.remove(c.room_id).unwrap_or_default();
                        rows.truncate(w.timeline_limit as usize + 1);
                        rows
                    });
                    async move {
                        self.sliding_room(user_id, device_id, &c, w, prev, from, to, dm, read)
                            .await
                    }
                }))
                .await?;
                for ((i, _), answer) in chunk.iter().zip(answers) {
                    let room_id = layout.room(*i);
                    if let Some(answer) = answer
                        && let Ok(id) = OwnedRoomId::try_from(room_id)
                    {
                        if answer.room.initial == Some(true) {
                            initial.insert(room_id.to_string());
                        }
                        rooms.insert(id, answer.room);
                        timelines.insert(room_id.to_string(), answer.timeline_ids);
                        updates.push((Arc::from(room_id), Arc::new(answer.sent)));
                    }
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
                &layout,
                built_on.as_ref().map(|b| &b.touched),
                &timelines,
                &initial,
            )
            .await?;
        let news = !rooms.is_empty() || extensions_have_news(&extensions);
        let sent = (from.is_none() || !updates.is_empty()).then(|| {
            let mut sent = (**base).clone();
            sent.extend(updates);
            sent
        });
        let mut response = v5::Response::new(String::new());
        response.lists = layout.counts.clone();
        response.rooms = rooms;
        response.extensions = extensions;
        Ok(Answer {
            response,
            sent,
            news,
            layout,
        })
    }

    /// The user's rooms a list may show, as Synapse: every membership but a leave of their
    /// own, unless it happened since `from` (so the client sees it); a kick stays.
    async fn candidates(
        &self,
        user_id: &str,
        memberships: &[db::MembershipRow],
        from: Option<Token>,
    ) -> Result<Picked, RoomError> {
        let to = self.streams.current();
        let mut picked = Picked {
            cands: Vec::with_capacity(memberships.len()),
            since_leave: None,
            dropped_leave: None,
        };
        for (m, (_, membership, event_id, mstream)) in memberships.iter().enumerate() {
            let keep = match membership.as_str() {
                "join" | "invite" | "knock" | "ban" => true,
                "leave" if from.is_some_and(|t| *mstream > t.pos) => {
                    picked.since_leave =
                        Some(picked.since_leave.map_or(*mstream, |l| l.min(*mstream)));
                    true
                }
                "leave" if self.was_kick(event_id, user_id).await? => true,
                "leave" => {
                    picked.dropped_leave =
                        Some(picked.dropped_leave.map_or(*mstream, |l| l.max(*mstream)));
                    false
                }
                _ => false,
            };
            if keep {
                picked.cands.push(Cand {
                    m: m as u32,
                    bump: None,
                });
            }
        }
        // Recency: the newest event of the kinds that move a room up (Synapse's list), up to
        // the membership for rooms not joined; an invite's own position.
        // Those remembered (no event since) first, under one lock; then the others are read.
        let row = |c: &Cand| &memberships[c.m as usize];
        let mut unknown: Vec<usize> = Vec::new();
        {
            let known = self.sliding.bumps.lock().expect("bumps");
            let events = self.hints.room_events.view();
            for (i, c) in picked.cands.iter_mut().enumerate() {
                let (room_id, membership, _, mstream) = row(c);
                match (membership.as_str(), known.get(room_id)) {
                    ("invite" | "knock", _) => c.bump = Some(*mstream),
                    ("join", Some(&(at, bump))) if !events.changed_since(room_id, at) => {
                        c.bump = bump;
                    }
                    _ => unknown.push(i),
                }
            }
        }
        for chunk in unknown.chunks(16) {
            let bumps = futures_util::future::try_join_all(chunk.iter().map(|&i| {
                let (room_id, membership, _, mstream) = row(&picked.cands[i]);
                async move {
                    match membership.as_str() {
                        "join" => self.bump_stamp(room_id, to).await,
                        _ => self.bump_stamp_until(room_id, *mstream).await,
                    }
                }
            }))
            .await?;
            for (&i, b) in chunk.iter().zip(bumps) {
                picked.cands[i].bump = b;
            }
        }
        Ok(picked)
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

    /// A joined room's bump stamp now: remembered while no event came, taken from the change
    /// log of bumps when one came (read when that log does not know, or knows of a bump not
    /// yet visible).
    async fn bump_stamp(&self, room_id: &str, to: i64) -> Result<Option<i64>, RoomError> {
        let known = self
            .sliding
            .bumps
            .lock()
            .expect("bumps")
            .get(room_id)
            .copied();
        // What the logs tell of the bump now, when they tell it.
        let mut logged = None;
        if let Some((at, bump)) = known {
            if !self.hints.room_events.changed_since(room_id, at) {
                return Ok(bump);
            }
            logged = match self.hints.room_bumps.view().written_after(room_id, at) {
                Some(None) => Some(bump),
                Some(Some(p)) if p <= to => Some(Some(p)),
                _ => None,
            };
        }
        let bump = match logged {
            Some(bump) => bump,
            None => db::last_bump(&self.db, room_id, to).await?,
        };
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
    async fn rooms_facts<'r>(
        &self,
        rooms: impl Iterator<Item = &'r str>,
    ) -> Result<HashMap<&'r str, RoomFacts>, RoomError> {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        {
            let known = self.sliding.facts.lock().expect("facts");
            // Both are state: they stand while no state event came.
            let state = self.hints.room_state.view();
            for room_id in rooms {
                match known.get(room_id) {
                    Some(f) if f.encrypted || !state.changed_since(room_id, f.at) => {
                        out.insert(room_id, f.clone());
                    }
                    _ => missing.push(room_id),
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
    room_tags: &RoomTags,
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
        let none = HashSet::new();
        let tagged = room_tags.get(c.room_id).unwrap_or(&none);
        if let Some(not) = &t.not_tags
            && not.iter().any(|n| tagged.contains(n))
        {
            return false;
        }
        if let Some(want) = &t.tags
            && !want.is_empty()
            && !want.iter().any(|w| tagged.contains(w))
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

/// Each room's tags, by room id.
type RoomTags = HashMap<String, HashSet<String>>;

/// The tags of every room (their `m.tag` account data), read in one pass.
fn room_tags(account: &[(String, String, String)]) -> RoomTags {
    let mut out = RoomTags::new();
    for (room, _, content) in account.iter().filter(|(_, kind, _)| kind == "m.tag") {
        let Ok(v) = serde_json::from_str::<Value>(content) else {
            continue;
        };
        let tags = out.entry(room.clone()).or_default();
        tags.extend(
            v["tags"]
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys().cloned()),
        );
    }
    out
}

fn extensions_have_news(e: &v5::response::Extensions) -> bool {
    e.to_device.as_ref().is_some_and(|t| !t.events.is_empty())
        || !e.e2ee.device_lists.is_empty()
        || !e.account_data.is_empty()
        || !e.receipts.is_empty()
        || !e.typing.is_empty()
}
