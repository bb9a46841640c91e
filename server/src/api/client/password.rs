//! POST /_matrix/client/*/account/password — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpassword
//! Behind user-interactive auth with the current password. `logout_devices` (default true)
//! signs out every other device. Without an access token, on a server with email configured,
//! it is a password reset by email (`password_email`).
//!
//! Our own request type, ruma's response: ruma's requires `new_password`, which Synapse lets
//! the call that completes a UIA session leave out (the session kept it), and the session keeps
//! the body as sent (see `uia::uia_body`).

use axum::extract::State;
use ruma::api::auth_scheme::AccessTokenOptional;
use ruma::api::client::account::change_password::v3::Response;
use ruma::api::metadata;
use serde_json::Value;

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, json_body};
use crate::service::SharedServices;
use crate::service::account_management::MAX_PASSWORD_LEN;

metadata! {
    method: POST,
    rate_limited: true,
    authentication: AccessTokenOptional,
    history: {
        1.0 => "/_matrix/client/r0/account/password",
        1.1 => "/_matrix/client/v3/account/password",
    }
}

pub struct Request {
    /// The whole body, `auth` included.
    pub body: Value,
}

impl_incoming_request!(|req, args| Ok(Request {
    body: json_body(&req)?
}));

pub async fn post_password_route(
    State(s): State<SharedServices>,
    auth: Result<Auth, ApiError>,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    let auth = match auth {
        Ok(a) => a,
        // Without a token it is a reset by email, when email is configured (else 401 as before).
        Err(e) if e.errcode == "M_MISSING_TOKEN" && s.config.email.is_some() => {
            // Its answer is `{}`, ruma's empty response.
            return super::password_email::reset_password_by_email(s, req.body, MAX_PASSWORD_LEN)
                .await
                .map(|_| RumaResponse(Response::new()));
        }
        Err(e) => return Err(e.into()),
    };
    s.change_password_with_uia(&auth.user_id, &auth.device_id, req.body)
        .await?;
    Ok(RumaResponse(Response::new()))
}
