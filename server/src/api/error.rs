//! The one error type of the HTTP layer: a Matrix `{errcode, error}` body with its status.
//! Internal errors become `M_UNKNOWN`/500 with a generic text and are logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::service::StoreError;
use crate::service::accounts::AccountError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errcode: &'static str,
    pub error: String,
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, errcode: &'static str, error: impl Into<String>) -> Self {
        ApiError {
            status,
            errcode,
            error: error.into(),
            extra: Map::new(),
        }
    }
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }
    /// The same error with another text.
    pub fn message(mut self, error: impl Into<String>) -> Self {
        self.error = error.into();
        self
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "M_FORBIDDEN", msg)
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "M_NOT_FOUND", msg)
    }
    pub fn unrecognized() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "M_UNRECOGNIZED",
            "Unrecognized request",
        )
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "M_UNRECOGNIZED",
            "Unrecognized request",
        )
    }
    pub fn missing_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "M_MISSING_TOKEN",
            "Missing access token",
        )
    }
    pub fn unknown_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "M_UNKNOWN_TOKEN",
            "Invalid access token passed.",
        )
        .with("soft_logout", json!(false))
    }
    pub fn not_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "M_NOT_JSON", "Content not JSON.")
    }
    pub fn bad_json(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", msg)
    }
    pub fn invalid_param(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "M_INVALID_PARAM", msg)
    }
    pub fn unknown(status: StatusCode, msg: impl Into<String>) -> Self {
        Self::new(status, "M_UNKNOWN", msg)
    }
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "M_TOO_LARGE",
            format!("Request body is larger than {limit} bytes"),
        )
    }
    pub fn limit_exceeded(retry_after_ms: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "M_LIMIT_EXCEEDED",
            "Too Many Requests",
        )
        .with("retry_after_ms", json!(retry_after_ms))
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "M_UNKNOWN",
            "Internal server error",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self.extra.get("retry_after_ms").and_then(Value::as_u64);
        let mut body = self.extra;
        body.insert("errcode".into(), json!(self.errcode));
        body.insert("error".into(), json!(self.error));
        let mut res = (self.status, Json(Value::Object(body))).into_response();
        if let Some(ms) = retry_after
            && let Ok(v) = http::HeaderValue::from_str(&ms.div_ceil(1000).to_string())
        {
            res.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<crate::service::ratelimit::RetryAfter> for ApiError {
    fn from(r: crate::service::ratelimit::RetryAfter) -> Self {
        ApiError::limit_exceeded(r.0)
    }
}

/// An inbound federation request that fails X-Matrix authentication: 401 M_UNAUTHORIZED as
/// in Synapse (a body that is not JSON cannot have been signed: M_NOT_JSON).
impl From<crate::service::federation::AuthError> for ApiError {
    fn from(e: crate::service::federation::AuthError) -> Self {
        use crate::service::federation::AuthError as A;
        match e {
            A::NotJson => ApiError::not_json(),
            A::Missing => Self::new(
                StatusCode::UNAUTHORIZED,
                "M_UNAUTHORIZED",
                "Missing Authorization headers",
            ),
            A::Malformed(m) => Self::new(
                StatusCode::BAD_REQUEST,
                "M_UNAUTHORIZED",
                format!("Malformed Authorization header: {m}"),
            ),
            A::Sign(m) => {
                tracing::error!(error = m, "authenticating a federation request");
                ApiError::internal()
            }
            other => Self::new(
                StatusCode::UNAUTHORIZED,
                "M_UNAUTHORIZED",
                other.to_string(),
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage error");
        ApiError::internal()
    }
}

impl From<crate::service::rooms::RoomError> for ApiError {
    fn from(e: crate::service::rooms::RoomError) -> Self {
        use crate::service::rooms::RoomError as R;
        let text = e.to_string();
        match e {
            R::NotFound(m) => ApiError::not_found(m),
            R::Forbidden(m) => ApiError::forbidden(m),
            R::BadEvent(m) => ApiError::bad_json(m),
            R::InvalidParam(m) => ApiError::invalid_param(m),
            R::Refused(m) => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", m),
            R::RateLimited(ms) => ApiError::limit_exceeded(ms),
            R::AliasInUse(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_ROOM_IN_USE",
                "Room alias already taken",
            ),
            R::UnsupportedVersion(v) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_UNSUPPORTED_ROOM_VERSION",
                format!(
                    "Your homeserver does not support the features required to interact with this room (version {v})"
                ),
            ),
            R::IncompatibleVersion(v) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_INCOMPATIBLE_ROOM_VERSION", text)
                    .with("room_version", json!(v))
            }
            R::TooLarge(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE", m),
            R::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "M_UNKNOWN", m),
            R::BadGateway(m) => ApiError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", m),
            R::Unavailable(_) | R::Rebuild => {
                tracing::error!(error = %text, "an event was not stored");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "M_UNKNOWN",
                    "The event could not be stored; nothing was stored, try again",
                )
            }
            R::Store(s) => s.into(),
        }
    }
}

impl From<crate::service::media::MediaError> for ApiError {
    fn from(e: crate::service::media::MediaError) -> Self {
        use crate::service::media::MediaError as M;
        match e {
            M::TooLarge(_) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE", e.to_string())
            }
            M::NotFound => ApiError::not_found("Not found"),
            // As Synapse: another server's failure is a bad gateway, ours is not.
            M::RemoteTooLarge(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "M_TOO_LARGE", e.to_string())
            }
            M::RemoteUnavailable => {
                ApiError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", e.to_string())
            }
            M::FederationDenied(_) => ApiError::forbidden(e.to_string()),
            M::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", m),
            M::CannotOverwrite => ApiError::new(
                StatusCode::CONFLICT,
                "M_CANNOT_OVERWRITE_MEDIA",
                e.to_string(),
            ),
            M::Forbidden => ApiError::forbidden(e.to_string()),
            M::Io(io) => {
                tracing::error!(error = %io, "media storage failed");
                ApiError::internal()
            }
            M::Store(s) => s.into(),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::InvalidUsername(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_INVALID_USERNAME", m)
            }
            AccountError::UserInUse => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_USER_IN_USE", e.to_string())
            }
            AccountError::BadLogin => ApiError::forbidden(e.to_string()),
            AccountError::Deactivated => {
                ApiError::new(StatusCode::FORBIDDEN, "M_USER_DEACTIVATED", e.to_string())
            }
            // Synapse's InvalidClientTokenError(soft_logout=True).
            AccountError::TokenExpired => ApiError::unknown_token()
                .with("soft_logout", json!(true))
                .message(e.to_string()),
            // Synapse answers /refresh with a plain SynapseError: no soft_logout field.
            AccountError::UnknownRefreshToken => {
                ApiError::new(StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN", e.to_string())
            }
            AccountError::RefreshTokenUsed
            | AccountError::RefreshTokenExpired
            | AccountError::SessionExpired => ApiError::forbidden(e.to_string()),
            AccountError::Store(s) => s.into(),
            AccountError::Hash(m) => {
                tracing::error!(error = %m, "password hashing failed");
                ApiError::internal()
            }
        }
    }
}
