//! GET /_matrix/client/v1/register/m.login.registration_token/validity — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1registermloginregistration_tokenvalidity
//!
//! Our own request type, ruma's response: Synapse refuses a server without open registration
//! before it reads `token` (ruma's required `token` would answer M_MISSING_PARAM first), and it
//! serves the v1 path only (ruma's history adds an MSC3231 unstable path).

use axum::extract::State;
use ruma::api::auth_scheme::NoAccessToken;
use ruma::api::client::account::check_registration_token_validity::v1::Response;
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
    path: "/_matrix/client/v1/register/m.login.registration_token/validity",
}

pub struct Request {
    pub token: Option<String>,
}

impl_incoming_request!(|req, args| {
    Ok(Request {
        token: query(&req).remove("token"),
    })
});

pub async fn get_registration_token_validity_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    s.check_registration_enabled()?;
    let token = req.token.ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'token'",
        )
    })?;
    let valid = s.registration_token_is_valid(&token).await?;
    Ok(RumaResponse(Response::new(valid)))
}
