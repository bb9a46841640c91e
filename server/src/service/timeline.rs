//! Reading a room as a client sees it: what a user may see (history visibility: members see
//! the room up to now, former members up to when they left, anyone a world-readable room),
//! single events, pages of history (/messages), an event's context, relations, the state and
//! the members. Events are returned as clients see them (redactions applied).
//!
//! Positions below 0 hold history fetched from other servers (backfill): pages and context
//! reach down to them. A page going back that reaches the start of what we hold of a room
//! joined through another server first asks that server for older events.

use serde_json::Value;

use super::Services;
use super::rooms::{Pdu, RoomError};
use super::sync::{SyncFilter, page_token};
use crate::store::rooms as db;

/// Who reads: a user and the device whose transaction ids are echoed back to it.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub user_id: &'a str,
    pub device_id: &'a str,
}

impl<'a> Viewer<'a> {
    fn pair(&self) -> Option<(&'a str, &'a str)> {
        Some((self.user_id, self.device_id))
    }
}

/// A page request over a room's events by stream position.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub backwards: bool,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

/// A page of /messages.
pub struct MessagesPage {
    pub chunk: Vec<Value>,
    pub start: String,
    /// Present when a full page may have more behind it.
    pub end: Option<String>,
    /// The senders' member events, with lazy-loaded members.
    pub state: Vec<Value>,
}

/// An event with the events around it (/context).
pub struct Context {
    pub event: Value,
    pub events_before: Vec<Value>,
    pub events_after: Vec<Value>,
    pub start: String,
    pub end: String,
    pub state: Vec<Value>,
}

/// A page of relations.
pub struct RelationsPage {
    pub chunk: Vec<Value>,
    pub next_batch: Option<String>,
}

fn not_found() -> RoomError {
    RoomError::NotFound("Event not found.".into())
}

fn pdus(rows: &[db::EventRow]) -> Result<Vec<Pdu>, RoomError> {
    rows.iter().map(Services::pdu).collect()
}

impl Services {
    /// The newest stream position `user_id` may see in a room: now for members (and anyone
    /// in a world-readable room), the leave or ban for former members; others are refused.
    pub async fn visible_until(&self, user_id: &str, room_id: &str) -> Result<i64, RoomError> {
        self.room_rules(room_id).await?;
        match db::membership(&self.db, user_id, room_id).await? {
            Some((m, _)) if m == "join" => Ok(self.stream_position()),
            Some((m, pos)) if m == "leave" || m == "ban" => Ok(pos),
            _ => {
                let world = self
                    .current_state_event(room_id, "m.room.history_visibility", "")
                    .await?
                    .is_some_and(|p| p.content_value()["history_visibility"] == "world_readable");
                if world {
                    Ok(self.stream_position())
                } else {
                    Err(RoomError::Forbidden(format!(
                        "User {user_id} not in room {room_id}"
                    )))
                }
            }
        }
    }

    /// An event of the room the viewer may see, else NotFound.
    pub(crate) async fn visible_event(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        event_id: &str,
    ) -> Result<(Pdu, i64), RoomError> {
        let until = self.visible_until(viewer.user_id, room_id).await?;
        let p = self
            .event_by_id(event_id)
            .await?
            .filter(|p| p.room_id_str() == Some(room_id) && p.stream <= until)
            .ok_or_else(not_found)?;
        Ok((p, until))
    }

    /// GET /rooms/{roomId}/event/{eventId}.
    pub async fn room_event(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        event_id: &str,
    ) -> Result<Value, RoomError> {
        let (p, _) = self.visible_event(viewer, room_id, event_id).await?;
        Ok(self
            .format_events(room_id, &[p], viewer.pair())
            .await?
            .remove(0))
    }

