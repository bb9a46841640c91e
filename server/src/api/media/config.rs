//! GET /_matrix/client/v1/media/config and /_matrix/media/v3/config — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediaconfig

use axum::extract::State;
use ruma::UInt;
use ruma::api::client::authenticated_media::get_media_config;
#[allow(deprecated)]
use ruma::api::client::media::get_media_config as legacy_get_media_config;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// The upload limit, as the spec's integer (a limit past 2^53 bytes is served as 2^53 - 1).
fn upload_size(s: &SharedServices) -> UInt {
    UInt::try_from(s.config.max_upload_size).unwrap_or(UInt::MAX)
}

pub async fn get_media_config_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(_): Ruma<get_media_config::v1::Request>,
) -> Result<RumaResponse<get_media_config::v1::Response>, ApiError> {
    Ok(RumaResponse(get_media_config::v1::Response::new(
        upload_size(&s),
    )))
}

#[allow(deprecated)]
pub async fn get_legacy_media_config_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(_): Ruma<legacy_get_media_config::v3::Request>,
) -> Result<RumaResponse<legacy_get_media_config::v3::Response>, ApiError> {
    Ok(RumaResponse(legacy_get_media_config::v3::Response::new(
        upload_size(&s),
    )))
}
