//! PUT /rooms/{roomId}/send/{eventType}/{txnId} and PUT /rooms/{roomId}/redact/{eventId}/{txnId}
//! — https://spec.matrix.org/v1.16/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
//! The same txnId from the same device on the same path gives the same event id; on another
//! path (another room, event type or redacted event) it is another request.

use axum::extract::State;
use ruma::OwnedEventId;
use ruma::api::client::message::send_message_event::v3 as send;
use ruma::api::client::redact::redact_event::v3 as redact;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::rooms::send::ClientEvent;

fn event_id(id: &str) -> Result<OwnedEventId, ApiError> {
    OwnedEventId::try_from(id).map_err(|_| ApiError::internal())
}

pub async fn send_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<send::Request>,
) -> Result<RumaResponse<send::Response>, ApiError> {
    let content: Value = serde_json::from_str(req.body.json().get())
        .map_err(|e| ApiError::bad_json(e.to_string()))?;
    let event = ClientEvent::Message {
        kind: req.event_type.to_string(),
        content,
    };
    let id = services
        .send_client_event(
            &auth.user_id,
            &auth.device_id,
            req.room_id.as_str(),
            req.txn_id.as_str(),
            event,
        )
        .await?;
    Ok(RumaResponse(send::Response::new(event_id(&id)?)))
}

pub async fn redact_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<redact::Request>,
) -> Result<RumaResponse<redact::Response>, ApiError> {
    let event = ClientEvent::Redaction {
        event_id: req.event_id.to_string(),
        reason: req.reason,
    };
    let id = services
        .send_client_event(
            &auth.user_id,
            &auth.device_id,
            req.room_id.as_str(),
            req.txn_id.as_str(),
            event,
        )
        .await?;
    Ok(RumaResponse(redact::Response::new(event_id(&id)?)))
}
