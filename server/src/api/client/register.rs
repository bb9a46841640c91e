//! POST /_matrix/client/*/register — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3register
//! Open registration behind user-interactive auth; guests are not supported.
//!
//! Our own request and response types: the UIA session keeps the body as sent (ruma's typed
//! body would drop or refuse fields Synapse keeps), and Synapse's answer carries `home_server`
//! and leaves `device_id` out with `inhibit_login` (ruma's has no `home_server` and writes
//! `device_id: null`). With `refresh_token: true` (and refresh tokens enabled) the answer
//! carries `refresh_token` and `expires_in_ms`, as Synapse's.

use axum::extract::State;
use ruma::api::auth_scheme::AppserviceTokenOptional;
use ruma::api::metadata;
use serde::Serialize;
use serde_json::Value;

use super::uia::{UiaReject, has_access_token, uia_body};
use crate::api::extract::{ClientIp, Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response, query};
use crate::service::SharedServices;

metadata! {
    method: POST,
    rate_limited: true,
    authentication: AppserviceTokenOptional,
    history: {
        1.0 => "/_matrix/client/r0/register",
        1.1 => "/_matrix/client/v3/register",
    }
}

pub struct Request {
    /// The `kind` query parameter as sent (`user` when absent).
    pub kind: Option<String>,
    /// Whether an access token came with the request (refused, as Synapse does).
    pub has_access_token: bool,
    /// The whole body, `auth` included.
    pub body: Value,
}

impl_incoming_request!(|req, args| {
    Ok(Request {
        kind: query(&req).remove("kind"),
        has_access_token: has_access_token(&req),
        body: uia_body(&req)?,
    })
});

#[derive(Serialize)]
pub struct Response {
    pub user_id: String,
    pub home_server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

impl_json_response!();

pub async fn post_register_route(
    State(s): State<SharedServices>,
    ip: ClientIp,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    let r = s
        .register(
            &ip.key(),
            req.kind.as_deref(),
            req.has_access_token,
            req.body,
        )
        .await?;
    // Both or neither: a device is made only when the client is logged in.
    let (device_id, access_token) = match (r.device_id, r.access_token) {
        (Some(d), Some(t)) => (Some(d), Some(t)),
        _ => (None, None),
    };
    let logged_in = access_token.is_some();
    Ok(RumaResponse(Response {
        user_id: r.user_id,
        home_server: s.config.server_name.clone(),
        device_id,
        access_token,
        refresh_token: r.refresh_token.filter(|_| logged_in),
        expires_in_ms: r
            .valid_until_ms
            .filter(|_| logged_in)
            .map(|t| super::login::expires_in(t).as_millis() as u64),
    }))
}
