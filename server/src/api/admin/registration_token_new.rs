//! POST /_synapse/admin/v1/registration_tokens/new — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#create-token
//! `token` or a random one of `length` (default 16), `uses_allowed`, `expiry_time`.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::MatrixJson;
use crate::service::SharedServices;

pub async fn post_new_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.admin_new_registration_token(&body).await?))
}
