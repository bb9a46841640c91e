//! GET /_matrix/client/v1/media/config and /_matrix/media/v3/config — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediaconfig

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

pub async fn get_media_config_route(
    State(s): State<SharedServices>,
    _auth: Auth,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "m.upload.size": s.config.max_upload_size })))
}
