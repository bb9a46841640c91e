//! POST /_matrix/client/*/account/password/email/requestToken — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpasswordemailrequesttoken
//! Mails a password-reset link to an address bound to an account; an unknown address gets
//! 400 M_THREEPID_NOT_FOUND, as Synapse (without request_token_inhibit_3pid_errors).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::threepid_errors::token_request_fields;
use crate::api::ApiError;
use crate::api::extract::MatrixJson;
use crate::service::SharedServices;
use crate::service::threepid::{Purpose, ThreepidError, TokenRequest};

pub async fn post_password_email_request_token_route(
    State(s): State<SharedServices>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if s.config.email.is_none() {
        return Err(ThreepidError::ResetDisabled.into());
    }
    let (client_secret, email, send_attempt, next_link) = token_request_fields(&body)?;
    let req = TokenRequest {
        client_secret: &client_secret,
        email: &email,
        send_attempt,
        next_link: next_link.as_deref(),
    };
    let sid = s.request_email_token(Purpose::PasswordReset, req).await?;
    Ok(Json(json!({ "sid": sid })))
}
