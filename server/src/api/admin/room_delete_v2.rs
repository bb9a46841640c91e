//! DELETE /_synapse/admin/v2/rooms/{roomId} — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#version-2-new-version
//! Answers `{delete_id}`. The deletion itself runs before the answer (Synapse schedules it), so
//! its status is already `complete` (or `failed`) when asked.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;

use super::extract::Admin;
use super::room::{DeleteBody, delete_options};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};
use crate::service::SharedServices;

metadata! {
    method: DELETE,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v2/rooms/{room_id}",
}

pub struct Request {
    pub room_id: String,
    pub body: DeleteBody,
}

impl_incoming_request!(|req, args| Ok(Request {
    room_id: path_arg(args, 0),
    body: json_body(&req)?,
}));

#[derive(Serialize)]
pub struct Response {
    pub delete_id: String,
}

impl_json_response!();

pub async fn delete_room_v2_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let opts = delete_options(&req.body)?;
    let delete_id = s
        .admin_delete_room_v2(&auth.user_id, &req.room_id, &opts)
        .await?;
    Ok(RumaResponse(Response { delete_id }))
}
