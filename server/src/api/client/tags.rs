//! Room tags — https://spec.matrix.org/v1.12/client-server-api/#room-tagging
//! GET /user/{userId}/rooms/{roomId}/tags, PUT and DELETE /user/{userId}/rooms/{roomId}/tags/{tag}.
//! Tags live in the room's `m.tag` account data, so sync delivers changes.

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

fn own(auth: &Auth, user_id: &str) -> Result<(), ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot set another user's tags"));
    }
    Ok(())
}

async fn tags_of(
    s: &SharedServices,
    user_id: &str,
    room_id: &str,
) -> Result<Map<String, Value>, ApiError> {
    let content = s.account_data(user_id, room_id, "m.tag").await?;
    Ok(content
        .and_then(|v| v.get("tags").and_then(Value::as_object).cloned())
        .unwrap_or_default())
}

pub async fn get_tags_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    Ok(Json(
        json!({ "tags": tags_of(&s, &user_id, &room_id).await? }),
    ))
}

pub async fn put_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, tag)): Params<(String, String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    if tag.len() > 255 {
        return Err(ApiError::invalid_param(
            "Tag names may be at most 255 bytes",
        ));
    }
    if let Some(order) = body.get("order") {
        if !order.is_number() {
            return Err(ApiError::bad_json("order must be a number"));
        }
    }
    let mut tags = tags_of(&s, &user_id, &room_id).await?;
    tags.insert(tag, body);
    s.set_account_data(&user_id, &room_id, "m.tag", &json!({ "tags": tags }))
        .await?;
    Ok(Json(json!({})))
}

pub async fn delete_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, tag)): Params<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    let mut tags = tags_of(&s, &user_id, &room_id).await?;
    if tags.remove(&tag).is_some() {
        s.set_account_data(&user_id, &room_id, "m.tag", &json!({ "tags": tags }))
            .await?;
    }
    Ok(Json(json!({})))
}
