//! Reports users file about events, rooms and users (https://spec.matrix.org/v1.16/client-server-api/#reporting-content),
//! kept for the server's administrators, and the Synapse admin API's event reports. As
//! Synapse: an event report needs an event the reporter may see (else 404), a room report a
//! room we know; a user report about another server's user or one that does not exist is
//! accepted and dropped, so it reveals nothing; user reports within rc_reports per reporter.

use serde_json::{Value, json};

use super::Services;
use super::ratelimit::Kind;
use super::rooms::RoomError;
use super::timeline::Viewer;
use crate::store::reports::{self as db, EventReportRow};
use crate::store::{accounts, now_ms, rooms};

/// The longest reason a user report may give (Synapse's limit).
const MAX_USER_REPORT_REASON: usize = 1000;

/// Which event reports the admin API lists.
pub struct EventReportQuery<'a> {
    pub from: i64,
    pub limit: i64,
    pub oldest_first: bool,
    pub user_id: Option<&'a str>,
    pub room_id: Option<&'a str>,
    pub event_sender_user_id: Option<&'a str>,
}

impl Services {
    fn report_limit(&self, user_id: &str) -> Result<(), RoomError> {
        self.limiter
            .check(Kind::Report, user_id, self.config.rate_limits.reports)
            .map_err(|r| RoomError::RateLimited(r.0))
    }

    /// POST /rooms/{roomId}/report/{eventId}.
    pub async fn report_event(
        &self,
        viewer: Viewer<'_>,
        room_id: &str,
        event_id: &str,
        reason: Option<&str>,
    ) -> Result<(), RoomError> {
        let not_found = || {
            RoomError::NotFound(
                "Unable to report event: it does not exist or you aren't able to see it.".into(),
            )
        };
        match self.visible_event(viewer, room_id, event_id).await {
            Ok(_) => {}
            Err(RoomError::NotFound(_) | RoomError::Forbidden(_)) => return Err(not_found()),
            Err(e) => return Err(e),
        }
        let mut content = json!({});
        if let Some(r) = reason {
            content["reason"] = json!(r);
        }
        db::add_event_report(
            &self.db,
            room_id,
            event_id,
            viewer.user_id,
            reason,
            &content.to_string(),
            now_ms(),
        )
        .await?;
        Ok(())
    }

    /// POST /rooms/{roomId}/report.
    pub async fn report_room(
        &self,
        user_id: &str,
        room_id: &str,
        reason: &str,
    ) -> Result<(), RoomError> {
        if rooms::room_version(&self.db, room_id).await?.is_none() {
            return Err(RoomError::NotFound("Room does not exist".into()));
        }
        db::add_room_report(&self.db, room_id, user_id, reason, now_ms()).await?;
        Ok(())
    }

    /// POST /users/{userId}/report.
    pub async fn report_user(
        &self,
        user_id: &str,
        target: &ruma::UserId,
        reason: &str,
    ) -> Result<(), RoomError> {
        self.report_limit(user_id)?;
        if reason.chars().count() > MAX_USER_REPORT_REASON {
            return Err(RoomError::BadEvent(
                "Reason must be less than 1000 characters".into(),
            ));
        }
        if !self.is_ours(target.server_name())
            || accounts::get_user(&self.db, target.as_str())
                .await?
                .is_none()
        {
            return Ok(());
        }
        db::add_user_report(&self.db, target.as_str(), user_id, reason, now_ms()).await?;
        Ok(())
    }

    /// GET /_synapse/admin/v1/event_reports: a page of reports and how many match in all.
    pub async fn admin_event_reports(
        &self,
        q: EventReportQuery<'_>,
    ) -> Result<(Vec<Value>, i64), RoomError> {
        let (rows, total) = db::event_reports(
            &self.db,
            q.from,
            q.limit,
            q.oldest_first,
            [q.user_id, q.room_id, q.event_sender_user_id],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.event_report_json(row, false).await?);
        }
        Ok((out, total))
    }

    /// GET /_synapse/admin/v1/event_reports/{id}: one report with the reported event.
    pub async fn admin_event_report(&self, id: i64) -> Result<Option<Value>, RoomError> {
        match db::event_report(&self.db, id).await? {
            Some(row) => Ok(Some(self.event_report_json(row, true).await?)),
            None => Ok(None),
        }
    }

    /// DELETE /_synapse/admin/v1/event_reports/{id}: whether there was one.
    pub async fn admin_delete_event_report(&self, id: i64) -> Result<bool, RoomError> {
        Ok(db::delete_event_report(&self.db, id).await?)
    }

    /// A report in Synapse's admin shape: the room's name and alias, and with `detail` the
    /// reason, score and the reported event itself.
    async fn event_report_json(
        &self,
        (id, ts, room_id, event_id, user_id, reason, content, sender): EventReportRow,
        detail: bool,
    ) -> Result<Value, RoomError> {
        let text = |kind: &'static str, field: &'static str| {
            let room_id = room_id.clone();
            async move {
                Ok::<_, RoomError>(
                    self.current_state_event(&room_id, kind, "")
                        .await?
                        .and_then(|p| p.content_value()[field].as_str().map(String::from)),
                )
            }
        };
        let name = text("m.room.name", "name").await?;
        let alias = text("m.room.canonical_alias", "alias").await?;
        let mut out = json!({
            "id": id,
            "received_ts": ts,
            "room_id": room_id,
            "name": name,
            "event_id": event_id,
            "user_id": user_id,
            "reason": reason,
            "sender": sender,
            "canonical_alias": alias,
        });
        if detail {
            let content: Value = serde_json::from_str(&content).unwrap_or_else(|_| json!({}));
            out["score"] = content.get("score").cloned().unwrap_or(Value::Null);
            out["event_json"] = match self.event_by_id(&event_id).await? {
                Some(p) => Value::Object(p.federation_format()),
                None => Value::Null,
            };
        }
        Ok(out)
    }
}
