//! GET /_synapse/admin/v1/rooms/{roomId}/members — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#room-members-api

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};
use crate::service::SharedServices;

metadata! {
    method: GET,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/rooms/{room_id}/members",
}

pub struct Request {
    pub room_id: String,
}

impl_incoming_request!(|req, args| Ok(Request {
    room_id: path_arg(args, 0),
}));

#[derive(Serialize)]
pub struct Response {
    pub members: Vec<String>,
    pub total: usize,
}

impl_json_response!();

pub async fn get_room_members_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let members = s.admin_room_members(&req.room_id).await?;
    Ok(RumaResponse(Response {
        total: members.len(),
        members,
    }))
}
