//! What clients send into a room with a transaction id — messages and redactions — and the
//! rate limit on them: a transaction already used on the same path answers with its event,
//! and rc_message counts only what was accepted, as in Synapse.

use serde_json::{Value, json};

use super::{NewEvent, Pdu, RoomError, Txn};
use crate::service::Services;
use crate::service::ratelimit::Kind;

/// A client's message-like event.
pub enum ClientEvent {
    Message {
        kind: String,
        content: Value,
    },
    Redaction {
        event_id: String,
        reason: Option<String>,
    },
}

impl ClientEvent {
    /// The request path up to the transaction id, which scopes it (the spec).
    fn scope(&self, room_id: &str) -> String {
        match self {
            ClientEvent::Message { kind, .. } => format!("send/{room_id}/{kind}"),
            ClientEvent::Redaction { event_id, .. } => format!("redact/{room_id}/{event_id}"),
        }
    }
}

impl Services {
    /// Refuses `user_id` when rc_message has no room for one more event (counts nothing).
    pub fn check_message_limit(&self, user_id: &str) -> Result<(), RoomError> {
        let limit = self.config.rate_limits.message;
        self.limiter
            .peek(Kind::Message, user_id, limit)
            .map_err(|r| RoomError::RateLimited(r.0))
    }

    /// Counts an accepted event against rc_message.
    pub fn count_message(&self, user_id: &str) {
        let limit = self.config.rate_limits.message;
        self.limiter.record(Kind::Message, user_id, limit);
    }

    /// Sends a message or redaction under a transaction id; the event id.
    pub async fn send_client_event(
        &self,
        user_id: &str,
        device_id: &str,
        room_id: &str,
        txn_id: &str,
        event: ClientEvent,
    ) -> Result<String, RoomError> {
        let txn = Txn {
            device_id: device_id.to_string(),
            scope: event.scope(room_id),
            txn_id: txn_id.to_string(),
        };
        let checked_at = self.stream_position();
        if let Some(id) = self.txn_event(user_id, &txn).await? {
            return Ok(id);
        }
        self.check_message_limit(user_id)?;
        let new = match event {
            ClientEvent::Message { kind, content } => {
                if kind == "m.room.create" || kind.is_empty() {
                    return Err(RoomError::BadEvent(
                        "Cannot send this event type as a message".into(),
                    ));
                }
                NewEvent::message(&kind, content)
            }
            ClientEvent::Redaction { event_id, reason } => {
                self.redaction(user_id, room_id, event_id, reason).await?
            }
        };
        let pdu: Pdu = self
            .append_checked(
                Some(room_id),
                None,
                user_id,
                new,
                Some(&txn),
                Some(checked_at),
            )
            .await?;
        self.count_message(user_id);
        Ok(pdu.event_id.to_string())
    }

    /// The redaction event `user_id` may send for `event_id`: a user may always redact their
    /// own events; others need the redact power level, which the room version's auth rules
    /// (v1–v2) or this check (v3+) enforce.
    async fn redaction(
        &self,
        user_id: &str,
        room_id: &str,
        event_id: String,
        reason: Option<String>,
    ) -> Result<NewEvent, RoomError> {
        let (_, rules) = self.room_rules(room_id).await?;
        let target = self.event_by_id(&event_id).await?;
        if let Some(t) = &target {
            if t.room_id_str() != Some(room_id) {
                return Err(RoomError::NotFound("Event not found".into()));
            }
            if t.sender_str() != user_id
                && !self.has_power(room_id, user_id, "redact", None).await?
            {
                return Err(RoomError::Forbidden(
                    "You don't have permission to redact events".into(),
                ));
            }
        }
        let mut content = json!({});
        if let Some(r) = reason {
            content["reason"] = json!(r);
        }
        if rules.redaction.content_field_redacts {
            content["redacts"] = json!(event_id);
        }
        Ok(NewEvent {
            kind: "m.room.redaction".into(),
            state_key: None,
            content,
            redacts: Some(event_id),
        })
    }
}
