//! /sync: what changed for a user between a token and now — joined rooms (timeline with
//! prev_batch and limited, state, ephemeral typing and receipts, account data, unread counts,
//! summary), invites with stripped state, rooms left, global account data, presence — and the
//! long-poll that waits until something does. Tokens are positions on the global stream plus
//! the typing serial, so they stay valid across restarts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::Services;
use super::rooms::{Pdu, RoomError};
use crate::store::{rooms as db, userdata};

/// Unread counts of one user in one room, valid for events in (from, upto].
#[derive(Debug, Clone, Copy)]
pub struct UnreadCounts {
    from: i64,
    upto: i64,
    notes: u64,
    highlights: u64,
    /// The user's read position as read when the stream was at `read_at`.
    read: Option<i64>,
    read_at: i64,
}

/// A sync or pagination position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub pos: i64,
    pub typing: u64,
}

impl Token {
    /// Parses `s<pos>_<typing>` (sync) or `t<pos>` (pagination).
    pub fn parse(s: &str) -> Option<Token> {
        if let Some(rest) = s.strip_prefix('s') {
            let (pos, typing) = rest.split_once('_').unwrap_or((rest, "0"));
            return Some(Token {
                pos: pos.parse().ok()?,
                typing: typing.parse().ok()?,
            });
        }
        if let Some(rest) = s.strip_prefix('t') {
            return Some(Token {
                pos: rest.parse().ok()?,
                typing: 0,
            });
        }
        None
    }
    pub fn sync(&self) -> String {
        format!("s{}_{}", self.pos, self.typing)
    }
}

pub fn page_token(pos: i64) -> String {
    format!("t{pos}")
}

/// The parts of a filter sync honours.
#[derive(Debug, Clone, Default)]
pub struct SyncFilter {
    pub timeline_limit: Option<usize>,
    pub lazy_load_members: bool,
    pub include_leave: bool,
    pub rooms: Option<HashSet<String>>,
    pub not_rooms: HashSet<String>,
    pub types: Option<Vec<String>>,
    pub not_types: Vec<String>,
    pub senders: Option<HashSet<String>>,
    pub not_senders: HashSet<String>,
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    })
}

/// Whether `kind` matches a filter type pattern (a trailing `*` is a wildcard).
pub fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

