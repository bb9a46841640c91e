//! GET /_matrix/client/*/register/available — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3registeravailable
//!
//! Our own request type, ruma's response: Synapse refuses a server without open registration
//! before it reads `username`, and ruma's required `username` would answer M_MISSING_PARAM
//! first.

use axum::extract::State;
use ruma::api::auth_scheme::NoAccessToken;
use ruma::api::client::account::get_username_availability::v3::Response;
use ruma::api::metadata;

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, query};
use crate::service::SharedServices;

metadata! {
    method: GET,
    rate_limited: true,
    authentication: NoAccessToken,
    history: {
        1.0 => "/_matrix/client/r0/register/available",
        1.1 => "/_matrix/client/v3/register/available",
    }
}

pub struct Request {
    pub username: Option<String>,
}

impl_incoming_request!(|req, args| {
    Ok(Request {
        username: query(&req).remove("username"),
    })
});

pub async fn get_register_available_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    s.check_registration_enabled()?;
    let username = req.username.ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'username'",
        )
    })?;
    s.check_username_available(&username).await?;
    Ok(RumaResponse(Response::new(true)))
}
