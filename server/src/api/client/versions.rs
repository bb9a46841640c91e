//! GET /_matrix/client/versions — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientversions

use axum::Json;
use serde_json::{Value, json};

/// Spec versions matrixd speaks, oldest first (the r0 releases stay for older clients).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2",
    "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12",
];

pub async fn get_versions_route() -> Json<Value> {
    Json(json!({ "versions": SUPPORTED_VERSIONS, "unstable_features": {} }))
}
