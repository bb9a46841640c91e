//! Room tags — https://spec.matrix.org/v1.12/client-server-api/#room-tagging
//! GET /user/{userId}/rooms/{roomId}/tags, PUT and DELETE /user/{userId}/rooms/{roomId}/tags/{tag}.
//! Tags live in the room's `m.tag` account data, so sync delivers changes. Untyped on purpose:
//! ruma's TagInfo keeps only `order`, while Synapse stores a tag's whole body.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

fn own(auth: &Auth, user_id: &str) -> Result<(), ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot set another user's tags"));
    }
    Ok(())
}

pub async fn get_tags_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    Ok(Json(
        json!({ "tags": s.room_tags(&user_id, &room_id).await? }),
    ))
}

pub async fn put_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, tag)): Params<(String, String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    s.set_room_tag(&user_id, &room_id, &tag, body).await?;
    Ok(Json(json!({})))
}

pub async fn delete_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, tag)): Params<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    s.delete_room_tag(&user_id, &room_id, &tag).await?;
    Ok(Json(json!({})))
}
