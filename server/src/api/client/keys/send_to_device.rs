//! PUT /_matrix/client/*/sendToDevice/{eventType}/{txnId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn put_send_to_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((event_type, txn_id)): Params<(String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    s.send_to_device(&auth.user_id, &auth.device_id, &event_type, &txn_id, &body)
        .await?;
    Ok(Json(json!({})))
}
