//! POST /_matrix/client/*/account/deactivate — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountdeactivate
//! Behind user-interactive auth with the password. We bind no identity servers, so the answer
//! is always `no-support`.
//!
//! Our own request type (the UIA session keeps the body as sent, see `uia::uia_body`), ruma's
//! response.

use axum::extract::State;
use ruma::api::auth_scheme::AccessTokenOptional;
use ruma::api::client::account::ThirdPartyIdRemovalStatus;
use ruma::api::client::account::deactivate::v3::Response;
use ruma::api::metadata;
use serde_json::Value;

use super::uia::{UiaReject, uia_body};
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_incoming_request;
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: true,
    authentication: AccessTokenOptional,
    history: {
        1.0 => "/_matrix/client/r0/account/deactivate",
        1.1 => "/_matrix/client/v3/account/deactivate",
    }
}

pub struct Request {
    /// The whole body, `auth` included.
    pub body: Value,
}

impl_incoming_request!(|req, args| Ok(Request {
    body: uia_body(&req)?
}));

pub async fn post_deactivate_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    s.deactivate_with_uia(&auth.user_id, req.body).await?;
    Ok(RumaResponse(Response::new(
        ThirdPartyIdRemovalStatus::NoSupport,
    )))
}
