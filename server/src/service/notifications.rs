//! The notifications list (`GET /notifications`): the events a user's push rules notify them
//! about, newest first, across the rooms they are joined to, each with its actions and whether
//! the user has read it. Push actions are not stored: events are evaluated as they are read,
//! at most `MAX_SCANNED` per request; a page that stops there carries a token to read on.

use std::collections::HashMap;

use ruma::push::{Action, PushConditionRoomCtx};
use serde_json::Value;

use super::Services;
use super::rooms::RoomError;
use crate::store::{rooms as db, userdata};

/// Events evaluated per request at most (a user in quiet rooms still gets a prompt answer).
const MAX_SCANNED: usize = 2000;
/// Events read per query.
const PAGE: usize = 200;

/// One notification.
pub struct Notification {
    pub actions: Vec<Action>,
    /// The event as clients see it.
    pub event: Value,
    pub read: bool,
    pub room_id: String,
    pub ts: i64,
}

pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// The position to read on from, when there may be more.
    pub next: Option<i64>,
}

impl Services {
    /// Up to `limit` notifications before position `from` (newest first); only highlights
    /// when `only_highlight`.
    pub async fn notifications(
        &self,
        user_id: &str,
        from: Option<i64>,
        limit: usize,
        only_highlight: bool,
    ) -> Result<NotificationPage, RoomError> {
        let mut before = from
            .unwrap_or(i64::MAX)
            .min(self.streams.current().saturating_add(1));
        let ruleset = self.parsed_push_rules(user_id).await?;
        let mut rooms: HashMap<String, (Option<PushConditionRoomCtx>, i64)> = HashMap::new();
        let mut out = Vec::new();
        let mut scanned = 0;
        loop {
            let rows = db::notifiable_events(&self.db, user_id, before, PAGE as i64).await?;
            for row in &rows {
                scanned += 1;
                before = row.stream_ordering;
                if !rooms.contains_key(&row.room_id) {
                    let ctx = self.push_context(&row.room_id, user_id).await?;
                    let read = userdata::read_position(&self.db, &row.room_id, user_id)
                        .await?
                        .unwrap_or(0);
                    rooms.insert(row.room_id.clone(), (ctx, read));
                }
                let (Some(ctx), read) = &rooms[&row.room_id] else {
                    continue;
                };
                let pdu = Self::pdu(row)?;
                let event = self
                    .format_events(&row.room_id, std::slice::from_ref(&pdu), None)
                    .await?
                    .remove(0);
                let Ok(raw) = ruma::serde::Raw::new(&event) else {
                    continue;
                };
                let actions = ruleset.get_actions(&raw, ctx).await.to_vec();
                let notify = actions.iter().any(Action::should_notify);
                let highlight = actions.iter().any(Action::is_highlight);
                if !notify || (only_highlight && !highlight) {
                    continue;
                }
                out.push(Notification {
                    actions,
                    event,
                    read: row.stream_ordering <= *read,
                    room_id: row.room_id.clone(),
                    ts: pdu.ts(),
                });
                if out.len() >= limit {
                    return Ok(NotificationPage {
                        notifications: out,
                        next: Some(before),
                    });
                }
            }
            if rows.len() < PAGE {
                return Ok(NotificationPage {
                    notifications: out,
                    next: None,
                });
            }
            if scanned >= MAX_SCANNED {
                return Ok(NotificationPage {
                    notifications: out,
                    next: Some(before),
                });
            }
        }
    }

    /// What push rules need to know about a room for one user (member count, display name);
    /// `None` for ids ruma cannot parse.
    pub async fn push_context(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Option<PushConditionRoomCtx>, RoomError> {
        let (Ok(rid), Ok(uid)) = (ruma::RoomId::parse(room_id), ruma::UserId::parse(user_id))
        else {
            return Ok(None);
        };
        let (members, name) = self.member_context(room_id, user_id).await?;
        let display_name = name.unwrap_or_else(|| uid.localpart().to_string());
        Ok(Some(PushConditionRoomCtx::new(
            rid,
            members.into(),
            uid,
            display_name,
        )))
    }
}
