//! Room state — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3roomsroomidstate
//! GET /rooms/{roomId}/state, GET and PUT /rooms/{roomId}/state/{eventType}/{stateKey}.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params, QueryMap};
use crate::service::SharedServices;
use crate::service::rooms::NewEvent;

pub async fn get_state_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(Value::Array(
        services.room_state(&auth.user_id, &room_id).await?,
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
    let whole_event = q.0.get("format").map(String::as_str) == Some("event");
    Ok(Json(
        services
            .room_state_event(user_id, room_id, kind, state_key, whole_event)
            .await?,
    ))
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
    let (kind_limit, limit) = (
        crate::service::ratelimit::Kind::Message,
        services.config.rate_limits.message,
    );
    services.limiter.peek(kind_limit, user_id, limit)?;
    let pdu = services
        .append(
            Some(room_id),
            None,
            user_id,
            NewEvent::state(kind, state_key, content),
            None,
        )
        .await?;
    services.limiter.record(kind_limit, user_id, limit);
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
