//! POST and GET /_matrix/client/v3/room_keys/version — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3room_keysversion
//! Create a backup version; get the latest one.

use axum::extract::State;
use ruma::api::client::backup::{create_backup_version, get_latest_backup_info};

use super::to_json;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn post_room_keys_version_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_backup_version::v3::Request>,
) -> Result<RumaResponse<create_backup_version::v3::Response>, ApiError> {
    // The body is the algorithm and its auth_data, raw: the service checks both are there.
    let version = s
        .create_backup_version(&auth.user_id, &to_json(&req.algorithm)?)
        .await?;
    Ok(RumaResponse(create_backup_version::v3::Response::new(
        version,
    )))
}

pub async fn get_room_keys_version_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<get_latest_backup_info::v3::Request>,
) -> Result<RumaResponse<get_latest_backup_info::v3::Response>, ApiError> {
    let info = super::BackupInfo::from_json(&s.backup_version_info(&auth.user_id, None).await?)?;
    Ok(RumaResponse(get_latest_backup_info::v3::Response::new(
        info.algorithm,
        info.count,
        info.etag,
        info.version,
    )))
}
