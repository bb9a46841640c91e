//! The HTTP side of user-interactive auth, shared by every endpoint behind it (not an
//! endpoint itself): a 401 carrying the flows, or a Matrix error. Maps `service::uia::UiaError`
//! to status and errcode, once; reads the body those endpoints' own request types keep whole.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruma::api::error::DeserializationError;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::types::query;
use crate::service::StoreError;
use crate::service::accounts::AccountError;
use crate::service::uia::UiaError;

/// The error of a UIA endpoint.
#[derive(Debug)]
pub enum UiaReject {
    /// 401 with `{flows, params, session[, completed, errcode, error]}`.
    Challenge(Value),
    Api(ApiError),
}

impl IntoResponse for UiaReject {
    fn into_response(self) -> Response {
        match self {
            UiaReject::Challenge(body) => (StatusCode::UNAUTHORIZED, Json(body)).into_response(),
            UiaReject::Api(e) => e.into_response(),
        }
    }
}

impl From<ApiError> for UiaReject {
    fn from(e: ApiError) -> Self {
        UiaReject::Api(e)
    }
}

impl From<AccountError> for UiaReject {
    fn from(e: AccountError) -> Self {
        UiaReject::Api(e.into())
    }
}

impl From<StoreError> for UiaReject {
    fn from(e: StoreError) -> Self {
        UiaReject::Api(e.into())
    }
}

impl From<UiaError> for UiaReject {
    fn from(e: UiaError) -> Self {
        let msg = e.to_string();
        match e {
            UiaError::Incomplete(c) => UiaReject::Challenge(c.to_json()),
            UiaError::UnknownSession(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", msg).into()
            }
            UiaError::Changed | UiaError::WrongUser => ApiError::forbidden(msg).into(),
            UiaError::Client {
                status,
                errcode,
                message,
            } => ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                errcode,
                message,
            )
            .into(),
            UiaError::RateLimited(ms) => ApiError::limit_exceeded(ms).into(),
            UiaError::Account(a) => a.into(),
        }
    }
}

/// True when the request carries an access token (header or query).
pub fn has_access_token(req: &http::Request<&[u8]>) -> bool {
    req.headers().contains_key(http::header::AUTHORIZATION)
        || query(req).contains_key("access_token")
}

/// The whole JSON body of a request behind UIA, kept as sent: the session stores it (the
/// parameters of its first call, as Synapse's `clientdict`) and reads `auth` from it, so
/// ruma's typed `AuthData` bodies would drop what the session must keep. No body is `{}`.
pub fn uia_body(req: &http::Request<&[u8]>) -> Result<Value, DeserializationError> {
    let body = req.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(body)?;
    if !value.is_object() {
        return Err(DeserializationError::Json(serde::de::Error::custom(
            "Content must be a JSON object.",
        )));
    }
    Ok(value)
}
