//! /sync: what changed for a user between a token and now — joined rooms (timeline with
//! prev_batch and limited, state, ephemeral typing and receipts, account data, unread counts,
//! summary), invites with stripped state, rooms left, global account data, presence — and the
//! long-poll that waits until something does. Tokens are positions on the global stream plus
//! the typing serial, so they stay valid across restarts.

mod filter;
mod longpoll;
mod response;
mod room;
mod snapshot;
mod token;
mod unread;

pub(crate) use snapshot::Snapshots;

pub use filter::{SyncFilter, type_matches};
pub use response::SyncResponse;
pub(crate) use room::receipt_event;
pub use token::{Token, page_token};
pub use unread::UnreadCounts;

use crate::service::raw::raws;
use response::{Events, InvitedRoom, KnockedRoom, LeftRoom, Rooms, Timeline};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use ruma::{OwnedRoomId, OwnedUserId};
use serde_json::{Value, json};

use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError};
use crate::store::{rooms as db, userdata};

pub struct SyncRequest {
    pub since: Option<Token>,
    pub timeout: Duration,
    pub full_state: bool,
    pub filter: SyncFilter,
}

/// What sync reads again and again and reuses while the change logs say it stands, each
/// bounded by bytes: users' memberships and account data, and rooms' state (which an initial
/// sync, or a sync after a gap, sends whole).
pub struct SyncSnapshots {
    memberships: Snapshots<Vec<db::MembershipRow>>,
    account_data: Snapshots<Vec<AccountDataRow>>,
    room_state: Snapshots<Vec<db::EventRow>>,
}

impl Default for SyncSnapshots {
    fn default() -> Self {
        const MIB: usize = 1 << 20;
        SyncSnapshots {
            memberships: Snapshots::new(4 * MIB),
            account_data: Snapshots::new(4 * MIB),
            room_state: Snapshots::new(16 * MIB),
        }
    }
}

/// (room id or "" for global, type, content).
type AccountDataRow = (String, String, String);

/// Synapse's default timeline limit.
const DEFAULT_TIMELINE_LIMIT: usize = 10;
/// Joined rooms whose sections are gathered concurrently.
const ROOMS_AT_ONCE: usize = 8;

/// Stripped state shown with an invite.
pub(crate) const INVITE_STATE_TYPES: &[&str] = &[
    "m.room.create",
    "m.room.join_rules",
    "m.room.name",
    "m.room.avatar",
    "m.room.canonical_alias",
    "m.room.encryption",
    "m.room.topic",
];

use crate::service::federation::invite::invite_room_state;

fn stripped(p: &Pdu) -> Value {
    json!({"type": p.kind_str(), "state_key": p.state_key_str().unwrap_or(""), "content": p.content_value(), "sender": p.sender_str()})
}

impl Services {
    /// What an invited (or knocking) user sees of the room: the stripped state the invite or
    /// knock came with from another server, or ours (INVITE_STATE_TYPES and the sender's
    /// member event), and the invite or knock itself.
    pub(crate) async fn invite_state(
        &self,
        room_id: &str,
        event_id: &str,
    ) -> Result<Vec<Value>, RoomError> {
        let mut events = Vec::new();
        let invite = self.event_by_id(event_id).await?;
        if let Some(state) = invite.as_ref().and_then(invite_room_state) {
            events.extend(state);
        } else {
            for t in INVITE_STATE_TYPES {
                if let Some(p) = self.current_state_event(room_id, t, "").await? {
                    events.push(stripped(&p));
                }
            }
            if let Some(p) = invite
                .as_ref()
                .filter(|p| p.state_key_str() != Some(p.sender_str()))
                && let Some(inviter) = self
                    .current_state_event(room_id, "m.room.member", p.sender_str())
                    .await?
            {
                events.push(stripped(&inviter));
            }
        }
        events.extend(invite.as_ref().map(stripped));
        Ok(events)
    }

