//! GET /_matrix/key/v2/server — https://spec.matrix.org/v1.12/server-server-api/#get_matrixkeyv2server
//! The signed document is sent as the service serialized it (canonical JSON, so the bytes
//! are the ones the signature covers).

use axum::extract::State;
use ruma::api::federation::discovery::get_server_keys::v2::{Request, Response};

use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::now_ms;
use crate::service::{SharedServices, server_keys};

pub async fn get_server_keys_route(
    State(services): State<SharedServices>,
    Ruma(_): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let doc = server_keys::signed_key_document(
        &services.config.server_name,
        &services.signing_key,
        now_ms(),
    )
    .and_then(|doc| Ok(serde_json::value::to_raw_value(&doc)?))
    .map_err(|e| {
        tracing::error!(error = %e, "signing the key document failed");
        ApiError::internal()
    })?;
    Ok(RumaResponse(Response::new(ruma::serde::Raw::from_json(
        doc,
    ))))
}
