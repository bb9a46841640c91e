//! Profiles — https://spec.matrix.org/v1.12/client-server-api/#profiles
//! GET /profile/{userId}, GET/PUT /profile/{userId}/displayname and /avatar_url. A change is
//! also sent as a new member event into every room the user has joined.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;
use crate::service::rooms::NewEvent;
use crate::store::{accounts, rooms as db};

pub async fn get_profile_route(
    State(s): State<SharedServices>,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let Some((name, avatar)) = accounts::get_profile(&s.db, &user_id).await? else {
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
    let Some((name, avatar)) = accounts::get_profile(&s.db, &user_id).await? else {
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
    match field.as_str() {
        "displayname" => accounts::set_displayname(&s.db, &user_id, value.as_deref()).await?,
        "avatar_url" => accounts::set_avatar_url(&s.db, &user_id, value.as_deref()).await?,
        _ => return Err(ApiError::bad_json(format!("Unknown profile field {field}"))),
    }
    for (room_id, membership, _, _) in db::memberships_of(&s.db, &user_id).await? {
        if membership != "join" {
            continue;
        }
        let content = s.member_content(&user_id, "join").await?;
        if let Err(e) = s
            .append(
                Some(&room_id),
                None,
                &user_id,
                NewEvent::state("m.room.member", &user_id, content),
                None,
            )
            .await
        {
            tracing::warn!(room_id, error = %e, "could not update the member event after a profile change");
        }
    }
    Ok(Json(json!({})))
}