    /// GET /rooms/{roomId}/messages.
    pub async fn messages(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        page: Page,
        filter: &SyncFilter,
    ) -> Result<MessagesPage, RoomError> {
        let until = self.visible_until(viewer.user_id, room_id).await?;
        let Page {
            backwards,
            from,
            to,
            limit,
        } = page;
        let (start_token, mut rows) = if backwards {
            let start = from.unwrap_or(until).min(until);
            let stop = to.unwrap_or(i64::MIN);
            (
                start,
                db::events_backwards(&self.db, room_id, stop, start, limit).await?,
            )
        } else {
            let start = from.unwrap_or(i64::MIN);
            let stop = to.unwrap_or(until).min(until);
            (
                start,
                db::events_forwards(&self.db, room_id, start, stop, limit).await?,
            )
        };
        // The start of what we hold of a room joined through another server: older events
        // from a server of the room, stored below, then the page again.
        let mut more_history = false;
        if backwards
            && to.is_none()
            && (rows.len() as i64) < limit
            && self.can_backfill(room_id).await?
        {
            match self.backfill(room_id).await {
                Ok(0) => {}
                Ok(_) => {
                    rows = db::events_backwards(&self.db, room_id, i64::MIN, start_token, limit)
                        .await?;
                }
                Err(e) => tracing::info!(room_id, error = %e, "backfill failed"),
            }
            more_history = self.can_backfill(room_id).await?;
        }
        let end = rows.last().map(|r| {
            if backwards {
                r.stream_ordering - 1
            } else {
                r.stream_ordering
            }
        });
        let shown: Vec<Pdu> = pdus(&rows)?
            .into_iter()
            .filter(|p| filter.event_allowed(p))
            .collect();
        let senders: Vec<String> = shown.iter().map(|p| p.sender_str().to_string()).collect();
        let chunk = self.format_events(room_id, &shown, viewer.pair()).await?;

        let mut out = MessagesPage {
            chunk,
            start: page_token(start_token),
            end: None,
            state: Vec::new(),
        };
        let full = rows.len() as i64 == limit && limit > 0;
        if let (Some(e), true) = (end, full || more_history) {
            out.end = Some(page_token(e));
        }
        if filter.lazy_load_members && !senders.is_empty() {
            let newest = rows.iter().max_by_key(|r| r.stream_ordering);
            let state = match newest.map(Self::pdu).transpose()? {
                // Backfilled history: its state is replayed by depth.
                Some(p) if p.stream < 0 => {
                    db::state_at_depth(&self.db, room_id, p.depth(), p.stream).await?
                }
                Some(p) => db::state_at(&self.db, room_id, p.stream).await?,
                None => db::state_at(&self.db, room_id, until).await?,
            };
            let mut members = Vec::new();
            for row in state {
                let p = Self::pdu(&row)?;
                if p.kind_str() == "m.room.member"
                    && p.state_key_str()
                        .is_some_and(|sk| senders.iter().any(|s| s == sk))
                {
                    members.push(p);
                }
            }
            out.state = self.format_events(room_id, &members, None).await?;
        }
        Ok(out)
    }

    /// GET /rooms/{roomId}/context/{eventId}: the event, `limit` events around it (half
    /// before), tokens on both sides and the state at the end.
    pub async fn context(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        event_id: &str,
        limit: i64,
    ) -> Result<Context, RoomError> {
        let (p, until) = self.visible_event(viewer, room_id, event_id).await?;
        let before_n = limit / 2;
        let after_n = limit - before_n;
        let (before, after) = tokio::try_join!(
            db::events_backwards(&self.db, room_id, i64::MIN, p.stream - 1, before_n),
            db::events_forwards(&self.db, room_id, p.stream, until, after_n),
        )?;
        let start = before
            .last()
            .map(|r| r.stream_ordering - 1)
            .unwrap_or(p.stream - 1);
        let end = after.last().map(|r| r.stream_ordering).unwrap_or(p.stream);
        let state = pdus(&db::state_at(&self.db, room_id, end).await?)?;
        let event = self
            .format_events(room_id, std::slice::from_ref(&p), viewer.pair())
            .await?
            .remove(0);
        Ok(Context {
            event,
            events_before: self
                .format_events(room_id, &pdus(&before)?, viewer.pair())
                .await?,
            events_after: self
                .format_events(room_id, &pdus(&after)?, viewer.pair())
                .await?,
            start: page_token(start),
            end: page_token(end),
            state: self.format_events(room_id, &state, None).await?,
        })
    }

