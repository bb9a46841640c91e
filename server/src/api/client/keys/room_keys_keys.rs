//! PUT, GET and DELETE /_matrix/client/v3/room_keys/keys[/{roomId}[/{sessionId}]]?version= —
//! https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3room_keyskeys
//! The three paths address all keys, one room's, or one session's.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::version_param;
use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, QueryMap};
use crate::service::SharedServices;
use crate::service::e2ee::RoomKeysPath;

fn path(p: Vec<String>) -> RoomKeysPath {
    let mut it = p.into_iter();
    RoomKeysPath {
        room_id: it.next(),
        session_id: it.next(),
    }
}

/// Path parameters (percent-decoded) of any of the three paths: none, room, room and session.
pub struct KeysPath(RoomKeysPath);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for KeysPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let params = match axum::extract::RawPathParams::from_request_parts(parts, state).await {
            Ok(p) => p.iter().map(|(_, v)| v.to_string()).collect(),
            Err(_) => Vec::new(),
        };
        Ok(KeysPath(path(params)))
    }
}

pub async fn put_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    KeysPath(p): KeysPath,
    QueryMap(q): QueryMap,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let version = version_param(&q)?;
    Ok(Json(
        s.put_room_keys(&auth.user_id, &version, &p, body).await?,
    ))
}

pub async fn get_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    KeysPath(p): KeysPath,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let version = version_param(&q)?;
    Ok(Json(s.get_room_keys(&auth.user_id, &version, &p).await?))
}

pub async fn delete_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    KeysPath(p): KeysPath,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let version = version_param(&q)?;
    Ok(Json(s.delete_room_keys(&auth.user_id, &version, &p).await?))
}
