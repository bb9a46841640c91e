//! GET, PUT and DELETE /_matrix/client/v3/room_keys/version/{version} — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3room_keysversionversion

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn get_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(version): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        s.backup_version_info(&auth.user_id, Some(&version)).await?,
    ))
}

pub async fn put_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(version): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    s.update_backup_version(&auth.user_id, &version, &body)
        .await?;
    Ok(Json(json!({})))
}

pub async fn delete_room_keys_version_id_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(version): Params<String>,
) -> Result<Json<Value>, ApiError> {
    s.delete_backup_version(&auth.user_id, &version).await?;
    Ok(Json(json!({})))
}
