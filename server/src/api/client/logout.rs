//! POST /_matrix/client/*/logout — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3logout
//! The access token and its device are deleted.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

pub async fn post_logout_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    s.logout(&auth.user_id, &auth.device_id).await?;
    Ok(Json(json!({})))
}
