//! POST /_synapse/admin/v1/registration_tokens/new — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#create-token
//! `token` or a random one of `length` (default 16), `uses_allowed`, `expiry_time`.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;
use serde_json::{Map, Value};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, json_body};
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/registration_tokens/new",
}

pub struct Request {
    /// `token`, `length`, `uses_allowed`, `expiry_time`: the service checks each as Synapse
    /// does, with its messages.
    pub body: Map<String, Value>,
}

impl_incoming_request!(|req, args| Ok(Request {
    body: json_body(&req)?,
}));

/// The new token, as the service builds it.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Response(pub Value);

impl_json_response!();

pub async fn post_new_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    Ok(RumaResponse(Response(
        s.admin_new_registration_token(&Value::Object(req.body))
            .await?,
    )))
}
