//! POST /_matrix/client/*/keys/claim — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3keysclaim

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

pub async fn post_keys_claim_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.claim_keys(&body).await?))
}
