//! GET /_synapse/admin/v1/rooms — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#list-room-api
//! `from`/`limit` (default 100), `order_by` (default name), `dir`, `search_term`; answers with
//! `offset`, `total_rooms`, and `next_batch`/`prev_batch` while there is more.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;
use serde_json::Value;

use super::extract::{Admin, enum_param, int_param};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, query};
use crate::service::SharedServices;
use crate::service::admin_rooms::{ROOM_ORDER_BY, RoomQuery};

metadata! {
    method: GET,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/rooms",
}

/// The query parameters, as sent: the handler parses them as Synapse does (see
/// `super::extract`), since ruma's query deserializer would answer a bad one differently.
pub struct Request {
    pub from: Option<String>,
    pub limit: Option<String>,
    pub order_by: Option<String>,
    pub dir: Option<String>,
    pub search_term: Option<String>,
}

impl_incoming_request!(|req, args| {
    let mut q = query(&req);
    Ok(Request {
        from: q.remove("from"),
        limit: q.remove("limit"),
        order_by: q.remove("order_by"),
        dir: q.remove("dir"),
        search_term: q.remove("search_term"),
    })
});

#[derive(Serialize)]
pub struct Response {
    pub offset: i64,
    pub rooms: Vec<Value>,
    pub total_rooms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_batch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_batch: Option<i64>,
}

impl_json_response!();

pub async fn get_rooms_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(q): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let from = int_param(q.from.as_deref(), "from", 0)?;
    let limit = int_param(q.limit.as_deref(), "limit", 100)?;
    let order_by =
        enum_param(q.order_by.as_deref(), "order_by", "name", ROOM_ORDER_BY)?.to_string();
    let dir = enum_param(q.dir.as_deref(), "dir", "f", &["f", "b"])?;
    let search_term = q.search_term;
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
    Ok(RumaResponse(Response {
        offset: from,
        rooms,
        total_rooms: total,
        next_batch: (from.saturating_add(limit) < total).then(|| from.saturating_add(limit)),
        prev_batch: (from > 0).then(|| if from > limit { from - limit } else { 0 }),
    }))
}
