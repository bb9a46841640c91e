//! POST /_matrix/client/*/account/3pid/email/requestToken — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3account3pidemailrequesttoken
//! Mails a validation link for an address to add to an account; an address already bound to
//! an account is refused with M_THREEPID_IN_USE, as Synapse.

use axum::extract::State;
pub use ruma::api::client::account::request_3pid_management_token_via_email::v3::Response;
use ruma::api::{auth_scheme::NoAccessToken, metadata};

use super::threepid_errors::{TokenRequestBody, session_id, token_request_fields};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, json_body};
use crate::service::SharedServices;
use crate::service::threepid::{Purpose, TokenRequest};

metadata! {
    method: POST,
    rate_limited: false,
    authentication: NoAccessToken,
    history: {
        1.0 => "/_matrix/client/r0/account/3pid/email/requestToken",
        1.1 => "/_matrix/client/v3/account/3pid/email/requestToken",
    }
}

/// The body as sent (see [`TokenRequestBody`] for why not ruma's request); ruma's paths.
pub struct Request(pub TokenRequestBody);

impl_incoming_request!(|req, args| Ok(Request(json_body(&req)?)));

pub async fn post_threepid_email_request_token_route(
    State(s): State<SharedServices>,
    Ruma(Request(body)): Ruma<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    if s.config.email.is_none() {
        return Err(crate::service::threepid::ThreepidError::AddDisabled.into());
    }
    let (client_secret, email, send_attempt, next_link) = token_request_fields(body)?;
    let req = TokenRequest {
        client_secret: &client_secret,
        email: &email,
        send_attempt,
        next_link: next_link.as_deref(),
    };
    let sid = s.request_email_token(Purpose::AddThreepid, req).await?;
    Ok(RumaResponse(Response::new(session_id(sid)?)))
}
