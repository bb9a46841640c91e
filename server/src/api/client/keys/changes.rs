//! GET /_matrix/client/*/keys/changes — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3keyschanges
//! `from` is a sync token; `to` is accepted and, as in Synapse, not used to cut the answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, QueryMap};
use crate::service::SharedServices;
use crate::service::sync::Token;

// Kept untyped: `to` is optional here, as in Synapse, where ruma's request requires it.
pub async fn get_keys_changes_route(
    State(s): State<SharedServices>,
    auth: Auth,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let from = q.get("from").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'from'",
        )
    })?;
    let from = Token::parse(from).ok_or_else(|| ApiError::invalid_param("Invalid from token"))?;
    if let Some(to) = q.get("to") {
        Token::parse(to).ok_or_else(|| ApiError::invalid_param("Invalid to token"))?;
    }
    let (changed, left) = s.device_list_updates(&auth.user_id, from.pos).await?;
    Ok(Json(json!({"changed": changed, "left": left})))
}
