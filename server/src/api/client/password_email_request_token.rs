//! POST /_matrix/client/*/account/password/email/requestToken — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpasswordemailrequesttoken
//! Mails a password-reset link to an address bound to an account; an unknown address gets
//! 400 M_THREEPID_NOT_FOUND, as Synapse (without request_token_inhibit_3pid_errors).

use axum::extract::State;
pub use ruma::api::client::account::request_password_change_token_via_email::v3::Response;
use ruma::api::{auth_scheme::NoAccessToken, metadata};

use super::threepid_errors::{TokenRequestBody, session_id, token_request_fields};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, json_body};
use crate::service::SharedServices;
use crate::service::threepid::{Purpose, ThreepidError, TokenRequest};

metadata! {
    method: POST,
    rate_limited: false,
    authentication: NoAccessToken,
    history: {
        1.0 => "/_matrix/client/r0/account/password/email/requestToken",
        1.1 => "/_matrix/client/v3/account/password/email/requestToken",
    }
}

/// The body as sent (see [`TokenRequestBody`] for why not ruma's request); ruma's paths.
pub struct Request(pub TokenRequestBody);

impl_incoming_request!(|req, args| Ok(Request(json_body(&req)?)));

pub async fn post_password_email_request_token_route(
    State(s): State<SharedServices>,
    Ruma(Request(body)): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    if s.config.email.is_none() {
        return Err(ThreepidError::ResetDisabled.into());
    }
    let (client_secret, email, send_attempt, next_link) = token_request_fields(body)?;
    let req = TokenRequest {
        client_secret: &client_secret,
        email: &email,
        send_attempt,
        next_link: next_link.as_deref(),
    };
    let sid = s.request_email_token(Purpose::PasswordReset, req).await?;
    Ok(RumaResponse(Response::new(session_id(sid)?)))
}
