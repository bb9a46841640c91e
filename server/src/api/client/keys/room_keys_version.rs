//! POST and GET /_matrix/client/v3/room_keys/version — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3room_keysversion
//! Create a backup version; get the latest one.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

pub async fn post_room_keys_version_route(
    State(s): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"version": s.create_backup_version(&auth.user_id, &body).await?}),
    ))
}

pub async fn get_room_keys_version_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.backup_version_info(&auth.user_id, None).await?))
}
