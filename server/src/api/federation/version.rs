//! GET /_matrix/federation/v1/version — https://spec.matrix.org/v1.12/server-server-api/#get_matrixfederationv1version

use axum::Json;
use serde_json::{Value, json};

pub async fn get_server_version_route() -> Json<Value> {
    Json(json!({ "server": { "name": "matrixd", "version": env!("CARGO_PKG_VERSION") } }))
}
