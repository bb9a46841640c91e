//! DELETE /_synapse/admin/v2/rooms/{roomId} — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#version-2-new-version
//! Answers `{delete_id}`. The deletion itself runs before the answer (Synapse schedules it), so
//! its status is already `complete` (or `failed`) when asked.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Admin;
use super::room::delete_options;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;

pub async fn delete_room_v2_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let opts = delete_options(&body)?;
    let delete_id = s
        .admin_delete_room_v2(&auth.user_id, &room_id, &opts)
        .await?;
    Ok(Json(json!({ "delete_id": delete_id })))
}
