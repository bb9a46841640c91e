//! GET and PUT /_synapse/admin/v1/users/{userId}/admin — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#change-whether-a-user-is-a-server-administrator-or-not
//! An admin may not demote themselves.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;

const NOT_LOCAL: &str = "Only local users can be admins of this homeserver";

pub async fn get_user_admin_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let user_id = s.local_user_id(&user_id, NOT_LOCAL)?;
    Ok(Json(json!({ "admin": s.is_server_admin(&user_id).await? })))
}

pub async fn put_user_admin_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Params(user_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let Some(admin) = body.get("admin") else {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing params: ['admin']",
        ));
    };
    let user_id = s.local_user_id(&user_id, NOT_LOCAL)?;
    // Synapse takes the truthiness of the value.
    let admin = match admin {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(t) => !t.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    };
    s.admin_set_admin(&auth.user_id, &user_id, admin).await?;
    Ok(Json(json!({})))
}
