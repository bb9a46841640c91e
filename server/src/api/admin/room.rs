//! GET and DELETE /_synapse/admin/v1/rooms/{roomId} — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#room-details-api
//! DELETE (https://element-hq.github.io/synapse/latest/admin_api/rooms.html#version-1-old-version)
//! runs at once: every local member leaves, then `block` (default false) and `purge`
//! (default true); it answers with kicked_users, failed_to_kick_users, local_aliases and
//! new_room_id.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;
use crate::service::admin_rooms::DeleteRoom;

pub async fn get_room_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.admin_room(&room_id).await?))
}

/// The `block`, `purge` and `force_purge` fields of a delete body, checked as Synapse does.
pub fn delete_options(body: &Value) -> Result<DeleteRoom, ApiError> {
    let flag = |key: &str, default: bool| match body.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::bad_json(format!(
            "Param '{key}' must be a boolean, if given"
        ))),
    };
    let opts = DeleteRoom {
        block: flag("block", false)?,
        purge: flag("purge", true)?,
    };
    flag("force_purge", false)?;
    Ok(opts)
}

pub async fn delete_room_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let opts = delete_options(&body)?;
    Ok(Json(
        s.admin_delete_room(&auth.user_id, &room_id, &opts).await?,
    ))
}
