//! POST /_matrix/media/v1/create — https://spec.matrix.org/v1.12/client-server-api/#post_matrixmediav1create

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

pub async fn create_media_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let (id, expires) = s.reserve_media(&auth.user_id).await?;
    Ok(Json(
        json!({ "content_uri": format!("mxc://{}/{id}", s.config.server_name), "unused_expires_at": expires }),
    ))
}
