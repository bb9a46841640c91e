//! PUT /_matrix/client/*/sendToDevice/{eventType}/{txnId} — https://spec.matrix.org/v1.16/client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid

use axum::extract::State;
use ruma::api::client::to_device::send_event_to_device::v3 as send_event_to_device;
use serde_json::json;

use super::to_json;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn put_send_to_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<send_event_to_device::Request>,
) -> Result<RumaResponse<send_event_to_device::Response>, ApiError> {
    let body = json!({ "messages": to_json(&req.messages)? });
    s.send_to_device(
        &auth.user_id,
        &auth.device_id,
        &req.event_type.to_string(),
        req.txn_id.as_str(),
        &body,
    )
    .await?;
    Ok(RumaResponse(send_event_to_device::Response::new()))
}
