//! GET, PUT and DELETE /_matrix/client/*/devices/{deviceId} — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3devicesdeviceid
//! DELETE is behind user-interactive auth with the password.
//!
//! GET: ruma's request, our own response (the device as `GET /devices` shows it). PUT: ruma's
//! types. DELETE: our own request (the UIA session keeps the body as sent, see
//! `uia::uia_body`), ruma's response.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::client::device::{get_device, update_device};
use serde::Serialize;

use super::devices::Device;
use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;
use crate::service::account_management::DeviceError;

impl From<DeviceError> for ApiError {
    fn from(e: DeviceError) -> Self {
        let msg = e.to_string();
        match e {
            DeviceError::NotFound => ApiError::not_found(msg),
            DeviceError::NameTooLong => ApiError::new(StatusCode::BAD_REQUEST, "M_TOO_LARGE", msg),
            DeviceError::Account(a) => a.into(),
        }
    }
}

/// The answer to GET: one device.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Response(pub Device);

impl_json_response!();

pub async fn get_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_device::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let device = s
        .device(&auth.user_id, req.device_id.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found("No device found"))?;
    Ok(RumaResponse(Response(Device::new(&auth.user_id, device))))
}

pub async fn put_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<update_device::v3::Request>,
) -> Result<RumaResponse<update_device::v3::Response>, ApiError> {
    s.rename_device(
        &auth.user_id,
        req.device_id.as_str(),
        req.display_name.as_deref(),
    )
    .await?;
    Ok(RumaResponse(update_device::v3::Response::new()))
}

/// DELETE's own request type.
pub mod delete {
    use ruma::api::auth_scheme::AccessToken;
    pub use ruma::api::client::device::delete_device::v3::Response;
    use ruma::api::error::DeserializationError;
    use ruma::api::metadata;
    use serde_json::Value;

    use super::super::uia::uia_body;
    use crate::api::types::{impl_incoming_request, path_arg};

    metadata! {
        method: DELETE,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/devices/{device_id}",
            1.1 => "/_matrix/client/v3/devices/{device_id}",
        }
    }

    pub struct Request {
        pub device_id: String,
        /// The whole body, `auth` included (none is `{}`); `None` for JSON that is not an
        /// object, refused by the handler with the text every other endpoint uses (the
        /// extractor checks that only for POST and PUT bodies).
        pub body: Option<Value>,
    }

    impl_incoming_request!(|req, args| {
        let body = match uia_body(&req) {
            Ok(b) => Some(b),
            Err(DeserializationError::Json(e)) if e.is_data() => None,
            Err(e) => return Err(e),
        };
        Ok(Request {
            device_id: path_arg(args, 0),
            body,
        })
    });
}

pub async fn delete_device_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete::Request>,
) -> Result<RumaResponse<delete::Response>, UiaReject> {
    let body = req
        .body
        .ok_or_else(|| ApiError::bad_json("Content must be a JSON object."))?;
    s.delete_device_with_uia(&auth.user_id, &req.device_id, body)
        .await?;
    Ok(RumaResponse(delete::Response::new()))
}
