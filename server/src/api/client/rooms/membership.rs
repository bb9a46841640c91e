//! Membership endpoints — https://spec.matrix.org/v1.12/client-server-api/#room-membership
//! POST /join/{roomIdOrAlias}, /knock/{roomIdOrAlias}, /rooms/{roomId}/join, invite, leave,
//! kick, ban, unban, forget;
//! GET /joined_rooms, /rooms/{roomId}/members, /rooms/{roomId}/joined_members.

use axum::extract::State;

use crate::api::ApiError;
use std::collections::BTreeMap;

use ruma::api::client::membership::{
    ban_user, forget_room, get_member_events, join_room_by_id, join_room_by_id_or_alias,
    joined_members, joined_rooms, kick_user, leave_room, unban_user,
};
use ruma::{OwnedMxcUri, OwnedRoomId, OwnedUserId};

use crate::api::extract::{Auth, Ruma, RumaResponse, position, raws};
use crate::service::SharedServices;

/// POST /join/{roomIdOrAlias}
pub async fn join_by_id_or_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<join_room_by_id_or_alias::v3::Request>,
) -> Result<RumaResponse<join_room_by_id_or_alias::v3::Response>, ApiError> {
    let room_id = join(
        &services,
        &auth,
        req.room_id_or_alias.as_str(),
        &req.via,
        req.reason,
    )
    .await?;
    Ok(RumaResponse(join_room_by_id_or_alias::v3::Response::new(
        room_id,
    )))
}

/// POST /rooms/{roomId}/join
pub async fn join_by_id_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<join_room_by_id::v3::Request>,
) -> Result<RumaResponse<join_room_by_id::v3::Response>, ApiError> {
    let room_id = join(&services, &auth, req.room_id.as_str(), &[], req.reason).await?;
    Ok(RumaResponse(join_room_by_id::v3::Response::new(room_id)))
}

async fn join(
    services: &SharedServices,
    auth: &Auth,
    room: &str,
    via: &[ruma::OwnedServerName],
    reason: Option<String>,
) -> Result<OwnedRoomId, ApiError> {
    let (room_id, _) = services
        .join(&auth.user_id, room, via, reason.as_deref())
        .await?;
    OwnedRoomId::try_from(room_id).map_err(|_| ApiError::internal())
}

/// POST /rooms/{roomId}/invite: our own type, because ruma's recipient enum calls a body
/// without `user_id` M_BAD_JSON, where Synapse answers M_MISSING_PARAM; third-party invites
/// are not served.
pub mod invite_user {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::{Deserialize, Deserializer, Serialize};
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: POST,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/rooms/{room_id}/invite",
            1.1 => "/_matrix/client/v3/rooms/{room_id}/invite",
        }
    }

    pub struct Request {
        pub room_id: String,
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        /// Absent or not a string is M_MISSING_PARAM (the handler), as in Synapse.
        #[serde(default, deserialize_with = "string_or_none")]
        pub user_id: Option<String>,
        /// A reason that is not a string is left out, as before.
        #[serde(default, deserialize_with = "string_or_none")]
        pub reason: Option<String>,
    }

    /// Any JSON value: a string is `Some`, anything else `None`.
    fn string_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn invite_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<invite_user::Request>,
) -> Result<RumaResponse<invite_user::Response>, ApiError> {
    let target = req.body.user_id.ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing user_id",
        )
    })?;
    services
        .invite(
            &req.room_id,
            &auth.user_id,
            &target,
            req.body.reason.as_deref(),
        )
        .await?;
    Ok(RumaResponse(invite_user::Response {}))
}

/// POST /knock/{roomIdOrAlias}
pub async fn knock_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<ruma::api::client::knock::knock_room::v3::Request>,
) -> Result<RumaResponse<ruma::api::client::knock::knock_room::v3::Response>, ApiError> {
    let (room_id, _) = services
        .knock(
            &auth.user_id,
            req.room_id_or_alias.as_str(),
            &req.via,
            req.reason.as_deref(),
        )
        .await?;
    let room_id = OwnedRoomId::try_from(room_id).map_err(|_| ApiError::internal())?;
    Ok(RumaResponse(
        ruma::api::client::knock::knock_room::v3::Response::new(room_id),
    ))
}

