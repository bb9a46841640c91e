//! GET and PUT /_synapse/admin/v2/users/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#query-user-account
//! PUT creates the user (201) or modifies it (200): password, displayname, avatar_url, admin,
//! deactivated, user_type, logout_devices.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;

pub async fn get_user_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let user_id = s.local_user_id(&user_id, "Can only look up local users")?;
    match s.admin_user(&user_id).await? {
        Some(u) => Ok(Json(u)),
        None => Err(ApiError::not_found("User not found")),
    }
}

pub async fn put_user_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Params(user_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user_id = s.local_user_id(&user_id, "This endpoint can only be used with local users")?;
    let (created, user) = s.admin_put_user(&auth.user_id, &user_id, &body).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(user),
    ))
}
