//! GET /_matrix/client/*/account/3pid — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3account3pid

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

pub async fn get_threepids_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let list: Vec<Value> = s
        .threepids_of(&auth.user_id)
        .await?
        .into_iter()
        .map(|t| json!({"medium": t.medium, "address": t.address, "validated_at": t.validated_at, "added_at": t.added_at}))
        .collect();
    Ok(Json(json!({ "threepids": list })))
}
