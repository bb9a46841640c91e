//! POST /_matrix/client/*/keys/claim — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysclaim

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

// Kept untyped: a body without one_time_keys claims nothing, as in Synapse, where ruma's
// request requires it; and ruma's response leaves out the empty `failures` Synapse returns.
pub async fn post_keys_claim_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.claim_keys(&body).await?))
}
