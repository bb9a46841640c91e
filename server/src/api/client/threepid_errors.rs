//! The HTTP side of email 3PIDs shared by their endpoints (not an endpoint itself): maps
//! `service::threepid::ThreepidError` to status and errcode once, and renders the small HTML
//! pages the mailed links land on.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::api::ApiError;
use crate::api::types::present;
use crate::service::threepid::ThreepidError;

impl From<ThreepidError> for ApiError {
    fn from(e: ThreepidError) -> Self {
        let msg = e.to_string();
        let bad = |code| ApiError::new(StatusCode::BAD_REQUEST, code, msg.clone());
        match e {
            ThreepidError::AddDisabled => bad("M_THREEPID_MEDIUM_NOT_SUPPORTED"),
            ThreepidError::ResetDisabled | ThreepidError::Validation(_) => bad("M_UNKNOWN"),
            ThreepidError::InvalidEmail => bad("M_BAD_JSON"),
            ThreepidError::InvalidClientSecret | ThreepidError::InvalidNextLink(_) => {
                bad("M_INVALID_PARAM")
            }
            ThreepidError::InUse => bad("M_THREEPID_IN_USE"),
            ThreepidError::NotFound => bad("M_THREEPID_NOT_FOUND"),
            ThreepidError::NoValidatedSession => bad("M_THREEPID_AUTH_FAILED"),
            ThreepidError::SendFailed => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN", msg)
            }
            ThreepidError::Store(s) => s.into(),
        }
    }
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head><body>{body_html}</body></html>\n",
        escape_html(title)
    );
    (status, Html(html)).into_response()
}

/// The page after a link was followed: a redirect to next_link, success, or the failure reason.
pub fn outcome(result: Result<Option<String>, ThreepidError>, success: &str) -> Response {
    match result {
        Ok(Some(next)) => (StatusCode::FOUND, [(http::header::LOCATION, next)]).into_response(),
        Ok(None) => page(
            StatusCode::OK,
            "Success",
            &format!("<p>{}</p>", escape_html(success)),
        ),
        Err(ThreepidError::Store(e)) => ApiError::from(e).into_response(),
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "Failure",
            &format!(
                "<p>The request failed for the following reason: {}.</p><p>No changes have been made.</p>",
                escape_html(&e.to_string())
            ),
        ),
    }
}

/// requestToken's body as sent (both requestToken endpoints): each field is checked by
/// [`token_request_fields`] with Synapse's errcodes and texts. Ours rather than ruma's request:
/// ruma refuses a missing field with M_MISSING_PARAM and a malformed client_secret with
/// M_BAD_JSON while parsing, where Synapse answers M_BAD_JSON and M_INVALID_PARAM, and only
/// after checking that email is enabled.
#[derive(serde::Deserialize)]
pub struct TokenRequestBody {
    #[serde(default, deserialize_with = "present")]
    pub client_secret: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub send_attempt: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub next_link: Option<Value>,
}

/// Reads requestToken's body: client_secret, email, send_attempt, optional next_link.
pub fn token_request_fields(
    body: TokenRequestBody,
) -> Result<(String, String, i64, Option<String>), ApiError> {
    let string = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let client_secret = string(body.client_secret)
        .ok_or_else(|| ApiError::bad_json("client_secret: field required (a string)"))?;
    let email =
        string(body.email).ok_or_else(|| ApiError::bad_json("email: field required (a string)"))?;
    let send_attempt = body
        .send_attempt
        .as_ref()
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_json("send_attempt: field required (an integer)"))?;
    let next_link = match body.next_link {
        None | Some(Value::Null) => None,
        Some(Value::String(l)) => Some(l),
        Some(_) => return Err(ApiError::bad_json("next_link must be a string")),
    };
    Ok((client_secret, email, send_attempt, next_link))
}

/// The session id the service made, as ruma's type (it is always a valid one).
pub fn session_id(sid: String) -> Result<ruma::OwnedSessionId, ApiError> {
    ruma::OwnedSessionId::try_from(sid).map_err(|e| {
        tracing::error!(error = %e, "a 3PID session id is not valid");
        ApiError::internal()
    })
}
