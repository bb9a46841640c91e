//! POST /_synapse/admin/v1/deactivate/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#deactivate-account
//! Revokes every access token and device, forgets the password and leaves every room.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{
    impl_incoming_request, impl_json_response, optional_json_body, path_arg, present,
};
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/deactivate/{user_id}",
}

pub struct Request {
    pub user_id: String,
    /// The body may be empty, as in Synapse.
    pub body: Body,
}

#[derive(Deserialize)]
pub struct Body {
    /// Must be a boolean if given; accepted, nothing is erased beyond deactivation.
    #[serde(default, deserialize_with = "present")]
    pub erase: Option<Value>,
}

impl_incoming_request!(|req, args| Ok(Request {
    user_id: path_arg(args, 0),
    body: optional_json_body(&req)?,
}));

#[derive(Serialize)]
pub struct Response {
    pub id_server_unbind_result: &'static str,
}

impl_json_response!();

pub async fn post_deactivate_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let user_id = s.local_user_id(&req.user_id, "Can only deactivate local users")?;
    if req.body.erase.is_some_and(|e| !e.is_boolean()) {
        return Err(ApiError::bad_json(
            "Param 'erase' must be a boolean, if given",
        ));
    }
    s.admin_deactivate(&user_id).await?;
    Ok(RumaResponse(Response {
        id_server_unbind_result: "success",
    }))
}
