//! End-to-end encryption endpoints: keys, cross-signing, to-device messages and room key
//! backup, one endpoint (path) per file. Also maps `service::e2ee::E2eeError` to Matrix
//! errors, once.

pub mod changes;
pub mod claim;
pub mod device_signing_upload;
pub mod query;
pub mod room_keys_keys;
pub mod room_keys_version;
pub mod room_keys_version_id;
pub mod send_to_device;
pub mod signatures_upload;
pub mod upload;

use axum::http::StatusCode;
use serde_json::json;

use crate::api::ApiError;
use crate::service::e2ee::E2eeError;

impl From<E2eeError> for ApiError {
    fn from(e: E2eeError) -> Self {
        let msg = e.to_string();
        match e {
            E2eeError::BadJson(_) => ApiError::bad_json(msg),
            E2eeError::InvalidParam(_) => ApiError::invalid_param(msg),
            E2eeError::MissingParam(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_MISSING_PARAM", msg)
            }
            E2eeError::InvalidSignature(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_INVALID_SIGNATURE", msg)
            }
            E2eeError::NotFound(_) => ApiError::not_found(msg),
            E2eeError::Unknown(_) => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", msg),
            E2eeError::TooLarge(_) => ApiError::new(StatusCode::BAD_REQUEST, "M_TOO_LARGE", msg),
            E2eeError::WrongRoomKeysVersion { current_version } => {
                ApiError::new(StatusCode::FORBIDDEN, "M_WRONG_ROOM_KEYS_VERSION", msg)
                    .with("current_version", json!(current_version))
            }
            E2eeError::Store(s) => s.into(),
        }
    }
}

/// The required `version` query parameter of /room_keys/keys.
fn version_param(q: &std::collections::HashMap<String, String>) -> Result<String, ApiError> {
    q.get("version").cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'version'",
        )
    })
}
