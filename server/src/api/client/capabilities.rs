//! GET /_matrix/client/*/capabilities — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3capabilities

use axum::Json;
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::rooms::{DEFAULT_ROOM_VERSION, SUPPORTED_ROOM_VERSIONS};

pub async fn get_capabilities_route(_auth: Auth) -> Result<Json<Value>, ApiError> {
    let available: Map<String, Value> = SUPPORTED_ROOM_VERSIONS
        .iter()
        .map(|v| (v.to_string(), json!("stable")))
        .collect();
    Ok(Json(json!({
        "capabilities": {
            "m.room_versions": { "default": DEFAULT_ROOM_VERSION.as_str(), "available": available },
            "m.change_password": { "enabled": true },
            "m.set_displayname": { "enabled": true },
            "m.set_avatar_url": { "enabled": true },
            "m.3pid_changes": { "enabled": false },
            "m.get_login_token": { "enabled": false },
        }
    })))
}
