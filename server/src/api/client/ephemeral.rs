//! Typing, receipts and read markers.
//! PUT /rooms/{roomId}/typing/{userId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3roomsroomidtypinguserid
//! POST /rooms/{roomId}/receipt/{receiptType}/{eventId} — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidreceiptreceipttypeeventid
//! POST /rooms/{roomId}/read_markers — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidread_markers

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use ruma::api::client::read_marker::set_read_marker;
use ruma::api::client::receipt::create_receipt;
use ruma::events::receipt::ReceiptThread;

use crate::api::extract::{Auth, MatrixJson, Params, Ruma, RumaResponse};
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
    Ruma(req): Ruma<create_receipt::v3::Request>,
) -> Result<RumaResponse<create_receipt::v3::Response>, ApiError> {
    let rtype = req.receipt_type.to_string();
    if !RECEIPT_TYPES.contains(&rtype.as_str()) {
        return Err(ApiError::invalid_param(format!(
            "Receipt type must be one of {}",
            RECEIPT_TYPES.join(", ")
        )));
    }
    let room_id = req.room_id.as_str();
    require_joined(&services, &auth.user_id, room_id).await?;
    let thread = match &req.thread {
        ReceiptThread::Unthreaded => String::new(),
        ReceiptThread::Main => "main".to_string(),
        ReceiptThread::Thread(id) => id.to_string(),
        other => {
            return Err(ApiError::invalid_param(format!(
                "thread_id must be \"main\" or an event id, not {:?}",
                other.as_str()
            )));
        }
    };
    services
        .set_receipt(
            &auth.user_id,
            room_id,
            &rtype,
            req.event_id.as_str(),
            &thread,
        )
        .await?;
    Ok(RumaResponse(create_receipt::v3::Response::new()))
}

pub async fn read_markers_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_read_marker::v3::Request>,
) -> Result<RumaResponse<set_read_marker::v3::Response>, ApiError> {
    let room_id = req.room_id.as_str();
    require_joined(&services, &auth.user_id, room_id).await?;
    for (rtype, event_id) in [
        ("m.fully_read", &req.fully_read),
        ("m.read", &req.read_receipt),
        ("m.read.private", &req.private_read_receipt),
    ] {
        if let Some(event_id) = event_id {
            services
                .set_receipt(&auth.user_id, room_id, rtype, event_id.as_str(), "")
                .await?;
        }
    }
    Ok(RumaResponse(set_read_marker::v3::Response::new()))
}
