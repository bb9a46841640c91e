//! POST /_matrix/client/*/keys/query — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysquery

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

// Kept untyped: ruma's response leaves out the empty `failures` and cross-signing maps Synapse
// always returns, and its request calls a missing device_keys M_MISSING_PARAM (Synapse: M_BAD_JSON).
pub async fn post_keys_query_route(
    State(s): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.query_keys(&auth.user_id, &body).await?))
}
