//! The HTTP side of email 3PIDs shared by their endpoints (not an endpoint itself): maps
//! `service::threepid::ThreepidError` to status and errcode once, and renders the small HTML
//! pages the mailed links land on.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::api::ApiError;
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

/// Reads requestToken's body: client_secret, email, send_attempt, optional next_link.
pub fn token_request_fields(
    body: &serde_json::Value,
) -> Result<(String, String, i64, Option<String>), ApiError> {
    let s = |k: &str| {
        body.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let client_secret = s("client_secret")
        .ok_or_else(|| ApiError::bad_json("client_secret: field required (a string)"))?;
    let email = s("email").ok_or_else(|| ApiError::bad_json("email: field required (a string)"))?;
    let send_attempt = body
        .get("send_attempt")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| ApiError::bad_json("send_attempt: field required (an integer)"))?;
    let next_link = match body.get("next_link") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(l)) => Some(l.clone()),
        Some(_) => return Err(ApiError::bad_json("next_link must be a string")),
    };
    Ok((client_secret, email, send_attempt, next_link))
}
