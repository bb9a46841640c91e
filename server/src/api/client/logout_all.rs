//! POST /_matrix/client/*/logout/all — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3logoutall
//! Every access token and device of the user is deleted.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

pub async fn post_logout_all_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    s.logout_all(&auth.user_id).await?;
    Ok(Json(json!({})))
}