/// POST /rooms/{roomId}/leave
pub async fn leave_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<leave_room::v3::Request>,
) -> Result<RumaResponse<leave_room::v3::Response>, ApiError> {
    services
        .set_membership(
            req.room_id.as_str(),
            &auth.user_id,
            &auth.user_id,
            "leave",
            req.reason.as_deref(),
            None,
        )
        .await?;
    Ok(RumaResponse(leave_room::v3::Response::new()))
}

/// POST /rooms/{roomId}/kick
pub async fn kick_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<kick_user::v3::Request>,
) -> Result<RumaResponse<kick_user::v3::Response>, ApiError> {
    services
        .set_membership(
            req.room_id.as_str(),
            &auth.user_id,
            req.user_id.as_str(),
            "leave",
            req.reason.as_deref(),
            None,
        )
        .await?;
    Ok(RumaResponse(kick_user::v3::Response::new()))
}

/// POST /rooms/{roomId}/ban
pub async fn ban_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<ban_user::v3::Request>,
) -> Result<RumaResponse<ban_user::v3::Response>, ApiError> {
    services
        .set_membership(
            req.room_id.as_str(),
            &auth.user_id,
            req.user_id.as_str(),
            "ban",
            req.reason.as_deref(),
            None,
        )
        .await?;
    Ok(RumaResponse(ban_user::v3::Response::new()))
}

/// POST /rooms/{roomId}/unban
pub async fn unban_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<unban_user::v3::Request>,
) -> Result<RumaResponse<unban_user::v3::Response>, ApiError> {
    services
        .unban(
            req.room_id.as_str(),
            &auth.user_id,
            req.user_id.as_str(),
            req.reason.as_deref(),
        )
        .await?;
    Ok(RumaResponse(unban_user::v3::Response::new()))
}

/// POST /rooms/{roomId}/forget
pub async fn forget_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<forget_room::v3::Request>,
) -> Result<RumaResponse<forget_room::v3::Response>, ApiError> {
    services
        .forget_room(&auth.user_id, req.room_id.as_str())
        .await?;
    Ok(RumaResponse(forget_room::v3::Response::new()))
}

/// GET /joined_rooms
pub async fn joined_rooms_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<joined_rooms::v3::Request>,
) -> Result<RumaResponse<joined_rooms::v3::Response>, ApiError> {
    let rooms = services
        .joined_rooms(&auth.user_id)
        .await?
        .into_iter()
        .filter_map(|r| OwnedRoomId::try_from(r).ok())
        .collect();
    Ok(RumaResponse(joined_rooms::v3::Response::new(rooms)))
}

/// GET /rooms/{roomId}/members?at=&membership=&not_membership=
pub async fn members_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_member_events::v3::Request>,
) -> Result<RumaResponse<get_member_events::v3::Response>, ApiError> {
    let chunk = services
        .room_members(
            &auth.user_id,
            req.room_id.as_str(),
            position(req.at.as_deref(), "at")?,
            req.membership.as_ref().map(|m| m.as_str()),
            req.not_membership.as_ref().map(|m| m.as_str()),
        )
        .await?;
    Ok(RumaResponse(get_member_events::v3::Response::new(raws(
        &chunk,
    ))))
}

/// GET /rooms/{roomId}/joined_members
pub async fn joined_members_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<joined_members::v3::Request>,
) -> Result<RumaResponse<joined_members::v3::Response>, ApiError> {
    let mut joined = BTreeMap::new();
    for (user_id, name, avatar) in services
        .joined_members(&auth.user_id, req.room_id.as_str())
        .await?
    {
        let Ok(user_id) = OwnedUserId::try_from(user_id) else {
            continue;
        };
        let mut member = joined_members::v3::RoomMember::new();
        member.display_name = name;
        member.avatar_url = avatar.map(OwnedMxcUri::from);
        joined.insert(user_id, member);
    }
    Ok(RumaResponse(joined_members::v3::Response::new(joined)))
}
