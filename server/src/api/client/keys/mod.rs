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
            E2eeError::Remote(_) => ApiError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", msg),
            E2eeError::Store(s) => s.into(),
        }
    }
}

/// A client's `timeout` (milliseconds) for other servers' answers, at most a minute.
fn remote_timeout(ms: Option<u64>) -> std::time::Duration {
    ms.map_or(crate::service::e2ee::DEFAULT_REMOTE_TIMEOUT, |ms| {
        std::time::Duration::from_millis(ms.min(60_000))
    })
}

/// A ruma value (with raw JSON inside) as the JSON the services take.
fn to_json<T: serde::Serialize>(t: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_string(t)
        .and_then(|s| serde_json::from_str(&s))
        .map_err(|e| {
            tracing::error!(error = %e, "could not convert a request to JSON");
            ApiError::internal()
        })
}

/// JSON a service returned as the ruma type of a response (through text, so raw JSON inside
/// stays as it is).
fn from_json<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_str(&v.to_string()).map_err(|e| {
        tracing::error!(error = %e, "could not convert a service answer to a response");
        ApiError::internal()
    })
}

/// A backup version as the service describes it, in the parts ruma's responses take.
struct BackupInfo {
    algorithm: ruma::serde::Raw<ruma::api::client::backup::BackupAlgorithm>,
    count: ruma::UInt,
    etag: String,
    version: String,
}

impl BackupInfo {
    fn from_json(v: &serde_json::Value) -> Result<Self, ApiError> {
        Ok(BackupInfo {
            algorithm: crate::api::extract::raw(
                &json!({"algorithm": v["algorithm"], "auth_data": v["auth_data"]}),
            ),
            count: from_json(&v["count"])?,
            etag: from_json(&v["etag"])?,
            version: from_json(&v["version"])?,
        })
    }
}

/// The `etag` and `count` of a backup after a change to its keys.
fn etag_and_count(v: &serde_json::Value) -> Result<(String, ruma::UInt), ApiError> {
    Ok((from_json(&v["etag"])?, from_json(&v["count"])?))
}
