//! GET /_matrix/client/*/capabilities — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3capabilities
//! ruma's request; our own response, because ruma's `Capabilities` leaves out every
//! capability at its default (`m.change_password` enabled, …) and Synapse lists them all.

use ruma::api::client::discovery::get_capabilities;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::rooms::{DEFAULT_ROOM_VERSION, SUPPORTED_ROOM_VERSIONS};

/// `{"capabilities": {...}}`, every capability spelled out as Synapse does.
#[derive(Serialize)]
pub struct Response {
    pub capabilities: Map<String, Value>,
}

impl_json_response!();

pub async fn get_capabilities_route(
    _auth: Auth,
    Ruma(_req): Ruma<get_capabilities::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let available: Map<String, Value> = SUPPORTED_ROOM_VERSIONS
        .iter()
        .map(|v| (v.to_string(), json!("stable")))
        .collect();
    let capabilities = [
        (
            "m.room_versions",
            json!({ "default": DEFAULT_ROOM_VERSION.as_str(), "available": available }),
        ),
        ("m.change_password", json!({ "enabled": true })),
        ("m.set_displayname", json!({ "enabled": true })),
        ("m.set_avatar_url", json!({ "enabled": true })),
        ("m.3pid_changes", json!({ "enabled": false })),
        ("m.get_login_token", json!({ "enabled": false })),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(RumaResponse(Response { capabilities }))
}
