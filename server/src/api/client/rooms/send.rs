//! PUT /rooms/{roomId}/send/{eventType}/{txnId} and PUT /rooms/{roomId}/redact/{eventId}/{txnId}
//! — https://spec.matrix.org/v1.16/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
//! The same txnId from the same device on the same path gives the same event id; on another
//! path (another room, event type or redacted event) it is another request.

use axum::extract::State;
use ruma::api::client::message::send_message_event::v3 as send;
use ruma::api::client::redact::redact_event::v3 as redact;
use ruma::{OwnedEventId, OwnedRoomId};
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::ratelimit::Kind;
use crate::service::rooms::{NewEvent, Txn};

fn event_id(id: &str) -> Result<OwnedEventId, ApiError> {
    OwnedEventId::try_from(id).map_err(|_| ApiError::internal())
}

pub async fn send_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<send::Request>,
) -> Result<RumaResponse<send::Response>, ApiError> {
    let (room_id, event_type) = (req.room_id.as_str(), req.event_type.to_string());
    let txn = Txn {
        device_id: auth.device_id.clone(),
        scope: format!("send/{room_id}/{event_type}"),
        txn_id: req.txn_id.to_string(),
    };
    let checked_at = services.stream_position();
    if let Some(id) = services.txn_event(&auth.user_id, &txn).await? {
        return Ok(RumaResponse(send::Response::new(event_id(&id)?)));
    }
    let limit = services.config.rate_limits.message;
    services.limiter.peek(Kind::Message, &auth.user_id, limit)?;
    if event_type == "m.room.create" || event_type.is_empty() {
        return Err(ApiError::bad_json(
            "Cannot send this event type as a message",
        ));
    }
    let content: Value = serde_json::from_str(req.body.json().get())
        .map_err(|e| ApiError::bad_json(e.to_string()))?;
    let ev = NewEvent::message(&event_type, content);
    let pdu = services
        .append_checked(
            Some(room_id),
            None,
            &auth.user_id,
            ev,
            Some(&txn),
            Some(checked_at),
        )
        .await?;
    services.limiter.record(Kind::Message, &auth.user_id, limit);
    Ok(RumaResponse(send::Response::new(pdu.event_id.clone())))
}

pub async fn redact_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<redact::Request>,
) -> Result<RumaResponse<redact::Response>, ApiError> {
    let (room_id, event_id_str): (&OwnedRoomId, &str) = (&req.room_id, req.event_id.as_str());
    let room_id = room_id.as_str();
    let txn = Txn {
        device_id: auth.device_id.clone(),
        scope: format!("redact/{room_id}/{event_id_str}"),
        txn_id: req.txn_id.to_string(),
    };
    let checked_at = services.stream_position();
    if let Some(id) = services.txn_event(&auth.user_id, &txn).await? {
        return Ok(RumaResponse(redact::Response::new(event_id(&id)?)));
    }
    let limit = services.config.rate_limits.message;
    services.limiter.peek(Kind::Message, &auth.user_id, limit)?;
    let (_, rules) = services.room_rules(room_id).await?;
    let target = services.event_by_id(event_id_str).await?;
    if target
        .as_ref()
        .and_then(|t| t.room_id_str().map(String::from))
        .is_some_and(|r| r != room_id)
    {
        return Err(ApiError::not_found("Event not found"));
    }
    let mut content = json!({});
    if let Some(r) = &req.reason {
        content["reason"] = json!(r);
    }
    if rules.redaction.content_field_redacts {
        content["redacts"] = json!(event_id_str);
    }
    // A user may always redact their own events; others need the redact power level, which
    // the room version's auth rules (v1–v2) or this check (v3+) enforce.
    if let Some(t) = &target
        && t.sender_str() != auth.user_id
        && !services
            .has_power(room_id, &auth.user_id, "redact", None)
            .await?
    {
        return Err(ApiError::forbidden(
            "You don't have permission to redact events",
        ));
    }
    let ev = NewEvent {
        kind: "m.room.redaction".into(),
        state_key: None,
        content,
        redacts: Some(event_id_str.to_string()),
    };
    let pdu = services
        .append_checked(
            Some(room_id),
            None,
            &auth.user_id,
            ev,
            Some(&txn),
            Some(checked_at),
        )
        .await?;
    services.limiter.record(Kind::Message, &auth.user_id, limit);
    Ok(RumaResponse(redact::Response::new(pdu.event_id.clone())))
}
