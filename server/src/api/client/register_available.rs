//! GET /_matrix/client/*/register/available — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3registeravailable

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;

pub async fn get_register_available_route(
    State(s): State<SharedServices>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, UiaReject> {
    s.check_registration_enabled()?;
    let username = q.get("username").ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'username'",
        )
    })?;
    s.check_username_available(username).await?;
    Ok(Json(json!({"available": true})))
}
