//! POST /_synapse/admin/v1/reset_password/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#reset-password
//! `new_password` (required) and `logout_devices` (default true).

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg, present};
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/reset_password/{user_id}",
}

pub struct Request {
    pub user_id: String,
    pub body: Body,
}

/// The fields stay JSON values: Synapse checks them by hand, with its own errcodes.
#[derive(Deserialize)]
pub struct Body {
    #[serde(default, deserialize_with = "present")]
    pub new_password: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub logout_devices: Option<Value>,
}

impl_incoming_request!(|req, args| Ok(Request {
    user_id: path_arg(args, 0),
    body: json_body(&req)?,
}));

#[derive(Serialize)]
pub struct Response {}

impl_json_response!();

pub async fn post_reset_password_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let user_id = s.local_user_id(&req.user_id, "Can only reset the password of local users")?;
    let Some(new_password) = req.body.new_password else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing params: ['new_password']",
        ));
    };
    let Some(new_password) = new_password.as_str().filter(|p| p.chars().count() <= 512) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Invalid password",
        ));
    };
    let logout_devices = match req.body.logout_devices {
        None => true,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(ApiError::bad_json("'logout_devices' must be a boolean")),
    };
    s.admin_reset_password(&user_id, new_password, logout_devices)
        .await?;
    Ok(RumaResponse(Response {}))
}
