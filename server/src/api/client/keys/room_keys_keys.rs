//! PUT, GET and DELETE /_matrix/client/v3/room_keys/keys[/{roomId}[/{sessionId}]]?version= —
//! https://spec.matrix.org/v1.16/client-server-api/#put_matrixclientv3room_keyskeys
//! The three paths address all keys, one room's, or one session's.

use axum::extract::State;
use ruma::RoomId;
use ruma::api::client::backup::{
    add_backup_keys, add_backup_keys_for_room, add_backup_keys_for_session, delete_backup_keys,
    delete_backup_keys_for_room, delete_backup_keys_for_session, get_backup_keys,
    get_backup_keys_for_room, get_backup_keys_for_session,
};
use serde_json::json;

use super::{etag_and_count, from_json, to_json};
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, raw};
use crate::service::SharedServices;
use crate::service::e2ee::RoomKeysPath;

fn path(room_id: Option<&RoomId>, session_id: Option<&str>) -> RoomKeysPath {
    RoomKeysPath {
        room_id: room_id.map(|r| r.as_str().to_string()),
        session_id: session_id.map(str::to_string),
    }
}

// The keys are checked one by one by the service (is_verified a boolean, indexes integers),
// which names what is wrong: ruma reads them raw.

pub async fn put_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<add_backup_keys::v3::Request>,
) -> Result<RumaResponse<add_backup_keys::v3::Response>, ApiError> {
    let body = json!({ "rooms": to_json(&req.rooms)? });
    let res = s
        .put_room_keys(&auth.user_id, &req.version, &path(None, None), body)
        .await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(add_backup_keys::v3::Response::new(
        etag, count,
    )))
}

pub async fn put_room_keys_for_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<add_backup_keys_for_room::v3::Request>,
) -> Result<RumaResponse<add_backup_keys_for_room::v3::Response>, ApiError> {
    let body = json!({ "sessions": to_json(&req.sessions)? });
    let p = path(Some(&req.room_id), None);
    let res = s
        .put_room_keys(&auth.user_id, &req.version, &p, body)
        .await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(add_backup_keys_for_room::v3::Response::new(
        etag, count,
    )))
}

pub async fn put_room_keys_for_session_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<add_backup_keys_for_session::v3::Request>,
) -> Result<RumaResponse<add_backup_keys_for_session::v3::Response>, ApiError> {
    let p = path(Some(&req.room_id), Some(&req.session_id));
    let res = s
        .put_room_keys(&auth.user_id, &req.version, &p, to_json(&req.session_data)?)
        .await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(
        add_backup_keys_for_session::v3::Response::new(etag, count),
    ))
}

pub async fn get_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_backup_keys::v3::Request>,
) -> Result<RumaResponse<get_backup_keys::v3::Response>, ApiError> {
    let res = s
        .get_room_keys(&auth.user_id, &req.version, &path(None, None))
        .await?;
    Ok(RumaResponse(get_backup_keys::v3::Response::new(from_json(
        &res["rooms"],
    )?)))
}

pub async fn get_room_keys_for_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_backup_keys_for_room::v3::Request>,
) -> Result<RumaResponse<get_backup_keys_for_room::v3::Response>, ApiError> {
    let p = path(Some(&req.room_id), None);
    let res = s.get_room_keys(&auth.user_id, &req.version, &p).await?;
    Ok(RumaResponse(get_backup_keys_for_room::v3::Response::new(
        from_json(&res["sessions"])?,
    )))
}

pub async fn get_room_keys_for_session_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_backup_keys_for_session::v3::Request>,
) -> Result<RumaResponse<get_backup_keys_for_session::v3::Response>, ApiError> {
    let p = path(Some(&req.room_id), Some(&req.session_id));
    let res = s.get_room_keys(&auth.user_id, &req.version, &p).await?;
    Ok(RumaResponse(
        get_backup_keys_for_session::v3::Response::new(raw(&res)),
    ))
}

pub async fn delete_room_keys_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_backup_keys::v3::Request>,
) -> Result<RumaResponse<delete_backup_keys::v3::Response>, ApiError> {
    let res = s
        .delete_room_keys(&auth.user_id, &req.version, &path(None, None))
        .await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(delete_backup_keys::v3::Response::new(
        etag, count,
    )))
}

pub async fn delete_room_keys_for_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_backup_keys_for_room::v3::Request>,
) -> Result<RumaResponse<delete_backup_keys_for_room::v3::Response>, ApiError> {
    let p = path(Some(&req.room_id), None);
    let res = s.delete_room_keys(&auth.user_id, &req.version, &p).await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(
        delete_backup_keys_for_room::v3::Response::new(etag, count),
    ))
}

pub async fn delete_room_keys_for_session_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_backup_keys_for_session::v3::Request>,
) -> Result<RumaResponse<delete_backup_keys_for_session::v3::Response>, ApiError> {
    let p = path(Some(&req.room_id), Some(&req.session_id));
    let res = s.delete_room_keys(&auth.user_id, &req.version, &p).await?;
    let (etag, count) = etag_and_count(&res)?;
    Ok(RumaResponse(
        delete_backup_keys_for_session::v3::Response::new(etag, count),
    ))
}
