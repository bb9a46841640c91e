//! The HTTP side of user-interactive auth, shared by every endpoint behind it (not an
//! endpoint itself): a 401 carrying the flows, or a Matrix error. Maps `service::uia::UiaError`
//! to status and errcode, once.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api::ApiError;
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
            UiaError::Account(a) => a.into(),
        }
    }
}

/// True when the request carries an access token (header or query).
pub fn has_access_token(
    headers: &HeaderMap,
    query: &std::collections::HashMap<String, String>,
) -> bool {
    headers.contains_key(http::header::AUTHORIZATION) || query.contains_key("access_token")
}