    pub(super) async fn sync_once(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SyncRequest,
    ) -> Result<(SyncResponse, bool), RoomError> {
        self.expire_typing();
        let to = self.streams.current();
        let typing_now = self.typing.serial();
        let since = req.since;
        let since_pos = since.map(|t| t.pos).unwrap_or(0);
        let limit = req.filter.timeline_limit.unwrap_or(DEFAULT_TIMELINE_LIMIT);
        let viewer = Some((user_id, device_id));

        // Rooms, presence and encryption are independent: their queries run side by side.
        let rooms = async {
            let (memberships, account_rows) = tokio::try_join!(self.memberships(user_id), async {
                match since {
                    Some(_) if !self.hints.account_data.changed_since(user_id, since_pos) => {
                        Ok(Arc::default())
                    }
                    Some(_) => Ok::<_, RoomError>(Arc::new(
                        userdata::account_data_since(&self.db, user_id, since_pos).await?,
                    )),
                    None => self.all_account_data(user_id).await,
                }
            },)?;
            let mut rooms = Rooms::default();
            let mut changed = false;

            let mut joined = Vec::new();
            for (room_id, membership, event_id, mstream) in memberships.iter() {
                let (room_id, mstream) = (room_id.as_str(), *mstream);
                if !req.filter.room_allowed(room_id) {
                    continue;
                }
                match membership.as_str() {
                    // A room joined all along with nothing new since the token is left out
                    // without being looked at.
                    "join"
                        if since.is_some_and(|t| {
                            !req.full_state
                                && mstream <= since_pos
                                && !self.room_may_have_news(room_id, t, &account_rows)
                        }) => {}
                    "join" => joined.push((room_id, mstream)),
                    // An invite or a knock: the stripped state the user may see.
                    "invite" | "knock" if since.is_none() || mstream > since_pos => {
                        let events =
                            Events::new(raws(&self.invite_state(room_id, event_id).await?));
                        if membership == "invite" {
                            let room = InvitedRoom {
                                invite_state: events,
                            };
                            insert_room(&mut rooms.invite, room_id, room);
                        } else {
                            let room = KnockedRoom {
                                knock_state: events,
                            };
                            insert_room(&mut rooms.knock, room_id, room);
                        }
                        changed = true;
                    }
                    "leave" | "ban"
                        if (since.is_some() && mstream > since_pos)
                            || (since.is_none() && req.filter.include_leave) =>
                    {
                        let rows = db::events_backwards(
                            &self.db,
                            room_id,
                            since_pos,
                            mstream,
                            limit as i64 + 1,
                        )
                        .await?;
                        let (timeline, limited, first) = self
                            .timeline(room_id, rows, limit, viewer, &req.filter)
                            .await?;
                        let state_pos = first.map(|f| f - 1).unwrap_or(mstream);
                        let state = self
                            .state_for_sync(room_id, since, state_pos, true, &[], false, None)
                            .await?;
                        let state = self.sync_events(room_id, &state, None).await?;
                        insert_room(
                            &mut rooms.leave,
                            room_id,
                            LeftRoom {
                                timeline: Timeline {
                                    events: raws(&timeline),
                                    limited,
                                    prev_batch: page_token(first.map(|f| f - 1).unwrap_or(mstream)),
                                },
                                state: Events::new(raws(&state)),
                                account_data: Events::default(),
                            },
                        );
                        changed = true;
                    }
                    _ => {}
                }
            }

            // Joined rooms, several at a time (each takes a handful of queries, which on
            // PostgreSQL are round trips): a room starts as soon as another is done. A first
            // look at every room (an initial sync) reads what each section reads first for
            // many rooms at once (`prefetch_initial`: on PostgreSQL a statement per kind, not
            // one per room).
            let account_rows_ref = &account_rows[..];
            let first_look = since.is_none() || req.full_state;
            let chunk = if first_look {
                db::ROOMS_PER_BATCH
            } else {
                joined.len().max(1)
            };
            for rooms_chunk in joined.chunks(chunk) {
                let mut pre = if first_look {
                    self.prefetch_initial(rooms_chunk, to, limit).await?
                } else {
                    HashMap::new()
                };
                // (The futures are collected first: a closure inside the stream would not be
                // Send for every lifetime, as the handler's future must be.)
                let sections: Vec<_> = rooms_chunk
                    .iter()
                    .map(|&(room_id, mstream)| {
                        let pre = pre.remove(room_id);
                        async move {
                            let newly = since.is_none()
                                || req.full_state
                                || mstream > since_pos
                                    && self.joined_after(room_id, user_id, since_pos).await?;
                            let room = self
                                .joined_room(
                                    room_id,
                                    user_id,
                                    viewer,
                                    since,
                                    newly,
                                    mstream,
                                    limit,
                                    to,
                                    &req.filter,
                                    account_rows_ref,
                                    pre,
                                )
                                .await?;
                            Ok::<_, RoomError>((room_id, room))
                        }
                    })
                    .collect();
                let mut sections = futures_util::stream::iter(sections).buffered(ROOMS_AT_ONCE);
                while let Some((room_id, room)) = sections.try_next().await? {
                    if let Some((room, has)) = room {
                        changed |= has;
                        insert_room(&mut rooms.join, room_id, room);
                    }
                }
            }

            Ok::<_, RoomError>((rooms, changed, account_rows))
        };
        let ((rooms, mut changed, account_rows), presence, e2ee, default_rules) = tokio::try_join!(
            rooms,
            self.presence_section(user_id, since_pos),
            async {
                Ok::<_, RoomError>(
                    self.e2ee_sync(user_id, device_id, since.map(|t| t.pos), to)
                        .await?,
                )
            },
            async {
                // An initial sync shows the push rules even if never set.
                match since {
                    None => self
                        .parsed_push_rules(user_id)
                        .await
                        .map(|rules| Some(json!({"global": &*rules}))),
                    Some(_) => Ok(None),
                }
            },
        )?;

        // Global account data.
        let mut account_data = Vec::new();
        for (room, kind, content) in account_rows.iter() {
            if room.is_empty() {
                account_data.push(json!({"type": kind, "content": serde_json::from_str::<Value>(content).unwrap_or(json!({}))}));
            }
        }
        if let Some(rules) = default_rules
            && !account_data.iter().any(|e| e["type"] == "m.push_rules")
        {
            account_data.push(json!({"type": "m.push_rules", "content": rules}));
        }
        changed |= !account_data.is_empty() && since.is_some();
        changed |= !presence.is_empty() && since.is_some();
        changed |= e2ee.has_news();

        let body = SyncResponse {
            next_batch: Token {
                pos: to,
                typing: typing_now,
            }
            .sync(),
            rooms,
            account_data: Events::new(raws(&account_data)),
            presence: Events::new(raws(&presence)),
            to_device: Events::new(raws(&e2ee.to_device)),
            device_lists: response::DeviceLists {
                changed: user_ids(&e2ee.changed),
                left: user_ids(&e2ee.left),
            },
            device_one_time_keys_count: e2ee
                .one_time_keys_count
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect(),
            device_unused_fallback_key_types: e2ee.unused_fallback_key_types,
        };
        Ok((body, changed))
    }

