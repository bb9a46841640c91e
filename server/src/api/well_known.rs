//! GET /.well-known/matrix/client — https://spec.matrix.org/v1.12/client-server-api/#getwell-knownmatrixclient
//! Served when public_baseurl is set, as Synapse does; CORS comes from the router's layers.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::service::SharedServices;

pub async fn get_client_well_known_route(
    State(services): State<SharedServices>,
) -> Result<Json<Value>, ApiError> {
    let Some(base) = &services.config.public_baseurl else {
        return Err(ApiError::not_found(
            "No .well-known configured (set public_baseurl)",
        ));
    };
    Ok(Json(
        json!({ "m.homeserver": { "base_url": base.as_str() } }),
    ))
}
