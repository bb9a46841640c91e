//! PUT /rooms/{roomId}/send/{eventType}/{txnId} and PUT /rooms/{roomId}/redact/{eventId}/{txnId}
//! — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
//! The same txnId from the same device gives the same event id.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params};
use crate::service::SharedServices;
use crate::service::ratelimit::Kind;
use crate::service::rooms::NewEvent;
use crate::store::rooms as db;

pub async fn send_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_type, txn_id)): Params<(String, String, String)>,
    MatrixJson(content): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let checked_at = services.stream_position();
    if let Some(id) = db::txn_event(&services.db, &auth.user_id, &auth.device_id, &txn_id).await? {
        return Ok(Json(json!({ "event_id": id })));
    }
    services.limiter.check(
        Kind::Message,
        &auth.user_id,
        services.config.rate_limits.message,
    )?;
    if event_type == "m.room.create" || event_type.is_empty() {
        return Err(ApiError::bad_json(
            "Cannot send this event type as a message",
        ));
    }
    let ev = NewEvent::message(&event_type, content);
    let pdu = services
        .append_checked(
            Some(&room_id),
            None,
            &auth.user_id,
            ev,
            Some((&auth.device_id, &txn_id)),
            Some(checked_at),
        )
        .await?;
    Ok(Json(json!({ "event_id": pdu.event_id.as_str() })))
}

pub async fn redact_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id, txn_id)): Params<(String, String, String)>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    let checked_at = services.stream_position();
    if let Some(id) = db::txn_event(&services.db, &auth.user_id, &auth.device_id, &txn_id).await? {
        return Ok(Json(json!({ "event_id": id })));
    }
    services.limiter.check(
        Kind::Message,
        &auth.user_id,
        services.config.rate_limits.message,
    )?;
    let (_, rules) = services.room_rules(&room_id).await?;
    let target = services.event_by_id(&event_id).await?;
    if target
        .as_ref()
        .and_then(|t| t.room_id_str().map(String::from))
        .is_some_and(|r| r != room_id)
    {
        return Err(ApiError::not_found("Event not found"));
    }
    let mut content = json!({});
    if let Some(r) = body.get("reason") {
        content["reason"] = r.clone();
    }
    if rules.redaction.content_field_redacts {
        content["redacts"] = json!(event_id);
    }
    // A user may always redact their own events; others need the redact power level, which
    // the room version's auth rules (v1–v2) or this check (v3+) enforce.
    if let Some(t) = &target {
        if t.sender_str() != auth.user_id
            && !can_redact_others(&services, &room_id, &auth.user_id).await?
        {
            return Err(ApiError::forbidden(
                "You don't have permission to redact events",
            ));
        }
    }
    let ev = NewEvent {
        kind: "m.room.redaction".into(),
        state_key: None,
        content,
        redacts: Some(event_id),
    };
    let pdu = services
        .append_checked(
            Some(&room_id),
            None,
            &auth.user_id,
            ev,
            Some((&auth.device_id, &txn_id)),
            Some(checked_at),
        )
        .await?;
    Ok(Json(json!({ "event_id": pdu.event_id.as_str() })))
}

async fn can_redact_others(
    services: &SharedServices,
    room_id: &str,
    user_id: &str,
) -> Result<bool, ApiError> {
    Ok(services.has_power(room_id, user_id, "redact", None).await?)
}
