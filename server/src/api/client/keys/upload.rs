//! POST /_matrix/client/*/keys/upload — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysupload

use axum::extract::State;
use ruma::api::client::keys::upload_keys::v3 as upload_keys;
use serde_json::{Map, Value};

use super::{from_json, to_json};
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn post_keys_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<upload_keys::Request>,
) -> Result<RumaResponse<upload_keys::Response>, ApiError> {
    // The service checks the keys themselves (user and device named, fields present).
    let mut body = Map::new();
    if let Some(device_keys) = &req.device_keys {
        body.insert("device_keys".into(), to_json(device_keys)?);
    }
    if !req.one_time_keys.is_empty() {
        body.insert("one_time_keys".into(), to_json(&req.one_time_keys)?);
    }
    if !req.fallback_keys.is_empty() {
        body.insert("fallback_keys".into(), to_json(&req.fallback_keys)?);
    }
    let res = s
        .upload_keys(&auth.user_id, &auth.device_id, &Value::Object(body))
        .await?;
    Ok(RumaResponse(upload_keys::Response::new(from_json(
        &res["one_time_key_counts"],
    )?)))
}
