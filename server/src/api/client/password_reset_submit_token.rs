//! GET and POST /_synapse/client/password_reset/email/submit_token — Synapse's link target for
//! /account/password/email/requestToken mails (https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpasswordemailrequesttoken).
//! GET only shows a confirmation form (so a link scanner cannot confirm a reset); its POST
//! validates the session, then redirects to next_link or shows a success page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::threepid_errors::{escape_html, outcome, page};
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;
use crate::service::threepid::{ThreepidError, valid_client_secret};

fn params(
    q: &std::collections::HashMap<String, String>,
) -> Result<(String, String, String), ApiError> {
    let get = |k: &str| {
        q.get(k).cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_MISSING_PARAM",
                format!("Missing string query parameter '{k}'"),
            )
        })
    };
    let (sid, token, client_secret) = (get("sid")?, get("token")?, get("client_secret")?);
    if !valid_client_secret(&client_secret) {
        return Err(ThreepidError::InvalidClientSecret.into());
    }
    Ok((sid, token, client_secret))
}

pub async fn get_password_reset_submit_token_route(
    State(s): State<SharedServices>,
    QueryMap(q): QueryMap,
) -> Result<Response, ApiError> {
    if s.config.email.is_none() {
        return Err(ThreepidError::ResetDisabled.into());
    }
    let (sid, token, client_secret) = params(&q)?;
    let form = format!(
        "<p>You have requested to <strong>reset your Matrix account's password</strong>. Click the link below to confirm this action.</p><p>If you did not mean to do this, please close this page and your password will not be changed.</p><form method=\"post\"><input type=\"hidden\" name=\"sid\" value=\"{}\"><input type=\"hidden\" name=\"token\" value=\"{}\"><input type=\"hidden\" name=\"client_secret\" value=\"{}\"><input type=\"submit\" value=\"Confirm changing my password\"></form>",
        escape_html(&sid),
        escape_html(&token),
        escape_html(&client_secret)
    );
    Ok(page(StatusCode::OK, "Password reset confirmation", &form))
}

/// The form posts its fields url-encoded in the body; Synapse also accepts them in the query.
pub async fn post_password_reset_submit_token_route(
    State(s): State<SharedServices>,
    QueryMap(mut q): QueryMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if s.config.email.is_none() {
        return Err(ThreepidError::ResetDisabled.into());
    }
    q.extend(url::form_urlencoded::parse(&body).into_owned());
    let (sid, token, client_secret) = params(&q)?;
    let result = s.submit_email_token(&sid, &client_secret, &token).await;
    Ok(outcome(
        result,
        "Your email has now been validated, please return to your client to reset your password. You may now close this window.",
    ))
}
