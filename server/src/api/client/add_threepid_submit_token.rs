//! GET /_matrix/client/unstable/add_threepid/email/submit_token — Synapse's link target for
//! /account/3pid/email/requestToken mails (https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3account3pidemailrequesttoken, submit_url).
//! Validates the session, then redirects to next_link or shows a success page.

use axum::extract::State;
use axum::response::Response;

use super::threepid_errors::outcome;
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;
use crate::service::threepid::{ThreepidError, valid_client_secret};

pub async fn get_add_threepid_submit_token_route(
    State(s): State<SharedServices>,
    QueryMap(q): QueryMap,
) -> Result<Response, ApiError> {
    if s.config.email.is_none() {
        return Err(ThreepidError::AddDisabled.into());
    }
    let get = |k: &str| {
        q.get(k).cloned().ok_or_else(|| {
            ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_MISSING_PARAM",
                format!("Missing string query parameter '{k}'"),
            )
        })
    };
    let (sid, token, client_secret) = (get("sid")?, get("token")?, get("client_secret")?);
    if !valid_client_secret(&client_secret) {
        return Err(ThreepidError::InvalidClientSecret.into());
    }
    let result = s.submit_email_token(&sid, &client_secret, &token).await;
    Ok(outcome(
        result,
        "Your email has now been validated, please return to your client. You may now close this window.",
    ))
}
