//! Room state — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3roomsroomidstate
//! GET /rooms/{roomId}/state, GET and PUT /rooms/{roomId}/state/{eventType}/{stateKey}.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::membership::visible_until;
use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params, QueryMap};
use crate::service::rooms::NewEvent;
use crate::service::{Services, SharedServices};
use crate::store::rooms as db;

pub async fn get_state_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(&services, &auth.user_id, &room_id).await?;
    let rows = db::state_at(&services.db, &room_id, until).await?;
    let pdus = rows
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Value::Array(
        services.format_events(&room_id, &pdus, None).await?,
    )))
}

async fn get_one(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
    state_key: &str,
    q: &QueryMap,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(services, user_id, room_id).await?;
    let rows = db::state_at(&services.db, room_id, until).await?;
    for row in &rows {
        let p = Services::pdu(row)?;
        if p.kind_str() == kind && p.state_key_str() == Some(state_key) {
            if q.0.get("format").map(String::as_str) == Some("event") {
                let mut v = services.format_events(room_id, &[p], None).await?;
                return Ok(Json(v.remove(0)));
            }
            let redacted = p.redacted_by.is_some();
            let formatted = services.format_events(room_id, &[p], None).await?;
            let content = if redacted {
                formatted[0]["content"].clone()
            } else {
                formatted[0]["content"].clone()
            };
            return Ok(Json(content));
        }
    }
    Err(ApiError::not_found("Event not found."))
}

pub async fn get_state_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, kind, state_key)): Params<(String, String, String)>,
    q: QueryMap,
) -> Result<Json<Value>, ApiError> {
    get_one(&services, &auth.user_id, &room_id, &kind, &state_key, &q).await
}

pub async fn get_state_event_empty_key_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, kind)): Params<(String, String)>,
    q: QueryMap,
) -> Result<Json<Value>, ApiError> {
    get_one(&services, &auth.user_id, &room_id, &kind, "", &q).await
}

async fn put_one(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
    state_key: &str,
    content: Value,
) -> Result<Json<Value>, ApiError> {
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
        return Ok(Json(json!({ "event_id": pdu.event_id.as_str() })));
    }
    services.limiter.check(
        crate::service::ratelimit::Kind::Message,
        user_id,
        services.config.rate_limits.message,
    )?;
    let pdu = services
        .append(
            Some(room_id),
            None,
            user_id,
            NewEvent::state(kind, state_key, content),
            None,
        )
        .await?;
    Ok(Json(json!({ "event_id": pdu.event_id.as_str() })))
}

pub async fn put_state_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, kind, state_key)): Params<(String, String, String)>,
    MatrixJson(content): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    put_one(
        &services,
        &auth.user_id,
        &room_id,
        &kind,
        &state_key,
        content,
    )
    .await
}

pub async fn put_state_event_empty_key_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, kind)): Params<(String, String)>,
    MatrixJson(content): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    put_one(&services, &auth.user_id, &room_id, &kind, "", content).await
}
