//! GET /_matrix/client/versions — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientversions

use ruma::api::client::discovery::get_supported_versions;

use crate::api::extract::{Ruma, RumaResponse};

/// Spec versions matrixd speaks, oldest first (the r0 releases stay for older clients).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2",
    "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12",
];

pub async fn get_versions_route(
    Ruma(_): Ruma<get_supported_versions::Request>,
) -> RumaResponse<get_supported_versions::Response> {
    RumaResponse(get_supported_versions::Response::new(
        SUPPORTED_VERSIONS.iter().map(|v| v.to_string()).collect(),
    ))
}
