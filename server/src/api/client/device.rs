//! GET, PUT and DELETE /_matrix/client/*/devices/{deviceId} — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3devicesdeviceid
//! DELETE is behind user-interactive auth with the password.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::devices::device_json;
use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

/// Synapse's `MAX_DEVICE_DISPLAY_NAME_LEN`.
const MAX_DISPLAY_NAME_LEN: usize = 100;

pub async fn get_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(device_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let device = s
        .device(&auth.user_id, &device_id)
        .await?
        .ok_or_else(|| ApiError::not_found("No device found"))?;
    Ok(Json(device_json(&auth.user_id, &device)))
}

pub async fn put_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(device_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let name = match body.get("display_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => Some(n.as_str()),
        Some(_) => return Err(ApiError::bad_json("display_name must be a string")),
    };
    if name.is_some_and(|n| n.chars().count() > MAX_DISPLAY_NAME_LEN) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_TOO_LARGE",
            format!("Device display name is too long (max {MAX_DISPLAY_NAME_LEN})"),
        ));
    }
    if !s.rename_device(&auth.user_id, &device_id, name).await? {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(Json(json!({})))
}

pub async fn delete_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(device_id): Params<String>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, UiaReject> {
    // Bound to this device's path: a session started to delete one device cannot delete another.
    let endpoint = format!("DELETE /devices/{device_id}");
    let req = UiaRequest {
        endpoint: &endpoint,
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    s.user_interactive_auth(req).await?;
    s.delete_devices(&auth.user_id, std::slice::from_ref(&device_id))
        .await?;
    s.e2ee_devices_deleted(&auth.user_id, &[device_id]).await?;
    Ok(Json(json!({})))
}
