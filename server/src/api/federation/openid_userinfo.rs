//! GET /_matrix/federation/v1/openid/userinfo — https://spec.matrix.org/v1.12/server-server-api/#get_matrixfederationv1openiduserinfo
//! Served on listeners with the federation or openid resource; no federation auth.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;

pub async fn get_openid_userinfo_route(
    State(s): State<SharedServices>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let Some(token) = q.get("access_token") else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "M_MISSING_TOKEN",
            "Access Token required",
        ));
    };
    match s.openid_user(token).await? {
        Some(user_id) => Ok(Json(json!({ "sub": user_id }))),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "M_UNKNOWN_TOKEN",
            "Access Token unknown or expired",
        )),
    }
}