    /// The user's memberships: from the cache if no membership of theirs changed since it was
    /// read, else from the database (and kept).
    pub(crate) async fn memberships(
        &self,
        user_id: &str,
    ) -> Result<Arc<Vec<db::MembershipRow>>, RoomError> {
        let cache = &self.sync_snapshots.memberships;
        if let Some(rows) = cache.get(user_id, |at, epoch| {
            self.hints.memberships_unchanged(user_id, at, epoch)
        }) {
            return Ok(rows);
        }
        let (at, epoch) = (self.streams.current(), self.hints.memberships_epoch());
        let rows = db::memberships_of(&self.db, user_id).await?;
        let bytes = rows
            .iter()
            .map(|(r, m, e, _)| r.len() + m.len() + e.len() + 8)
            .sum();
        Ok(cache.put(user_id, at, epoch, rows, bytes))
    }

    /// All of the user's account data (global and per room), for an initial sync: from the
    /// cache if none of it changed since it was read.
    pub(crate) async fn all_account_data(
        &self,
        user_id: &str,
    ) -> Result<Arc<Vec<AccountDataRow>>, RoomError> {
        let cache = &self.sync_snapshots.account_data;
        if let Some(rows) = cache.get(user_id, |at, epoch| {
            self.hints.account_data_unchanged(user_id, at, epoch)
        }) {
            return Ok(rows);
        }
        let (at, epoch) = (self.streams.current(), self.hints.memberships_epoch());
        let rows = userdata::account_data_since(&self.db, user_id, 0).await?;
        let bytes = rows
            .iter()
            .map(|(r, k, c)| r.len() + k.len() + c.len())
            .sum();
        Ok(cache.put(user_id, at, epoch, rows, bytes))
    }

    /// What the sections of these rooms read first on an initial sync: their timelines,
    /// receipts and, where a timeline holds state, the state before it; each kind for all the
    /// rooms at once.
    async fn prefetch_initial(
        &self,
        rooms: &[(&str, i64)],
        to: i64,
        limit: usize,
    ) -> Result<HashMap<String, room::Prefetched>, RoomError> {
        let ids: Vec<&str> = rooms.iter().map(|(r, _)| *r).collect();
        let (mut timelines, mut receipts) = tokio::try_join!(
            db::events_backwards_rooms(&self.db, &ids, 0, to, limit as i64 + 1),
            userdata::receipts_since_rooms(&self.db, &ids, 0),
        )?;
        let before: Vec<room::StateBefore> = ids
            .iter()
            .map(|r| {
                let rows = timelines.get(*r).map(Vec::as_slice).unwrap_or_default();
                room::state_before(rows, limit, false)
            })
            .collect();
        let past: Vec<(&str, i64)> = ids
            .iter()
            .zip(&before)
            .filter_map(|(r, b)| match b {
                room::StateBefore::Then(pos) => Some((*r, *pos)),
                _ => None,
            })
            .collect();
        let mut states = if past.is_empty() {
            HashMap::new()
        } else {
            db::state_then_rooms(&self.db, &past).await?
        };
        Ok(ids
            .iter()
            .zip(before)
            .map(|(r, before)| {
                let state_then = matches!(before, room::StateBefore::Then(_))
                    .then(|| Arc::new(states.remove(*r).unwrap_or_default()));
                let pre = room::Prefetched {
                    rows: timelines.remove(*r).unwrap_or_default(),
                    receipts: receipts.remove(*r).unwrap_or_default(),
                    before,
                    state_then,
                };
                (r.to_string(), pre)
            })
            .collect())
    }

