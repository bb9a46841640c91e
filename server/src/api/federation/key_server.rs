//! GET /_matrix/key/v2/server — https://spec.matrix.org/v1.12/server-server-api/#get_matrixkeyv2server

use axum::Json;
use axum::extract::State;
use ruma::CanonicalJsonObject;

use crate::api::ApiError;
use crate::service::now_ms;
use crate::service::{SharedServices, server_keys};

pub async fn get_server_keys_route(
    State(services): State<SharedServices>,
) -> Result<Json<CanonicalJsonObject>, ApiError> {
    let doc = server_keys::signed_key_document(
        &services.config.server_name,
        &services.signing_key,
        now_ms(),
    )
    .map_err(|e| {
        tracing::error!(error = %e, "signing the key document failed");
        ApiError::internal()
    })?;
    Ok(Json(doc))
}
