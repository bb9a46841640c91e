//! GET /_synapse/admin/v2/users — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#list-accounts
//! Pagination with `from`/`limit` (default 100), `next_token` while more remain, and `total`.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;
use serde_json::Value;

use super::extract::{Admin, bool_param, enum_param, int_param};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, query};
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

metadata! {
    method: GET,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v2/users",
}

/// The query parameters, as sent: the handler parses them as Synapse does (see
/// `super::extract`), since ruma's query deserializer would answer a bad one differently.
pub struct Request {
    pub from: Option<String>,
    pub limit: Option<String>,
    pub guests: Option<String>,
    pub deactivated: Option<String>,
    pub admins: Option<String>,
    pub order_by: Option<String>,
    pub dir: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
}

impl_incoming_request!(|req, args| {
    let mut q = query(&req);
    Ok(Request {
        from: q.remove("from"),
        limit: q.remove("limit"),
        guests: q.remove("guests"),
        deactivated: q.remove("deactivated"),
        admins: q.remove("admins"),
        order_by: q.remove("order_by"),
        dir: q.remove("dir"),
        user_id: q.remove("user_id"),
        name: q.remove("name"),
    })
});

#[derive(Serialize)]
pub struct Response {
    pub users: Vec<Value>,
    pub total: i64,
    /// While more users remain: the `from` of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl_json_response!();

pub async fn get_users_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(q): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let from = int_param(q.from.as_deref(), "from", 0)?;
    let limit = int_param(q.limit.as_deref(), "limit", 100)?;
    let _guests = bool_param(q.guests.as_deref(), "guests")?;
    // v2: deactivated users are left out unless deactivated=true.
    let deactivated = if bool_param(q.deactivated.as_deref(), "deactivated")? == Some(true) {
        None
    } else {
        Some(false)
    };
    let admins = bool_param(q.admins.as_deref(), "admins")?;
    let order_by = enum_param(q.order_by.as_deref(), "order_by", "name", ORDER_BY)?;
    let dir = enum_param(q.dir.as_deref(), "dir", "f", &["f", "b"])?;
    let query = UserQuery {
        user_id: q.user_id.clone(),
        name: q.name.clone(),
        deactivated,
        admins,
        order_column: user_order_column(order_by).unwrap_or("user_id"),
        descending: dir == "b",
        from,
        limit,
    };
    let (users, total) = s.admin_list_users(&query).await?;
    let next_token = (from.saturating_add(limit) < total)
        .then(|| from.saturating_add(users.len() as i64).to_string());
    Ok(RumaResponse(Response {
        users,
        total,
        next_token,
    }))
}
