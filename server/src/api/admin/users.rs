//! GET /_synapse/admin/v2/users — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#list-accounts
//! Pagination with `from`/`limit` (default 100), `next_token` while more remain, and `total`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::{Admin, bool_param, enum_param, int_param};
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;
use crate::service::admin_users::UserQuery;
use crate::service::admin_users::user_order_column;

const ORDER_BY: &[&str] = &[
    "name",
    "displayname",
    "is_guest",
    "admin",
    "deactivated",
    "user_type",
    "avatar_url",
    "shadow_banned",
    "creation_ts",
    "last_seen_ts",
    "locked",
];

pub async fn get_users_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let from = int_param(&q, "from", 0)?;
    let limit = int_param(&q, "limit", 100)?;
    let _guests = bool_param(&q, "guests")?;
    // v2: deactivated users are left out unless deactivated=true.
    let deactivated = if bool_param(&q, "deactivated")? == Some(true) {
        None
    } else {
        Some(false)
    };
    let admins = bool_param(&q, "admins")?;
    let order_by = enum_param(&q, "order_by", "name", ORDER_BY)?;
    let dir = enum_param(&q, "dir", "f", &["f", "b"])?;
    let query = UserQuery {
        user_id: q.get("user_id").cloned(),
        name: q.get("name").cloned(),
        deactivated,
        admins,
        order_column: user_order_column(order_by).unwrap_or("user_id"),
        descending: dir == "b",
        from,
        limit,
    };
    let (users, total) = s.admin_list_users(&query).await?;
    let mut body = json!({ "users": users, "total": total });
    if from.saturating_add(limit) < total {
        body["next_token"] = json!(from.saturating_add(users.len() as i64).to_string());
    }
    Ok(Json(body))
}
