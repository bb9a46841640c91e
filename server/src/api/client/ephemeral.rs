//! Typing, receipts and read markers.
//! PUT /rooms/{roomId}/typing/{userId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3roomsroomidtypinguserid
//! POST /rooms/{roomId}/receipt/{receiptType}/{eventId} — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidreceiptreceipttypeeventid
//! POST /rooms/{roomId}/read_markers — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidread_markers

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params};
use crate::service::SharedServices;

async fn require_joined(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
) -> Result<(), ApiError> {
    match services.membership_of(user_id, room_id).await? {
        Some((m, _)) if m == "join" => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "User {user_id} not in room {room_id}"
        ))),
    }
}

pub async fn typing_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, user_id)): Params<(String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden(
            "Cannot set another user's typing state",
        ));
    }
    require_joined(&services, &user_id, &room_id).await?;
    let typing = body
        .get("typing")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::bad_json("typing must be a boolean"))?;
    let timeout = match body.get("timeout") {
        None | Some(Value::Null) => 30_000,
        Some(t) => t
            .as_u64()
            .ok_or_else(|| ApiError::bad_json("timeout must be a non-negative integer"))?,
    };
    if services
        .typing
        .set(&room_id, &user_id, typing, Duration::from_millis(timeout))
    {
        services.streams.poke();
        // Wake syncs again when this typing notice expires.
        if typing {
            let s = services.clone();
            tokio::spawn(async move {
                tokio::time::sleep(
                    Duration::from_millis(timeout.min(120_000)) + Duration::from_millis(50),
                )
                .await;
                if s.typing.expire() {
                    s.streams.poke();
                }
            });
        }
    }
    Ok(Json(json!({})))
}

const RECEIPT_TYPES: &[&str] = &["m.read", "m.read.private", "m.fully_read"];

pub async fn receipt_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, rtype, event_id)): Params<(String, String, String)>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    if !RECEIPT_TYPES.contains(&rtype.as_str()) {
        return Err(ApiError::invalid_param(format!(
            "Receipt type must be one of {}",
            RECEIPT_TYPES.join(", ")
        )));
    }
    require_joined(&services, &auth.user_id, &room_id).await?;
    let thread = match body.get("thread_id") {
        None | Some(Value::Null) => "",
        Some(Value::String(t)) if !t.is_empty() => t.as_str(),
        Some(_) => {
            return Err(ApiError::invalid_param(
                "thread_id must be a non-empty string",
            ));
        }
    };
    services
        .set_receipt(&auth.user_id, &room_id, &rtype, &event_id, thread)
        .await?;
    Ok(Json(json!({})))
}

pub async fn read_markers_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    require_joined(&services, &auth.user_id, &room_id).await?;
    for (key, rtype) in [
        ("m.fully_read", "m.fully_read"),
        ("m.read", "m.read"),
        ("m.read.private", "m.read.private"),
    ] {
        if let Some(event_id) = body.get(key).and_then(Value::as_str) {
            services
                .set_receipt(&auth.user_id, &room_id, rtype, event_id, "")
                .await?;
        }
    }
    Ok(Json(json!({})))
}
