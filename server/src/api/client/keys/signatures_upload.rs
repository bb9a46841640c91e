//! POST /_matrix/client/*/keys/signatures/upload — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keyssignaturesupload

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

// Kept untyped: ruma's response leaves out an empty `failures` and keeps only errcode and
// error of each failure, where Synapse answers `{"failures": {}}` and failures with status and message.
pub async fn post_signatures_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.upload_signatures(&auth.user_id, &body).await?))
}
