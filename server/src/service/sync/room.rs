//! One joined room's section of a sync: timeline (with prev_batch and limited), state,
//! ephemeral events, account data, unread counts and summary.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::response::{JoinedRoom, RoomSummary};
use super::*;
use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError};
use crate::store::{rooms as db, userdata};

impl Services {
    /// Whether the user's current stint in the room began after `since` (a rejoin or first join).
    pub(super) async fn joined_after(
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

    /// Whether an incremental sync from `since` may have anything to show of a room the user
    /// was joined to all along: new events, receipts, typing or room account data (`account`:
    /// the user's account data written since). The change logs answer without a query, so an
    /// incremental sync costs what changed, not how many rooms the user is in.
    pub(super) fn room_may_have_news(
        &self,
        room_id: &str,
        since: Token,
        account: &[(String, String, String)],
    ) -> bool {
        self.hints.room_events.changed_since(room_id, since.pos)
            || self.hints.receipts.changed_since(room_id, since.pos)
            || self.typing.room_serial(room_id) > since.typing
            || account.iter().any(|(room, ..)| room == room_id)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn joined_room(
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
        pre: Option<Prefetched>,
    ) -> Result<Option<(JoinedRoom, bool)>, RoomError> {
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
        // Read for many rooms at once by an initial sync (`prefetch_initial`).
        let (pre_rows, pre_receipts, pre_before) = match pre {
            Some(p) => (
                Some(p.rows),
                Some(p.receipts),
                Some((p.before, p.state_then)),
            ),
            None => (None, None, None),
        };
        let (rows, receipts, own_ad, unread, current_state) = tokio::try_join!(
            async {
                if let Some(rows) = pre_rows {
                    return Ok(rows);
                }
                if incremental && !self.hints.room_events.changed_since(room_id, from) {
                    return Ok(Vec::new());
                }
                Ok::<_, RoomError>(
                    db::events_backwards(&self.db, room_id, from, to, limit as i64 + 1).await?,
                )
            },
            async {
                if let Some(receipts) = pre_receipts {
                    return Ok(receipts);
                }
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
                    Some(self.room_state_at(room_id, to).await?)
                })
            },
        )?;
        let (before, state_then) =
            pre_before.unwrap_or_else(|| (state_before(&rows, limit, incremental), None));
        let current_state = match before {
            StateBefore::Nothing => Some(Arc::default()),
            StateBefore::Now => current_state,
            StateBefore::Then(_) => state_then,
        };
        let any_new = !rows.is_empty();
        let (timeline, limited, first) =
            self.timeline(room_id, rows, limit, viewer, filter).await?;

        // Ephemeral: typing and receipts.
        let mut ephemeral = Vec::new();
        let (typing_users, typing_serial) = self.typing.get(room_id);
        // As Synapse: only a room whose typing changed since the token (for a first look at
        // the room, since the server started) has an m.typing event, even an empty one.
        let typing_base = match since {
            Some(t) if !newly_joined => t.typing,
            _ => 0,
        };
        if typing_serial > typing_base {
            ephemeral.push(json!({"type": "m.typing", "content": {"user_ids": typing_users}}));
        }
        if let Some(event) = receipt_event(&receipts, user_id) {
            ephemeral.push(event);
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
                // A state event in the timeline: the state before it is older than the current
                // state, read as such (one query, not two).
                let current_state = match (current_state, before) {
                    (None, StateBefore::Then(pos)) => {
                        Some(Arc::new(db::state_then(&self.db, room_id, pos).await?))
                    }
                    (known, _) => known,
                };
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
                self.sync_events(room_id, &state, None).await
            },
            async {
                if want_summary {
                    self.room_summary(room_id, user_id, to).await
                } else {
                    Ok(RoomSummary::default())
                }
            },
            async {
                match unread {
                    Some(u) => Ok(u),
                    None => self.unread_counts(room_id, user_id, joined_at).await,
                }
            },
        )?;
        let room = JoinedRoom {
            timeline: Timeline {
                events: raws(&timeline),
                limited,
                prev_batch: page_token(first.map(|f| f - 1).unwrap_or(to)),
            },
            state: Events::new(raws(&state)),
            ephemeral: Events::new(raws(&ephemeral)),
            account_data: Events::new(raws(&room_ad)),
            unread_notifications: unread,
            summary,
        };
        Ok(Some((room, true)))
    }

    /// Turns rows (newest first, up to limit+1) into a chronological client timeline.
    pub(crate) async fn timeline(
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
            self.sync_events(room_id, &pdus, viewer).await?,
            limited,
            first,
        ))
    }

    /// State for a sync response: the full state at `pos` (initial / limited), or the state
    /// changes since the token up to `pos`. With lazy loading, members are limited to the
    /// timeline's senders.
    pub(super) async fn state_for_sync(
        &self,
        room_id: &str,
        since: Option<Token>,
        pos: i64,
        gap: bool,
        senders: &[String],
        lazy: bool,
        known: Option<Arc<Vec<db::EventRow>>>,
    ) -> Result<Vec<Pdu>, RoomError> {
        let rows = match since {
            None => match known {
                Some(rows) => rows,
                None => self.room_state_at(room_id, pos).await?,
            },
            Some(_) if !gap => Arc::default(),
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
                Arc::new(v)
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows.iter() {
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

    /// m.heroes and member counts, which clients use to name rooms without a name: from the
    /// room's state at `to` (kept in the sync snapshot cache, so no query per room).
    pub(super) async fn room_summary(
        &self,
        room_id: &str,
        user_id: &str,
        to: i64,
    ) -> Result<RoomSummary, RoomError> {
        let state = self.room_state_at(room_id, to).await?;
        let (mut joined, mut invited) = (Vec::new(), Vec::new());
        for r in state.iter() {
            let p = Services::pdu(r)?;
            if p.kind_str() != "m.room.member" {
                continue;
            }
            let (Some(who), Some(membership)) = (p.state_key_str(), p.membership()) else {
                continue;
            };
            match membership.as_str() {
                "join" => joined.push(who.to_owned()),
                "invite" => invited.push(who.to_owned()),
                _ => {}
            }
        }
        // Heroes as before: joined members, then invited ones, each by user id.
        joined.sort_unstable();
        invited.sort_unstable();
        let heroes = joined
            .iter()
            .chain(invited.iter())
            .filter(|u| u.as_str() != user_id)
            .filter_map(|u| ruma::OwnedUserId::try_from(u.as_str()).ok())
            .take(5)
            .collect();
        Ok(RoomSummary {
            heroes: Some(heroes),
            joined_member_count: Some(joined.len() as u64),
            invited_member_count: Some(invited.len() as u64),
        })
    }
}

/// What a room's section reads first on an initial sync, read for many rooms at once.
pub(super) struct Prefetched {
    pub rows: Vec<db::EventRow>,
    pub receipts: Vec<(String, String, String, String, i64)>,
    /// Which state comes before the timeline, and that state when it is past state.
    pub before: StateBefore,
    pub state_then: Option<Arc<Vec<db::EventRow>>>,
}

/// The state before a first look's timeline (`rows`, newest first, up to `limit` + 1): the
/// state now when the timeline holds no state event; nothing when it begins with the room's
/// creation (a whole small room, as with Element's limit of 20); else past state, at the
/// position given. An incremental sync asks `Now` (it reads changes, not a whole state).
#[derive(Debug, Clone, Copy)]
pub(super) enum StateBefore {
    Now,
    Nothing,
    Then(i64),
}

pub(super) fn state_before(rows: &[db::EventRow], limit: usize, incremental: bool) -> StateBefore {
    if incremental {
        return StateBefore::Now;
    }
    let is_state = |r: &db::EventRow| {
        Services::pdu(r).map(|p| (p.kind_str() == "m.room.create", p.state_key_str().is_some()))
    };
    if rows.len() <= limit
        && rows
            .last()
            .is_some_and(|r| is_state(r).is_ok_and(|(c, _)| c))
    {
        return StateBefore::Nothing;
    }
    let shown = &rows[..rows.len().min(limit)];
    if shown.iter().all(|r| is_state(r).is_ok_and(|(_, s)| !s)) {
        return StateBefore::Now;
    }
    StateBefore::Then(shown.last().map(|r| r.stream_ordering - 1).unwrap_or(0))
}

/// The `m.receipt` event of receipt rows (receipt_type, user_id, thread_id, event_id, ts), as
/// `user_id` may see them (others' private receipts left out); `None` if none is left.
pub(crate) fn receipt_event(
    rows: &[(String, String, String, String, i64)],
    user_id: &str,
) -> Option<Value> {
    let mut content: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (rtype, uid, thread, event_id, ts) in rows {
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
    (!content.is_empty()).then(|| json!({"type": "m.receipt", "content": content}))
}
