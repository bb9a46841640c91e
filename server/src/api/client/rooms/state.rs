//! Room state — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3roomsroomidstate
//! GET /rooms/{roomId}/state, GET and PUT /rooms/{roomId}/state/{eventType}/{stateKey} (and
//! with an empty state key, `/state/{eventType}` and `/state/{eventType}/`).

use axum::extract::State;
use ruma::OwnedEventId;
use ruma::api::client::state::{get_state_event_for_key, get_state_events, send_state_event};
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, raws};
use crate::service::SharedServices;
use crate::service::rooms::NewEvent;

pub async fn get_state_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_state_events::v3::Request>,
) -> Result<RumaResponse<get_state_events::v3::Response>, ApiError> {
    let state = services
        .room_state(&auth.user_id, req.room_id.as_str())
        .await?;
    Ok(RumaResponse(get_state_events::v3::Response::new(raws(
        &state,
    ))))
}

pub async fn get_state_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_state_event_for_key::v3::Request>,
) -> Result<RumaResponse<get_state_event_for_key::v3::Response>, ApiError> {
    let whole_event = req.format == get_state_event_for_key::v3::StateEventFormat::Event;
    let v = services
        .room_state_event(
            &auth.user_id,
            req.room_id.as_str(),
            &req.event_type.to_string(),
            &req.state_key,
            whole_event,
        )
        .await?;
    let raw = serde_json::value::to_raw_value(&v).map_err(|_| ApiError::internal())?;
    Ok(RumaResponse(get_state_event_for_key::v3::Response::new(
        raw,
    )))
}

async fn put_one(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
    state_key: &str,
    content: Value,
) -> Result<OwnedEventId, ApiError> {
    if kind == "m.room.create" {
        return Err(ApiError::bad_json(
            "Cannot send a create event into an existing room",
        ));
    }
    if kind == "m.room.member" {
        // Membership goes through the same rules as the membership endpoints.
        let membership = content
            .get("membership")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_json("membership is required"))?;
        let pdu = if membership == "join" && state_key == user_id {
            services
                .append(
                    Some(room_id),
                    None,
                    user_id,
                    NewEvent::state(kind, state_key, content.clone()),
                    None,
                )
                .await?
        } else {
            services
                .set_membership(
                    room_id,
                    user_id,
                    state_key,
                    membership,
                    content.get("reason").and_then(Value::as_str),
                    Some(content.clone()),
                )
                .await?
        };
        return Ok(pdu.event_id.clone());
    }
    services.check_message_limit(user_id)?;
    let pdu = services
        .append(
            Some(room_id),
            None,
            user_id,
            NewEvent::state(kind, state_key, content),
            None,
        )
        .await?;
    services.count_message(user_id);
    Ok(pdu.event_id.clone())
}

pub async fn put_state_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<send_state_event::v3::Request>,
) -> Result<RumaResponse<send_state_event::v3::Response>, ApiError> {
    let content: Value = serde_json::from_str(req.body.json().get())
        .map_err(|e| ApiError::bad_json(e.to_string()))?;
    let event_id = put_one(
        &services,
        &auth.user_id,
        req.room_id.as_str(),
        &req.event_type.to_string(),
        &req.state_key,
        content,
    )
    .await?;
    Ok(RumaResponse(send_state_event::v3::Response::new(event_id)))
}
