//! GET /_matrix/client/*/thirdparty/protocols — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3thirdpartyprotocols
//! Bridged networks come from application services, which matrixd does not run yet: none.

use axum::Json;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;

pub async fn get_protocols_route(_auth: Auth) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({})))
}
