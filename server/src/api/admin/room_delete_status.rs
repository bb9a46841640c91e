//! GET /_synapse/admin/v2/rooms/delete_status/{deleteId} and
//! GET /_synapse/admin/v2/rooms/{roomId}/delete_status — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#status-of-deleting-rooms

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::Params;
use crate::service::SharedServices;

pub async fn get_delete_status_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(delete_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.admin_delete_status(&delete_id).await?))
}

pub async fn get_room_delete_status_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.admin_room_delete_status(&room_id).await?))
}
