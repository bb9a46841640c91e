//! GET /_matrix/client/v1/register/m.login.registration_token/validity — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1registermloginregistration_tokenvalidity

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;

pub async fn get_registration_token_validity_route(
    State(s): State<SharedServices>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, UiaReject> {
    s.check_registration_enabled()?;
    let token = q.get("token").ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'token'",
        )
    })?;
    let valid = s.registration_token_is_valid(token).await?;
    Ok(Json(json!({"valid": valid})))
}
