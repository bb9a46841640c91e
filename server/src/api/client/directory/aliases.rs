//! Room aliases — https://spec.matrix.org/v1.16/client-server-api/#room-aliases
//! PUT/GET/DELETE /directory/room/{roomAlias}, GET /rooms/{roomId}/aliases.

use axum::extract::State;
use ruma::api::client::alias::{create_alias, delete_alias, get_alias};
use ruma::api::client::room::aliases;
use ruma::{OwnedRoomAliasId, OwnedRoomId, OwnedServerName};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn put_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_alias::v3::Request>,
) -> Result<RumaResponse<create_alias::v3::Response>, ApiError> {
    services
        .create_alias(&auth.user_id, req.room_alias.as_str(), req.room_id.as_str())
        .await?;
    Ok(RumaResponse(create_alias::v3::Response::new()))
}

pub async fn get_alias_route(
    State(services): State<SharedServices>,
    Ruma(req): Ruma<get_alias::v3::Request>,
) -> Result<RumaResponse<get_alias::v3::Response>, ApiError> {
    let (room_id, servers) = services.alias_target(req.room_alias.as_str()).await?;
    let room_id = OwnedRoomId::try_from(room_id).map_err(|_| ApiError::internal())?;
    let servers = servers
        .into_iter()
        .filter_map(|s| OwnedServerName::try_from(s).ok())
        .collect();
    Ok(RumaResponse(get_alias::v3::Response::new(room_id, servers)))
}

pub async fn delete_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_alias::v3::Request>,
) -> Result<RumaResponse<delete_alias::v3::Response>, ApiError> {
    services
        .delete_alias(&auth.user_id, req.room_alias.as_str())
        .await?;
    Ok(RumaResponse(delete_alias::v3::Response::new()))
}

pub async fn get_room_aliases_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<aliases::v3::Request>,
) -> Result<RumaResponse<aliases::v3::Response>, ApiError> {
    let list = services
        .room_aliases(&auth.user_id, req.room_id.as_str())
        .await?
        .into_iter()
        .filter_map(|a| OwnedRoomAliasId::try_from(a).ok())
        .collect();
    Ok(RumaResponse(aliases::v3::Response::new(list)))
}