impl SyncFilter {
    pub fn from_json(v: &Value) -> SyncFilter {
        let room = v.get("room");
        let timeline = room.and_then(|r| r.get("timeline"));
        let state = room.and_then(|r| r.get("state"));
        SyncFilter {
            timeline_limit: timeline
                .and_then(|t| t.get("limit"))
                .and_then(Value::as_u64)
                .map(|l| l.clamp(1, 1000) as usize),
            lazy_load_members: state
                .and_then(|s| s.get("lazy_load_members"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            include_leave: room
                .and_then(|r| r.get("include_leave"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            rooms: strings(room.and_then(|r| r.get("rooms"))).map(|v| v.into_iter().collect()),
            not_rooms: strings(room.and_then(|r| r.get("not_rooms")))
                .unwrap_or_default()
                .into_iter()
                .collect(),
            types: strings(timeline.and_then(|t| t.get("types"))),
            not_types: strings(timeline.and_then(|t| t.get("not_types"))).unwrap_or_default(),
            senders: strings(timeline.and_then(|t| t.get("senders")))
                .map(|v| v.into_iter().collect()),
            not_senders: strings(timeline.and_then(|t| t.get("not_senders")))
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }
    }

    fn room_allowed(&self, room_id: &str) -> bool {
        !self.not_rooms.contains(room_id) && self.rooms.as_ref().is_none_or(|r| r.contains(room_id))
    }

    pub fn event_allowed(&self, p: &Pdu) -> bool {
        let kind = p.kind_str();
        if self.not_types.iter().any(|t| type_matches(t, &kind))
            || self.not_senders.contains(p.sender_str())
        {
            return false;
        }
        if let Some(types) = &self.types {
            if !types.iter().any(|t| type_matches(t, &kind)) {
                return false;
            }
        }
        self.senders
            .as_ref()
            .is_none_or(|s| s.contains(p.sender_str()))
    }
}

pub struct SyncRequest {
    pub since: Option<Token>,
    pub timeout: Duration,
    pub full_state: bool,
    pub filter: SyncFilter,
}

/// Users whose memberships are kept at most; past that the cache starts again empty.
const MEMBERSHIP_CACHE_MAX: usize = 1000;

/// Users' memberships as sync last read them, reused while no membership of theirs changed.
#[derive(Default)]
pub struct MembershipCache(std::sync::Mutex<HashMap<String, Memberships>>);

/// A user's memberships as read when the stream was at `at` (and the rewrite epoch `epoch`).
#[derive(Clone)]
struct Memberships {
    at: i64,
    epoch: u64,
    rows: Vec<db::MembershipRow>,
}

/// Synapse's default timeline limit.
const DEFAULT_TIMELINE_LIMIT: usize = 10;
/// Joined rooms whose sections are gathered concurrently.
const ROOMS_AT_ONCE: usize = 4;

/// Stripped state shown with an invite.
const INVITE_STATE_TYPES: &[&str] = &[
    "m.room.create",
    "m.room.join_rules",
    "m.room.name",
    "m.room.avatar",
    "m.room.canonical_alias",
    "m.room.encryption",
    "m.room.topic",
];

fn stripped(p: &Pdu) -> Value {
    json!({"type": p.kind_str(), "state_key": p.state_key_str().unwrap_or(""), "content": p.content_value(), "sender": p.sender_str()})
}

impl Services {
    /// Runs a sync, waiting up to the timeout for something new when `since` is given.
    pub async fn sync(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SyncRequest,
    ) -> Result<Value, RoomError> {
        let deadline = Instant::now() + req.timeout;
        let mut wake = self.streams.subscribe();
        loop {
            wake.borrow_and_update();
            let (body, changed) = self.sync_once(user_id, device_id, req).await?;
            if changed || req.since.is_none() || req.full_state || Instant::now() >= deadline {
                return Ok(body);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _waiting = super::metrics::SyncWaiter::start();
            match tokio::time::timeout(left, wake.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    // Timed out: answer with the current position so the client moves on.
                    let (body, _) = self.sync_once(user_id, device_id, req).await?;
                    return Ok(body);
                }
            }
        }
    }

    async fn sync_once(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SyncRequest,
    ) -> Result<(Value, bool), RoomError> {
        self.typing.expire();
        let to = self.streams.current();
        let typing_now = self.typing.serial();
        let since = req.since;
        let since_pos = since.map(|t| t.pos).unwrap_or(0);
        let limit = req.filter.timeline_limit.unwrap_or(DEFAULT_TIMELINE_LIMIT);
        let viewer = Some((user_id, device_id));

        // Rooms, presence and encryption are independent: their queries run side by side.
        let rooms = async {
            let (memberships, account_rows) = tokio::try_join!(self.memberships(user_id), async {
                if since.is_some() && !self.hints.account_data.changed_since(user_id, since_pos) {
                    return Ok(Vec::new());
                }
                Ok::<_, RoomError>(
                    userdata::account_data_since(&self.db, user_id, since_pos).await?,
                )
            },)?;
            let mut join = Map::new();
            let mut invite = Map::new();
            let mut leave = Map::new();
            let mut changed = false;

            let mut joined = Vec::new();
            for (room_id, membership, event_id, mstream) in memberships {
                if !req.filter.room_allowed(&room_id) {
                    continue;
                }
                match membership.as_str() {
                    "join" => joined.push((room_id, mstream)),
                    "invite" if since.is_none() || mstream > since_pos => {
                        let mut events = Vec::new();
                        for t in INVITE_STATE_TYPES {
                            if let Some(p) = self.current_state_event(&room_id, t, "").await? {
                                events.push(stripped(&p));
                            }
                        }
                        if let Some(p) = self.event_by_id(&event_id).await? {
                            if let Some(inviter) = self
                                .current_state_event(&room_id, "m.room.member", p.sender_str())
                                .await?
                            {
                                events.push(stripped(&inviter));
                            }
                            events.push(stripped(&p));
                        }
                        invite.insert(room_id, json!({"invite_state": {"events": events}}));
                        changed = true;
                    }
                    "leave" | "ban"
                        if (since.is_some() && mstream > since_pos)
                            || (since.is_none() && req.filter.include_leave) =>
                    {
                        let rows = db::events_backwards(
                            &self.db,
                            &room_id,
                            since_pos,
                            mstream,
                            limit as i64 + 1,
                        )
                        .await?;
                        let (timeline, limited, first) = self
                            .timeline(&room_id, rows, limit, viewer, &req.filter)
                            .await?;
                        let state_pos = first.map(|f| f - 1).unwrap_or(mstream);
                        let state = self
                            .state_for_sync(&room_id, since, state_pos, true, &[], false, None)
                            .await?;
                        let state = self.format_events(&room_id, &state, None).await?;
                        leave.insert(
                        room_id,
                        json!({
                            "timeline": {"events": timeline, "limited": limited, "prev_batch": page_token(first.map(|f| f - 1).unwrap_or(mstream))},
                            "state": {"events": state},
                            "account_data": {"events": []},
                        }),
                    );
                        changed = true;
                    }
                    _ => {}
                }
            }

            // Joined rooms, a few at a time (each takes a handful of queries).
            let account_rows_ref = &account_rows;
            for chunk in joined.chunks(ROOMS_AT_ONCE) {
                let rooms = futures_util::future::try_join_all(chunk.iter().map(
                    |(room_id, mstream)| async move {
                        let newly = since.is_none()
                            || req.full_state
                            || *mstream > since_pos
                                && self.joined_after(room_id, user_id, since_pos).await?;
                        self.joined_room(
                            room_id,
                            user_id,
                            viewer,
                            since,
                            newly,
                            *mstream,
                            limit,
                            to,
                            &req.filter,
                            account_rows_ref,
                        )
                        .await
                    },
                ))
                .await?;
                for ((room_id, _), room) in chunk.iter().zip(rooms) {
                    if let Some((room, has)) = room {
                        changed |= has;
                        join.insert(room_id.clone(), room);
                    }
                }
            }

            Ok::<_, RoomError>((join, invite, leave, changed, account_rows))
        };
        let ((join, invite, leave, mut changed, account_rows), presence, e2ee, default_rules) = tokio::try_join!(
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
        for (room, kind, content) in &account_rows {
            if room.is_empty() {
                account_data.push(json!({"type": kind, "content": serde_json::from_str::<Value>(content).unwrap_or(json!({}))}));
            }
        }
        if let Some(rules) = default_rules {
            if !account_data.iter().any(|e| e["type"] == "m.push_rules") {
                account_data.push(json!({"type": "m.push_rules", "content": rules}));
            }
        }
        changed |= !account_data.is_empty() && since.is_some();
        changed |= !presence.is_empty() && since.is_some();
        changed |= e2ee.has_news();

        let body = json!({
            "next_batch": Token { pos: to, typing: typing_now }.sync(),
            "rooms": {"join": join, "invite": invite, "leave": leave, "knock": {}},
            "account_data": {"events": account_data},
            "presence": {"events": presence},
            "to_device": {"events": e2ee.to_device},
            "device_lists": {"changed": e2ee.changed, "left": e2ee.left},
            "device_one_time_keys_count": e2ee.one_time_keys_count,
            "device_unused_fallback_key_types": e2ee.unused_fallback_key_types,
        });
        Ok((body, changed))
    }

    /// The user's memberships: from the cache if no membership of theirs changed since it was
    /// read, else from the database (and kept).
    async fn memberships(&self, user_id: &str) -> Result<Vec<db::MembershipRow>, RoomError> {
        let cached = self
            .membership_cache
            .0
            .lock()
            .expect("membership cache")
            .get(user_id)
            .cloned();
        if let Some(m) = cached
            && self.hints.memberships_unchanged(user_id, m.at, m.epoch)
        {
            return Ok(m.rows);
        }
        let (at, epoch) = (self.streams.current(), self.hints.memberships_epoch());
        let rows = db::memberships_of(&self.db, user_id).await?;
        let mut cache = self.membership_cache.0.lock().expect("membership cache");
        if cache.len() >= MEMBERSHIP_CACHE_MAX {
            cache.clear();
        }
        cache.insert(
            user_id.to_string(),
            Memberships {
                at,
                epoch,
                rows: rows.clone(),
            },
        );
        Ok(rows)
    }

    /// Presence of users sharing a room with this one (and the user's own).
    async fn presence_section(
        &self,
        user_id: &str,
        since_pos: i64,
    ) -> Result<Vec<Value>, RoomError> {
        let mut presence = Vec::new();
        if !self.hints.presence.changed_since("", since_pos) {
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

    /// Whether the user's current stint in the room began after `since` (a rejoin or first join).
    async fn joined_after(
        &self,
        room_id: &str,
        user_id: &str,
        since: i64,
    ) -> Result<bool, RoomError> {
        let before = db::state_at(&self.db, room_id, since).await?;
        let was_joined = before
            .iter()
            .filter_map(|r| Services::pdu(r).ok())
            .any(|p| {
                p.kind_str() == "m.room.member"
                    && p.state_key_str() == Some(user_id)
                    && p.membership().as_deref() == Some("join")
            });
        Ok(!was_joined)
    }

    #[allow(clippy::too_many_arguments)]
    async fn joined_room(
        &self,
        room_id: &str,
        user_id: &str,
        viewer: Option<(&str, &str)>,
        since: Option<Token>,
        newly_joined: bool,
        joined_at: i64,
        limit: usize,
        to: i64,
        filter: &SyncFilter,
        account_rows: &[(String, String, String)],
    ) -> Result<Option<(Value, bool)>, RoomError> {
        let from = if newly_joined {
            0
        } else {
            since.map(|t| t.pos).unwrap_or(0)
        };
        let since_pos = since.map(|t| t.pos).unwrap_or(0);
        // Timeline rows, receipts and (for a new join) the room's account data, side by side.
        let incremental = since.is_some() && !newly_joined;
        // Unread counts are asked alongside when the room is sure to be in the answer, or
        // has events since the token by what the committer saw.
        let count_now = !incremental || self.hints.room_events.changed_since(room_id, since_pos);
        let (rows, receipts, own_ad, unread, current_state) = tokio::try_join!(
            async {
                Ok::<_, RoomError>(
                    db::events_backwards(&self.db, room_id, from, to, limit as i64 + 1).await?,
                )
            },
            async {
                if !self.hints.receipts.changed_since(room_id, from) {
                    return Ok(Vec::new());
                }
                Ok::<_, RoomError>(userdata::receipts_since(&self.db, room_id, from).await?)
            },
            async {
                Ok::<_, RoomError>(if from == since_pos {
                    None
                } else {
                    Some(userdata::account_data_since(&self.db, user_id, from).await?)
                })
            },
            async {
                if count_now {
                    self.unread_counts(room_id, user_id, joined_at)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            },
            async {
                // A full state is needed: the state now is the state before the timeline
                // when the timeline holds no state event, the usual case, so ask alongside.
                Ok::<_, RoomError>(if incremental {
                    None
                } else {
                    Some(db::state_at(&self.db, room_id, to).await?)
                })
            },
        )?;
        let current_state = current_state.filter(|_| {
            rows.iter().take(limit).all(|r| {
                Services::pdu(r)
                    .map(|p| p.state_key_str().is_none())
                    .unwrap_or(false)
            })
        });
        let any_new = !rows.is_empty();
        let (timeline, limited, first) =
            self.timeline(room_id, rows, limit, viewer, filter).await?;

        // Ephemeral: typing and receipts.
        let mut ephemeral = Vec::new();
        let (typing_users, typing_serial) = self.typing.get(room_id);
        let typing_changed = since.is_none_or(|t| typing_serial > t.typing) || newly_joined;
        if typing_changed && (since.is_none() || newly_joined || typing_serial > 0) {
            ephemeral.push(json!({"type": "m.typing", "content": {"user_ids": typing_users}}));
        }
        if !receipts.is_empty() {
            let mut content: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
            for (rtype, uid, thread, event_id, ts) in &receipts {
                if rtype == "m.read.private" && uid != user_id {
                    continue;
                }
                let by_type = content.entry(event_id.clone()).or_default();
                let users = by_type.entry(rtype.clone()).or_insert_with(|| json!({}));
                let mut r = json!({"ts": ts});
                if !thread.is_empty() {
                    r["thread_id"] = json!(thread);
                }
                users[uid] = r;
            }
            if !content.is_empty() {
                ephemeral.push(json!({"type": "m.receipt", "content": content}));
            }
        }

        // Room account data.
        let mut room_ad = Vec::new();
        for (room, kind, content) in own_ad.as_deref().unwrap_or(account_rows) {
            if room == room_id {
                room_ad.push(json!({"type": kind, "content": serde_json::from_str::<Value>(content).unwrap_or(json!({}))}));
            }
        }

        let has_typing_change = since.is_some_and(|t| typing_serial > t.typing);
        if incremental
            && !any_new
            && receipts.is_empty()
            && room_ad.is_empty()
            && !has_typing_change
        {
            return Ok(None);
        }
        let ephemeral = if incremental && !has_typing_change {
            ephemeral
                .into_iter()
                .filter(|e| e["type"] != "m.typing")
                .collect()
        } else {
            ephemeral
        };

        // State: everything up to the timeline's start (initial), or what changed in the gap.
        let state_pos = first.map(|f| f - 1).unwrap_or(to);
        let senders: Vec<String> = timeline
            .iter()
            .filter_map(|e| e["sender"].as_str().map(String::from))
            .collect();
        let gap = limited || !incremental;
        // As Synapse: a summary only with lazy-loaded members, when membership may have
        // changed (member events in the timeline, a gap, or a new join / initial sync).
        let want_summary = filter.lazy_load_members
            && (!incremental || gap || timeline.iter().any(|e| e["type"] == "m.room.member"));
        let (state, summary, unread) = tokio::try_join!(
            async {
                let state = self
                    .state_for_sync(
                        room_id,
                        if incremental { since } else { None },
                        state_pos,
                        gap,
                        &senders,
                        filter.lazy_load_members,
                        current_state,
                    )
                    .await?;
                self.format_events(room_id, &state, None).await
            },
            async {
                if want_summary {
                    self.room_summary(room_id, user_id).await
                } else {
                    Ok(json!({}))
                }
            },
            async {
                match unread {
                    Some(u) => Ok(u),
                    None => self.unread_counts(room_id, user_id, joined_at).await,
                }
            },
        )?;
        let room = json!({
            "timeline": {"events": timeline, "limited": limited, "prev_batch": page_token(first.map(|f| f - 1).unwrap_or(to))},
            "state": {"events": state},
            "ephemeral": {"events": ephemeral},
            "account_data": {"events": room_ad},
            "unread_notifications": unread,
            "summary": summary,
        });
        Ok(Some((room, true)))
    }

    /// Turns rows (newest first, up to limit+1) into a chronological client timeline.
    async fn timeline(
        &self,
        room_id: &str,
        mut rows: Vec<db::EventRow>,
        limit: usize,
        viewer: Option<(&str, &str)>,
        filter: &SyncFilter,
    ) -> Result<(Vec<Value>, bool, Option<i64>), RoomError> {
        let limited = rows.len() > limit;
        rows.truncate(limit);
        rows.reverse();
        let first = rows.first().map(|r| r.stream_ordering);
        let pdus: Vec<Pdu> = rows.iter().map(Services::pdu).collect::<Result<_, _>>()?;
        let pdus: Vec<Pdu> = pdus
            .into_iter()
            .filter(|p| filter.event_allowed(p))
            .collect();
        Ok((
            self.format_events(room_id, &pdus, viewer).await?,
            limited,
            first,
        ))
    }

    /// State for a sync response: the full state at `pos` (initial / limited), or the state
    /// changes since the token up to `pos`. With lazy loading, members are limited to the
    /// timeline's senders.
    async fn state_for_sync(
        &self,
        room_id: &str,
        since: Option<Token>,
        pos: i64,
        gap: bool,
        senders: &[String],
        lazy: bool,
        known: Option<Vec<db::EventRow>>,
    ) -> Result<Vec<Pdu>, RoomError> {
        let rows = match since {
            None => match known {
                Some(rows) => rows,
                None => db::state_at(&self.db, room_id, pos).await?,
            },
            Some(_) if !gap => Vec::new(),
            Some(t) => {
                let changes = db::state_changes(&self.db, room_id, t.pos, pos).await?;
                let mut latest: HashMap<(String, String), db::EventRow> = HashMap::new();
                for r in changes {
                    let p = Services::pdu(&r)?;
                    latest.insert(
                        (p.kind_str(), p.state_key_str().unwrap_or("").to_string()),
                        r,
                    );
                }
                let mut v: Vec<db::EventRow> = latest.into_values().collect();
                v.sort_by_key(|r| r.stream_ordering);
                v
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let p = Services::pdu(r)?;
            if lazy
                && p.kind_str() == "m.room.member"
                && !senders
                    .iter()
                    .any(|s| Some(s.as_str()) == p.state_key_str())
            {
                continue;
            }
            out.push(p);
        }
        Ok(out)
    }

    /// m.heroes and member counts, which clients use to name rooms without a name.
    async fn room_summary(&self, room_id: &str, user_id: &str) -> Result<Value, RoomError> {
        let (joined, invited) = tokio::try_join!(
            db::members_with(&self.db, room_id, "join"),
            db::members_with(&self.db, room_id, "invite"),
        )?;
        let heroes: Vec<&String> = joined
            .iter()
            .chain(invited.iter())
            .filter(|u| u.as_str() != user_id)
            .take(5)
            .collect();
        Ok(
            json!({"m.heroes": heroes, "m.joined_member_count": joined.len(), "m.invited_member_count": invited.len()}),
        )
    }

    /// Notification and highlight counts since the user's read receipt (or join), from the
    /// user's push rules evaluated with ruma on each event by someone else.
    /// `joined_at` is the position of the user's join (from their memberships).
    pub async fn unread_counts(
        &self,
        room_id: &str,
        user_id: &str,
        joined_at: i64,
    ) -> Result<Value, RoomError> {
        let now = self.streams.current();
        // Counts are kept per (room, user) from the read position on, so each sync only
        // evaluates the events that arrived since the last one; those are fetched alongside
        // the read position, on the guess that it has not moved.
        let key = (room_id.to_string(), user_id.to_string());
        let cached = self
            .unread_cache
            .lock()
            .expect("unread cache")
            .get(&key)
            .copied()
            .filter(|c| c.upto <= now);
        // At most 1,000 unread events are evaluated (clients show "99+" long before); past
        // that the counts stand still until the user reads.
        const MAX_EVALUATED: i64 = 1000;
        // The read position stands while no receipt was set in the room.
        let known_read = cached
            .filter(|c| !self.hints.receipts.changed_since(room_id, c.read_at))
            .map(|c| c.read);
        let (read, guessed) = tokio::try_join!(
            async {
                match known_read {
                    Some(read) => Ok(read),
                    None => userdata::read_position(&self.db, room_id, user_id).await,
                }
            },
            async {
                match cached {
                    Some(c) if !self.hints.room_events.changed_since(room_id, c.upto) => {
                        Ok(Some(Vec::new()))
                    }
                    Some(c) => db::events_forwards(&self.db, room_id, c.upto, now, MAX_EVALUATED)
                        .await
                        .map(Some),
                    None => Ok(None),
                }
            },
        )?;
        let from = read.unwrap_or(0).max(joined_at);
        let (start, mut notes, mut highlights, rows) = match (cached, guessed) {
            (Some(c), Some(rows)) if c.from == from => (c.upto, c.notes, c.highlights, rows),
            _ => (
                from,
                0,
                0,
                db::events_forwards(&self.db, room_id, from, now, MAX_EVALUATED).await?,
            ),
        };
        let upto = if rows.len() as i64 == MAX_EVALUATED {
            now
        } else {
            now.max(start)
        };
        if !rows.is_empty() {
            let (ruleset, ctx) = tokio::try_join!(
                self.parsed_push_rules(user_id),
                self.push_context(room_id, user_id),
            )?;
            if let Some(ctx) = ctx {
                for r in &rows {
                    let p = Services::pdu(r)?;
                    if p.sender_str() == user_id {
                        continue;
                    }
                    let event = p.client_format(Some(room_id), None, None);
                    let Ok(raw) = ruma::serde::Raw::new(&event) else {
                        continue;
                    };
                    let actions = ruleset.get_actions(&raw, &ctx).await;
                    if actions.iter().any(|a| a.should_notify()) {
                        notes += 1;
                        if actions.iter().any(|a| a.is_highlight()) {
                            highlights += 1;
                        }
                    }
                }
            }
        }
        self.unread_cache.lock().expect("unread cache").insert(
            key,
            UnreadCounts {
                from,
                upto,
                notes,
                highlights,
                read,
                read_at: now,
            },
        );
        Ok(json!({"notification_count": notes, "highlight_count": highlights}))
    }

    pub async fn users_sharing_rooms(&self, user_id: &str) -> Result<HashSet<String>, RoomError> {
        Ok(db::users_sharing_rooms(&self.db, user_id)
            .await?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let t = Token { pos: 42, typing: 7 };
        assert_eq!(Token::parse(&t.sync()), Some(t));
        assert_eq!(Token::parse("t17"), Some(Token { pos: 17, typing: 0 }));
        assert_eq!(Token::parse("garbage"), None);
        assert!(type_matches("m.room.*", "m.room.message"));
        assert!(!type_matches("m.room.message", "m.room.member"));
    }
}
