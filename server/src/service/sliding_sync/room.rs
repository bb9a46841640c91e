//! One room of a sliding sync answer: what the connection has not seen of it yet.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ruma::api::client::sync::sync_events::{UnreadNotificationsCount, v5};
use ruma::{JsOption, OwnedMxcUri, OwnedUserId, UInt};

use super::conn::RoomSent;
use super::{Candidate, Wanted};
use crate::service::Services;
use crate::service::raw::raws;
use crate::service::rooms::{Pdu, RoomError};
use crate::service::sync::{SyncFilter, Token, page_token};
use crate::store::{rooms as db, userdata};

pub(super) struct RoomAnswer {
    pub room: v5::response::Room,
    pub sent: RoomSent,
    /// The ids of the timeline's events (the receipts extension shows theirs).
    pub timeline_ids: Vec<String>,
}

/// State that names a room or counts its members: when it changes, they are sent again.
const SUMMARY_TYPES: &[&str] = &["m.room.name", "m.room.avatar", "m.room.member"];

impl Services {
    /// A room's entry in the answer, or `None` when the connection already has all of it.
    /// `prev` is what the connection sent of it before; `from` the request's position.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn sliding_room(
        &self,
        user_id: &str,
        device_id: &str,
        c: &Candidate<'_>,
        wanted: &Wanted,
        prev: Option<&RoomSent>,
        from: Option<Token>,
        to: i64,
        dm: bool,
        read: Option<Vec<db::EventRow>>,
    ) -> Result<Option<RoomAnswer>, RoomError> {
        let room_id = c.room_id;
        let required = wanted.required();
        let mut room = v5::response::Room::new();
        room.bump_stamp = c.bump.map(|b| UInt::new_saturating(b.max(0) as u64));
        room.is_dm = dm.then_some(true);
        room.initial = prev.is_none().then_some(true);

        if c.membership == "invite" || c.membership == "knock" {
            if prev.is_some_and(|p| p.upto >= c.mstream) {
                return Ok(None);
            }
            if c.membership == "invite" {
                room.invite_state = Some(raws(&self.invite_state(room_id, c.event_id).await?));
            }
            let sent = RoomSent {
                upto: c.mstream,
                timeline_limit: wanted.timeline_limit,
                required,
                lazy_sent: HashSet::new(),
            };
            return Ok(Some(RoomAnswer {
                room,
                sent,
                timeline_ids: Vec::new(),
            }));
        }

        let joined = c.membership == "join";
        // Never past the user's leave, kick or ban.
        let bound = if joined { to } else { c.mstream.min(to) };
        let limit = wanted.timeline_limit as usize;
        let expanded_state = prev.is_some_and(|p| !p.required.covers(&required));
        let expanded_timeline = prev.is_some_and(|p| wanted.timeline_limit > p.timeline_limit);
        let since = prev.filter(|_| !expanded_timeline).map(|p| p.upto);
        let events_new = match since {
            Some(s) => s < bound && self.hints.room_events.changed_since(room_id, s),
            None => true,
        };
        let read_moved = match since {
            Some(s) if joined && !events_new => self.own_receipt_since(room_id, user_id, s).await?,
            _ => false,
        };
        if since.is_some() && !events_new && !expanded_state && !read_moved {
            return Ok(None);
        }

        // The timeline and (in a joined room) the unread counts, side by side.
        let (rows, unread) = tokio::try_join!(
            async {
                Ok::<_, RoomError>(
                    if let Some(rows) = read.filter(|_| since.is_none() && joined) {
                        // A joined room new to the connection: its timeline was read with others'.
                        rows
                    } else if events_new {
                        db::events_backwards(
                            &self.db,
                            room_id,
                            since.unwrap_or(0),
                            bound,
                            limit as i64 + 1,
                        )
                        .await?
                    } else {
                        Vec::new()
                    },
                )
            },
            async {
                if joined {
                    self.unread_counts(room_id, user_id, c.mstream)
                        .await
                        .map(Some)
                } else {
                    Ok(None)
                }
            },
        )?;
        // The change log also knows of events past `to` (committed, not yet visible): with
        // nothing else new, such a room waits for the answer that can show them.
        if since.is_some() && rows.is_empty() && !expanded_state && !read_moved {
            return Ok(None);
        }
        let num_live = from.map(|t| {
            rows.iter()
                .take(limit)
                .filter(|r| r.stream_ordering > t.pos)
                .count()
        });
        let timeline_ids: Vec<String> = rows
            .iter()
            .take(limit)
            .map(|r| r.event_id.clone())
            .collect();
        let (timeline, limited, first) = self
            .timeline(
                room_id,
                rows,
                limit,
                Some((user_id, device_id)),
                &SyncFilter::default(),
            )
            .await?;
        let senders: HashSet<String> = timeline
            .iter()
            .filter_map(|e| e["sender"].as_str().map(String::from))
            .collect();

        // State: all of it the request asks for on a first look (or when it asks for more
        // than before), else what changed since.
        let whole = since.is_none() || expanded_state || prev.is_none();
        let (state, delta_kinds) = if whole {
            (self.room_state_at(room_id, bound).await?, HashSet::new())
        } else if events_new
            && self
                .hints
                .room_state
                .changed_since(room_id, since.unwrap_or(0))
        {
            let changes = db::state_changes(&self.db, room_id, since.unwrap_or(0), bound).await?;
            let mut latest: HashMap<(String, String), db::EventRow> = HashMap::new();
            for r in changes {
                let p = Services::pdu(&r)?;
                latest.insert(
                    (p.kind_str(), p.state_key_str().unwrap_or("").to_owned()),
                    r,
                );
            }
            let kinds = latest.keys().map(|(k, _)| k.clone()).collect();
            let mut rows: Vec<db::EventRow> = latest.into_values().collect();
            rows.sort_by_key(|r| r.stream_ordering);
            (Arc::new(rows), kinds)
        } else {
            (Arc::default(), HashSet::new())
        };
        let mut lazy_sent = if whole {
            HashSet::new()
        } else {
            prev.map(|p| p.lazy_sent.clone()).unwrap_or_default()
        };
        let mut required_state = Vec::new();
        let mut members_sent = HashSet::new();
        for r in state.iter() {
            let p = Services::pdu(r)?;
            let (kind, key) = (p.kind_str(), p.state_key_str().unwrap_or(""));
            let lazy = required.lazy_members
                && kind == "m.room.member"
                && (senders.contains(key) || lazy_sent.contains(key));
            if lazy || required.matches(&kind, key) {
                if kind == "m.room.member" {
                    members_sent.insert(key.to_owned());
                }
                required_state.push(p);
            }
        }
        if required.lazy_members {
            // Senders whose member event the connection has not had yet (the delta above
            // only holds changed ones).
            if !whole {
                for s in &senders {
                    if !lazy_sent.contains(s)
                        && !members_sent.contains(s)
                        && let Some(p) = self.member_at(room_id, s, bound, joined).await?
                    {
                        required_state.push(p);
                    }
                }
            }
            lazy_sent.extend(senders.iter().cloned());
        }

        // Name, avatar, heroes and member counts: on a first look, or when they may have
        // changed.
        let summary_changed = SUMMARY_TYPES.iter().any(|t| delta_kinds.contains(*t));
        if whole || summary_changed {
            let full = if whole {
                state.clone()
            } else {
                self.room_state_at(room_id, bound).await?
            };
            self.summarise(&mut room, &full, user_id, whole, &delta_kinds)?;
        }
        if let Some(unread) = unread {
            let mut counts = UnreadNotificationsCount::new();
            counts.notification_count = Some(UInt::new_saturating(unread.notification_count));
            counts.highlight_count = Some(UInt::new_saturating(unread.highlight_count));
            room.unread_notifications = counts;
        }

        room.required_state = raws(&self.sync_events(room_id, &required_state, None).await?);
        room.timeline = raws(&timeline);
        room.limited = limited;
        room.prev_batch = Some(page_token(first.map(|f| f - 1).unwrap_or(bound)));
        room.num_live = num_live.map(|n| UInt::new_saturating(n as u64));
        let sent = RoomSent {
            upto: bound,
            timeline_limit: wanted.timeline_limit,
            required,
            lazy_sent,
        };
        Ok(Some(RoomAnswer {
            room,
            sent,
            timeline_ids,
        }))
    }

    /// Whether the user's own read receipt in the room moved since `since` (their unread
    /// counts changed).
    async fn own_receipt_since(
        &self,
        room_id: &str,
        user_id: &str,
        since: i64,
    ) -> Result<bool, RoomError> {
        if !self.hints.receipts.changed_since(room_id, since) {
            return Ok(false);
        }
        Ok(userdata::receipts_since(&self.db, room_id, since)
            .await?
            .iter()
            .any(|(_, uid, ..)| uid == user_id))
    }

    /// A member's event as of `bound`: the current one in a joined room, else read at the
    /// position.
    async fn member_at(
        &self,
        room_id: &str,
        user: &str,
        bound: i64,
        joined: bool,
    ) -> Result<Option<Pdu>, RoomError> {
        if joined {
            return self
                .current_state_event(room_id, "m.room.member", user)
                .await;
        }
        for r in self.room_state_at(room_id, bound).await?.iter() {
            let p = Services::pdu(r)?;
            if p.kind_str() == "m.room.member" && p.state_key_str() == Some(user) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// Name, avatar, heroes and member counts from the room's whole state.
    fn summarise(
        &self,
        room: &mut v5::response::Room,
        state: &[db::EventRow],
        user_id: &str,
        whole: bool,
        delta_kinds: &HashSet<String>,
    ) -> Result<(), RoomError> {
        let mut name = None;
        let mut avatar = None;
        let (mut joined, mut invited) = (0u64, 0u64);
        // (position, user, content) of members other than the user.
        let mut members: Vec<(i64, String, String, serde_json::Value)> = Vec::new();
        for r in state {
            let p = Services::pdu(r)?;
            let content = p.content_value();
            match p.kind_str().as_str() {
                "m.room.name" => {
                    name = content["name"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .map(String::from)
                }
                "m.room.avatar" => {
                    avatar = content["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(OwnedMxcUri::from)
                }
                "m.room.member" => {
                    let membership = content["membership"].as_str().unwrap_or("").to_owned();
                    match membership.as_str() {
                        "join" => joined += 1,
                        "invite" => invited += 1,
                        _ => {}
                    }
                    let who = p.state_key_str().unwrap_or("");
                    if who != user_id {
                        members.push((r.stream_ordering, who.to_owned(), membership, content));
                    }
                }
                _ => {}
            }
        }
        room.joined_count = Some(UInt::new_saturating(joined));
        room.invited_count = Some(UInt::new_saturating(invited));
        room.avatar = match avatar {
            Some(url) => JsOption::Some(url),
            None if !whole && delta_kinds.contains("m.room.avatar") => JsOption::Null,
            None => JsOption::Undefined,
        };
        if name.is_none() {
            // As the spec's room-name algorithm: joined and invited members first, else those
            // who left; oldest first, five at most.
            members.sort_by_key(|(at, ..)| *at);
            let present: Vec<_> = members
                .iter()
                .filter(|(_, _, m, _)| m == "join" || m == "invite")
                .collect();
            let pool: Vec<_> = if present.is_empty() {
                members.iter().collect()
            } else {
                present
            };
            let heroes = pool
                .into_iter()
                .filter_map(|(_, who, _, content)| {
                    let mut hero =
                        v5::response::Hero::new(OwnedUserId::try_from(who.as_str()).ok()?);
                    hero.name = content["displayname"].as_str().map(String::from);
                    hero.avatar = content["avatar_url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(OwnedMxcUri::from);
                    Some(hero)
                })
                .take(5)
                .collect();
            room.heroes = Some(heroes);
        }
        room.name = name;
        Ok(())
    }
}
