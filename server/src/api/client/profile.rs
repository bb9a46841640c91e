//! Profiles — https://spec.matrix.org/v1.12/client-server-api/#profiles
//! GET /profile/{userId}, GET/PUT /profile/{userId}/displayname and /avatar_url. A change is
//! also sent as a new member event into every room the user has joined.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;
use crate::service::profile::ProfileField;

pub async fn get_profile_route(
    State(s): State<SharedServices>,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let Some((name, avatar)) = s.profile(&user_id).await? else {
        return Err(ApiError::not_found("Profile was not found"));
    };
    let mut v = json!({});
    if let Some(n) = name {
        v["displayname"] = json!(n);
    }
    if let Some(a) = avatar {
        v["avatar_url"] = json!(a);
    }
    Ok(Json(v))
}

pub async fn get_profile_field_route(
    State(s): State<SharedServices>,
    Params((user_id, field)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let Some((name, avatar)) = s.profile(&user_id).await? else {
        return Err(ApiError::not_found("Profile was not found"));
    };
    let value = match field.as_str() {
        "displayname" => name,
        "avatar_url" => avatar,
        _ => return Err(ApiError::not_found("Profile field not found")),
    };
    match value {
        Some(v) => Ok(Json(json!({ field: v }))),
        None => Err(ApiError::not_found("Profile field not set")),
    }
}

pub async fn put_profile_field_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, field)): Params<(String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot set another user's profile"));
    }
    let value = match body.get(&field) {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) if v.len() <= 256 || field == "avatar_url" => Some(v.clone()),
        Some(Value::String(_)) => {
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_TOO_LARGE",
                "Display name is too long",
            ));
        }
        Some(_) => return Err(ApiError::bad_json(format!("{field} must be a string"))),
    };
    let field = ProfileField::parse(&field)
        .ok_or_else(|| ApiError::bad_json(format!("Unknown profile field {field}")))?;
    s.set_profile_field(&user_id, field, value.as_deref())
        .await?;
    Ok(Json(json!({})))
}
