//! POST /_synapse/admin/v1/reset_password/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#reset-password
//! `new_password` (required) and `logout_devices` (default true).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;

pub async fn post_reset_password_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(user_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let user_id = s.local_user_id(&user_id, "Can only reset the password of local users")?;
    let Some(new_password) = body.get("new_password") else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing params: ['new_password']",
        ));
    };
    let Some(new_password) = new_password.as_str().filter(|p| p.chars().count() <= 512) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Invalid password",
        ));
    };
    let logout_devices = match body.get("logout_devices") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::bad_json("'logout_devices' must be a boolean")),
    };
    s.admin_reset_password(&user_id, new_password, logout_devices)
        .await?;
    Ok(Json(json!({})))
}
