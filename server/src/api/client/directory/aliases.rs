//! Room aliases — https://spec.matrix.org/v1.12/client-server-api/#room-aliases
//! PUT/GET/DELETE /directory/room/{roomAlias}, GET /rooms/{roomId}/aliases.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn put_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(alias): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let room_id = body
        .get("room_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_json("room_id is required"))?;
    services
        .create_alias(&auth.user_id, &alias, room_id)
        .await?;
    Ok(Json(json!({})))
}

pub async fn get_alias_route(
    State(services): State<SharedServices>,
    Params(alias): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let (room_id, servers) = services.alias_target(&alias).await?;
    Ok(Json(json!({ "room_id": room_id, "servers": servers })))
}

pub async fn delete_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(alias): Params<String>,
) -> Result<Json<Value>, ApiError> {
    services.delete_alias(&auth.user_id, &alias).await?;
    Ok(Json(json!({})))
}

pub async fn get_room_aliases_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let aliases = services.room_aliases(&auth.user_id, &room_id).await?;
    Ok(Json(json!({ "aliases": aliases })))
}
