//! GET /_matrix/client/versions — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientversions

use ruma::api::client::discovery::get_supported_versions;

use crate::api::extract::{Ruma, RumaResponse};

/// Spec versions matrixd speaks, oldest first (the r0 releases stay for older clients).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2",
    "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13",
    "v1.14", "v1.15",
];

/// Unstable features matrixd implements, under the names Synapse advertises them by (clients
/// turn them on only when listed): simplified sliding sync (Element X and every
/// matrix-rust-sdk client refuse a server without it), and cross-signing (Element Web sets
/// it up at login only when listed; its unstable upload paths are served).
pub const UNSTABLE_FEATURES: &[&str] = &[
    "org.matrix.simplified_msc3575",
    "org.matrix.e2e_cross_signing",
];

pub async fn get_versions_route(
    Ruma(_): Ruma<get_supported_versions::Request>,
) -> RumaResponse<get_supported_versions::Response> {
    let mut response = get_supported_versions::Response::new(
        SUPPORTED_VERSIONS.iter().map(|v| v.to_string()).collect(),
    );
    response.unstable_features = UNSTABLE_FEATURES
        .iter()
        .map(|f| (f.to_string(), true))
        .collect();
    RumaResponse(response)
}
