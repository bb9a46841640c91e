//! POST /_matrix/client/*/user/{userId}/openid/request_token — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3useruseridopenidrequest_token

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn post_openid_request_token_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(user_id): Params<String>,
    MatrixJson(_body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if user_id != auth.user_id {
        return Err(ApiError::forbidden(
            "Cannot request tokens for other users.",
        ));
    }
    let (token, expires_in) = s.issue_openid_token(&user_id).await?;
    Ok(Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "matrix_server_name": s.config.server_name,
        "expires_in": expires_in,
    })))
}