    /// GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]; `page.limit` is
    /// at least 1.
    pub async fn relations(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        event_id: &str,
        rel_type: Option<&str>,
        kind: Option<&str>,
        page: Page,
    ) -> Result<RelationsPage, RoomError> {
        let (_, until) = self.visible_event(viewer, room_id, event_id).await?;
        let (from, to) = if page.backwards {
            (
                page.to.unwrap_or(i64::MIN),
                page.from.unwrap_or(until).min(until),
            )
        } else {
            (
                page.from.unwrap_or(i64::MIN),
                page.to.unwrap_or(until).min(until),
            )
        };
        let rows = db::relations(
            &self.db,
            room_id,
            event_id,
            rel_type,
            kind,
            from,
            to,
            page.limit,
            page.backwards,
        )
        .await?;
        let chunk = self
            .format_events(room_id, &pdus(&rows)?, viewer.pair())
            .await?;
        let next_batch = (rows.len() as i64 == page.limit).then(|| {
            let last = rows.last().map(|r| r.stream_ordering).unwrap_or(0);
            page_token(if page.backwards { last - 1 } else { last })
        });
        Ok(RelationsPage { chunk, next_batch })
    }

    /// GET /rooms/{roomId}/state: the state as the user may see it.
    pub async fn room_state(&self, user_id: &str, room_id: &str) -> Result<Vec<Value>, RoomError> {
        let until = self.visible_until(user_id, room_id).await?;
        let state = pdus(&db::state_at(&self.db, room_id, until).await?)?;
        self.format_events(room_id, &state, None).await
    }

    /// GET /rooms/{roomId}/state/{eventType}/{stateKey}: the content, or the whole event.
    pub async fn room_state_event(
        &self,
        user_id: &str,
        room_id: &str,
        kind: &str,
        state_key: &str,
        whole_event: bool,
    ) -> Result<Value, RoomError> {
        let until = self.visible_until(user_id, room_id).await?;
        for row in db::state_at(&self.db, room_id, until).await? {
            let p = Self::pdu(&row)?;
            if p.kind_str() == kind && p.state_key_str() == Some(state_key) {
                let mut v = self.format_events(room_id, &[p], None).await?.remove(0);
                return Ok(if whole_event { v } else { v["content"].take() });
            }
        }
        Err(not_found())
    }

    /// GET /rooms/{roomId}/members: member events at position `at` (at most what the user
    /// may see), filtered by membership.
    pub async fn room_members(
        &self,
        user_id: &str,
        room_id: &str,
        at: Option<i64>,
        membership: Option<&str>,
        not_membership: Option<&str>,
    ) -> Result<Vec<Value>, RoomError> {
        let until = match self.visible_until(user_id, room_id).await {
            // As Synapse: with `at`, the room's history visibility decides, and an invited
            // user may read the members of a room whose history is `shared` or `invited`
            // (Element Web asks before the invite is accepted).
            Err(RoomError::Forbidden(_))
                if at.is_some() && self.invite_may_read_members(user_id, room_id).await? =>
            {
                self.stream_position()
            }
            other => other?,
        };
        let at = at.map_or(until, |a| a.min(until));
        let mut members = Vec::new();
        for row in db::state_at(&self.db, room_id, at).await? {
            let p = Self::pdu(&row)?;
            if p.kind_str() != "m.room.member" {
                continue;
            }
            let m = p.membership().unwrap_or_default();
            if membership.is_some_and(|want| want != m) || not_membership == Some(m.as_str()) {
                continue;
            }
            members.push(p);
        }
        self.format_events(room_id, &members, None).await
    }

    /// Whether the user is invited to a room whose history visibility is `shared` or
    /// `invited`.
    async fn invite_may_read_members(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<bool, RoomError> {
        if !matches!(db::membership(&self.db, user_id, room_id).await?, Some((m, _)) if m == "invite")
        {
            return Ok(false);
        }
        let visibility = self
            .current_state_event(room_id, "m.room.history_visibility", "")
            .await?
            .map(|p| {
                p.content_value()["history_visibility"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .unwrap_or_else(|| "shared".to_owned());
        Ok(visibility == "shared" || visibility == "invited")
    }

    /// GET /rooms/{roomId}/joined_members: (user id, display name, avatar URL) of each.
    pub async fn joined_members(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, RoomError> {
        self.visible_until(user_id, room_id).await?;
        self.read_current_state(room_id, |_, state| super::rooms::joined_profiles(state))
            .await
    }

    /// GET /joined_rooms.
    pub async fn joined_rooms(&self, user_id: &str) -> Result<Vec<String>, RoomError> {
        Ok(db::memberships_of(&self.db, user_id)
            .await?
            .into_iter()
            .filter(|m| m.1 == "join")
            .map(|m| m.0)
            .collect())
    }

    /// A user's membership in a room and its position, if any.
    pub async fn membership_of(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Option<(String, i64)>, RoomError> {
        Ok(db::membership(&self.db, user_id, room_id).await?)
    }
}
