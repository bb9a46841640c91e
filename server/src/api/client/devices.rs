//! GET /_matrix/client/*/devices — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3devices
//!
//! Ruma's request, our own response: Synapse's device carries `user_id` and writes the fields
//! it has no value for as `null` (ruma's `Device` has no `user_id` and leaves them out).

use axum::extract::State;
use ruma::api::client::device::get_devices::v3::Request;
use serde::Serialize;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;
use crate::service::accounts::DeviceRow;

/// A device as Synapse shows it; we do not track the last IP and time seen (null, as Synapse
/// shows a device it has no connection record for).
#[derive(Serialize)]
pub struct Device {
    pub user_id: String,
    pub device_id: String,
    pub display_name: Option<String>,
    pub last_seen_ip: Option<String>,
    pub last_seen_ts: Option<u64>,
}

impl Device {
    pub fn new(user_id: &str, d: DeviceRow) -> Self {
        Device {
            user_id: user_id.to_owned(),
            device_id: d.device_id,
            display_name: d.display_name,
            last_seen_ip: None,
            last_seen_ts: None,
        }
    }
}

#[derive(Serialize)]
pub struct Response {
    pub devices: Vec<Device>,
}

impl_json_response!();

pub async fn get_devices_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let devices = s.devices_of(&auth.user_id).await?;
    Ok(RumaResponse(Response {
        devices: devices
            .into_iter()
            .map(|d| Device::new(&auth.user_id, d))
            .collect(),
    }))
}
