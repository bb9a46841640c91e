//! GET, PUT and DELETE /_matrix/client/v3/room_keys/version/{version} — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3room_keysversionversion

use axum::extract::State;
use ruma::api::client::backup::{delete_backup_version, get_backup_info, update_backup_version};

use super::to_json;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn get_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_backup_info::v3::Request>,
) -> Result<RumaResponse<get_backup_info::v3::Response>, ApiError> {
    let info = super::BackupInfo::from_json(
        &s.backup_version_info(&auth.user_id, Some(&req.version))
            .await?,
    )?;
    Ok(RumaResponse(get_backup_info::v3::Response::new(
        info.algorithm,
        info.count,
        info.etag,
        info.version,
    )))
}

pub async fn put_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<update_backup_version::v3::Request>,
) -> Result<RumaResponse<update_backup_version::v3::Response>, ApiError> {
    // The raw body keeps an optional `version`, which the service checks against the path.
    s.update_backup_version(&auth.user_id, &req.version, &to_json(&req.algorithm)?)
        .await?;
    Ok(RumaResponse(update_backup_version::v3::Response::new()))
}

pub async fn delete_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_backup_version::v3::Request>,
) -> Result<RumaResponse<delete_backup_version::v3::Response>, ApiError> {
    s.delete_backup_version(&auth.user_id, &req.version).await?;
    Ok(RumaResponse(delete_backup_version::v3::Response::new()))
}