    /// A room's whole state at `pos`: from the cache if no state event or redaction came
    /// between the position it was read at and `pos`.
    pub(crate) async fn room_state_at(
        &self,
        room_id: &str,
        pos: i64,
    ) -> Result<Arc<Vec<db::EventRow>>, RoomError> {
        let cache = &self.sync_snapshots.room_state;
        if let Some(rows) = cache.get(room_id, |at, epoch| {
            self.hints.room_state_unchanged(room_id, at, epoch, pos)
        }) {
            return Ok(rows);
        }
        let epoch = self.hints.memberships_epoch();
        let rows = db::state_at(&self.db, room_id, pos).await?;
        let bytes = rows
            .iter()
            .map(|r| r.json.len() + r.event_id.len() + r.room_id.len())
            .sum();
        Ok(cache.put(room_id, pos, epoch, rows, bytes))
    }

    /// Presence of users sharing a room with this one (and the user's own).
    pub(super) async fn presence_section(
        &self,
        user_id: &str,
        since_pos: i64,
    ) -> Result<Vec<Value>, RoomError> {
        let mut presence = Vec::new();
        if !self.config.presence.enabled() || !self.hints.presence.changed_since("", since_pos) {
            return Ok(presence);
        }
        // Who shares a room is asked alongside, on the guess that there is presence to show.
        let (rows, shares) = tokio::try_join!(
            async { Ok::<_, RoomError>(userdata::presence_since(&self.db, since_pos).await?) },
            self.users_sharing_rooms(user_id),
        )?;
        for (uid, state, msg, last) in rows {
            if uid == user_id || shares.contains(&uid) {
                let mut c = json!({"presence": state, "last_active_ago": (crate::store::now_ms() - last).max(0)});
                if let Some(m) = msg {
                    c["status_msg"] = json!(m);
                }
                if state == "online" {
                    c["currently_active"] = json!(true);
                }
                presence.push(json!({"type": "m.presence", "sender": uid, "content": c}));
            }
        }
        Ok(presence)
    }

    pub async fn users_sharing_rooms(&self, user_id: &str) -> Result<HashSet<String>, RoomError> {
        Ok(db::users_sharing_rooms(&self.db, user_id)
            .await?
            .into_iter()
            .collect())
    }
}

/// Adds a room's section under its id as ruma's type. Every stored room id was checked on its
/// way in; one that does not parse is left out of the answer (and logged), never sent broken.
fn insert_room<T>(map: &mut std::collections::BTreeMap<OwnedRoomId, T>, room_id: &str, room: T) {
    match OwnedRoomId::try_from(room_id) {
        Ok(id) => {
            map.insert(id, room);
        }
        Err(e) => tracing::warn!(room_id, "left out of a sync: not a room id ({e})"),
    }
}

impl Services {
    /// Events as a sync response lists them: the spec's `ClientEventWithoutRoomID` (as Synapse
    /// sends them): the room is the key they are listed under; a redaction they carry has none
    /// either.
    pub(crate) async fn sync_events(
        &self,
        room_id: &str,
        pdus: &[Pdu],
        viewer: Option<(&str, &str)>,
    ) -> Result<Vec<Value>, RoomError> {
        let mut events = self.format_events(room_id, pdus, viewer).await?;
        without_room_id(&mut events);
        Ok(events)
    }
}

fn without_room_id(events: &mut [Value]) {
    for e in events.iter_mut() {
        if let Some(o) = e.as_object_mut() {
            o.remove("room_id");
            if let Some(r) = o
                .get_mut("unsigned")
                .and_then(|u| u.get_mut("redacted_because"))
                .and_then(Value::as_object_mut)
            {
                r.remove("room_id");
            }
        }
    }
}

/// User ids from the database as ruma's type; one that does not parse is left out.
pub(crate) fn user_ids(ids: &[String]) -> Vec<OwnedUserId> {
    ids.iter()
        .filter_map(|u| OwnedUserId::try_from(u.as_str()).ok())
        .collect()
}
