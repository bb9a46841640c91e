//! GET /_matrix/client/*/devices — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3devices

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;
use crate::service::accounts::DeviceRow;

/// A device as Synapse shows it; we do not track the last IP and time seen (null, as Synapse
/// shows a device it has no connection record for).
pub fn device_json(user_id: &str, d: &DeviceRow) -> Value {
    json!({
        "user_id": user_id,
        "device_id": d.device_id,
        "display_name": d.display_name,
        "last_seen_ip": null,
        "last_seen_ts": null,
    })
}

pub async fn get_devices_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let devices = s.devices_of(&auth.user_id).await?;
    Ok(Json(
        json!({"devices": devices.iter().map(|d| device_json(&auth.user_id, d)).collect::<Vec<_>>()}),
    ))
}
