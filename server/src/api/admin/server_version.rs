//! GET /_synapse/admin/v1/server_version — https://element-hq.github.io/synapse/latest/admin_api/version_api.html
//! (no authentication, as in Synapse).

use axum::Json;
use serde_json::{Value, json};

pub async fn get_server_version_route() -> Json<Value> {
    Json(json!({ "server_version": env!("CARGO_PKG_VERSION") }))
}
