//! POST /_matrix/client/*/delete_devices — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3delete_devices
//! Behind user-interactive auth with the password; unknown device ids are ignored.
//!
//! Our own request type (the UIA session keeps the body as sent, see `uia::uia_body`), ruma's
//! response.

use axum::extract::State;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::client::device::delete_devices::v3::Response;
use ruma::api::metadata;
use serde_json::Value;

use super::uia::{UiaReject, uia_body};
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_incoming_request;
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: false,
    authentication: AccessToken,
    history: {
        1.0 => "/_matrix/client/r0/delete_devices",
        1.1 => "/_matrix/client/v3/delete_devices",
    }
}

pub struct Request {
    /// The whole body, `devices` and `auth` included (the service checks `devices`).
    pub body: Value,
}

impl_incoming_request!(|req, args| Ok(Request {
    body: uia_body(&req)?
}));

pub async fn post_delete_devices_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    s.delete_devices_with_uia(&auth.user_id, req.body).await?;
    Ok(RumaResponse(Response::new()))
}
