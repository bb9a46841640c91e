//! GET /_synapse/admin/v1/rooms — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#list-room-api
//! `from`/`limit` (default 100), `order_by` (default name), `dir`, `search_term`; answers with
//! `offset`, `total_rooms`, and `next_batch`/`prev_batch` while there is more.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::{Admin, enum_param, int_param};
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;
use crate::service::admin_rooms::{ROOM_ORDER_BY, RoomQuery};

pub async fn get_rooms_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let from = int_param(&q, "from", 0)?;
    let limit = int_param(&q, "limit", 100)?;
    let order_by = enum_param(&q, "order_by", "name", ROOM_ORDER_BY)?.to_string();
    let dir = enum_param(&q, "dir", "f", &["f", "b"])?;
    let search_term = q.get("search_term").cloned();
    if search_term.as_deref() == Some("") {
        return Err(ApiError::invalid_param(
            "search_term cannot be an empty string",
        ));
    }
    let query = RoomQuery {
        from: from as usize,
        limit: limit as usize,
        order_by,
        descending: dir == "b",
        search_term,
    };
    let (rooms, total) = s.admin_list_rooms(&query).await?;
    let total = total as i64;
    let mut body = json!({ "offset": from, "rooms": rooms, "total_rooms": total });
    if from.saturating_add(limit) < total {
        body["next_batch"] = json!(from.saturating_add(limit));
    }
    if from > 0 {
        body["prev_batch"] = json!(if from > limit { from - limit } else { 0 });
    }
    Ok(Json(body))
}
