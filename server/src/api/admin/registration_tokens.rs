//! GET /_synapse/admin/v1/registration_tokens — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#list-all-tokens
//! `valid=true` only valid tokens, `valid=false` only expired or used-up ones.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::metadata;
use serde::Serialize;
use serde_json::Value;

use super::extract::{Admin, bool_param};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, query};
use crate::service::SharedServices;

metadata! {
    method: GET,
    rate_limited: false,
    authentication: AccessToken,
    path: "/_synapse/admin/v1/registration_tokens",
}

/// `valid` as sent: the handler parses it as Synapse does (`super::extract::bool_param`),
/// since ruma's query deserializer would answer a bad one differently.
pub struct Request {
    pub valid: Option<String>,
}

impl_incoming_request!(|req, args| Ok(Request {
    valid: query(&req).remove("valid"),
}));

#[derive(Serialize)]
pub struct Response {
    pub registration_tokens: Vec<Value>,
}

impl_json_response!();

pub async fn get_registration_tokens_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let valid = bool_param(req.valid.as_deref(), "valid")?;
    Ok(RumaResponse(Response {
        registration_tokens: s.admin_list_registration_tokens(valid).await?,
    }))
}
