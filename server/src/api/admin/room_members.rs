//! GET /_synapse/admin/v1/rooms/{roomId}/members — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#room-members-api

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::Params;
use crate::service::SharedServices;

pub async fn get_room_members_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let members = s.admin_room_members(&room_id).await?;
    Ok(Json(json!({ "total": members.len(), "members": members })))
}
