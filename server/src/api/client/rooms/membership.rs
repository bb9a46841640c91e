//! Membership endpoints — https://spec.matrix.org/v1.12/client-server-api/#room-membership
//! POST /join/{roomIdOrAlias}, /rooms/{roomId}/join, invite, leave, kick, ban, unban, forget;
//! GET /joined_rooms, /rooms/{roomId}/members, /rooms/{roomId}/joined_members.

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params, QueryMap};
use crate::service::SharedServices;
use crate::service::ratelimit::Kind;
use crate::service::sync::Token;
use crate::store::rooms as db;

fn reason(body: &Value) -> Option<&str> {
    body.get("reason").and_then(Value::as_str)
}

fn user_id_field(body: &Value) -> Result<&str, ApiError> {
    body.get("user_id").and_then(Value::as_str).ok_or_else(|| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing user_id",
        )
    })
}

/// POST /join/{roomIdOrAlias} and /rooms/{roomId}/join
pub async fn join_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room): Params<String>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    services.limiter.check(
        Kind::JoinLocal,
        &auth.user_id,
        services.config.rate_limits.joins_local,
    )?;
    let (room_id, _) = services.join(&auth.user_id, &room, reason(&body)).await?;
    Ok(Json(json!({ "room_id": room_id })))
}

/// POST /rooms/{roomId}/invite
pub async fn invite_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let target = user_id_field(&body)?;
    let limits = &services.config.rate_limits;
    services
        .limiter
        .check(Kind::InviteRoom, &room_id, limits.invites_per_room)?;
    services
        .limiter
        .check(Kind::InviteUser, target, limits.invites_per_user)?;
    services
        .limiter
        .check(Kind::InviteIssuer, &auth.user_id, limits.invites_per_issuer)?;
    services
        .set_membership(
            &room_id,
            &auth.user_id,
            target,
            "invite",
            reason(&body),
            None,
        )
        .await?;
    Ok(Json(json!({})))
}

/// POST /rooms/{roomId}/leave
pub async fn leave_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    services
        .set_membership(
            &room_id,
            &auth.user_id,
            &auth.user_id,
            "leave",
            reason(&body),
            None,
        )
        .await?;
    Ok(Json(json!({})))
}

/// POST /rooms/{roomId}/kick
pub async fn kick_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let target = user_id_field(&body)?;
    services
        .set_membership(
            &room_id,
            &auth.user_id,
            target,
            "leave",
            reason(&body),
            None,
        )
        .await?;
    Ok(Json(json!({})))
}

/// POST /rooms/{roomId}/ban
pub async fn ban_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let target = user_id_field(&body)?;
    services
        .set_membership(&room_id, &auth.user_id, target, "ban", reason(&body), None)
        .await?;
    Ok(Json(json!({})))
}

/// POST /rooms/{roomId}/unban
pub async fn unban_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let target = user_id_field(&body)?;
    match db::membership(&services.db, target, &room_id)
        .await?
        .map(|m| m.0)
    {
        Some(m) if m == "ban" => {}
        _ => return Err(ApiError::forbidden(format!("{target} is not banned"))),
    }
    services
        .set_membership(
            &room_id,
            &auth.user_id,
            target,
            "leave",
            reason(&body),
            None,
        )
        .await?;
    Ok(Json(json!({})))
}

/// POST /rooms/{roomId}/forget
pub async fn forget_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    match db::membership(&services.db, &auth.user_id, &room_id)
        .await?
        .map(|m| m.0)
    {
        Some(m) if m == "leave" || m == "ban" => {}
        Some(_) => {
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_UNKNOWN",
                "User is in room, must leave before forgetting",
            ));
        }
        None => return Err(ApiError::not_found("Not a known room")),
    }
    services.forget_room(&auth.user_id, &room_id).await?;
    Ok(Json(json!({})))
}

/// GET /joined_rooms
pub async fn joined_rooms_route(
    State(services): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    let rooms: Vec<String> = db::memberships_of(&services.db, &auth.user_id)
        .await?
        .into_iter()
        .filter(|m| m.1 == "join")
        .map(|m| m.0)
        .collect();
    Ok(Json(json!({ "joined_rooms": rooms })))
}

/// The user must be in the room (or have been, for a view up to when they left).
pub async fn visible_until(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
) -> Result<i64, ApiError> {
    services.room_rules(room_id).await?;
    match db::membership(&services.db, user_id, room_id).await? {
        Some((m, _)) if m == "join" => Ok(services.stream_position()),
        Some((m, pos)) if m == "leave" || m == "ban" => Ok(pos),
        _ => {
            let world = services
                .current_state_event(room_id, "m.room.history_visibility", "")
                .await?
                .is_some_and(|p| p.content_value()["history_visibility"] == "world_readable");
            if world {
                Ok(services.stream_position())
            } else {
                Err(ApiError::forbidden(format!(
                    "User {user_id} not in room {room_id}"
                )))
            }
        }
    }
}

/// GET /rooms/{roomId}/members?at=&membership=&not_membership=
pub async fn members_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(&services, &auth.user_id, &room_id).await?;
    let at = match q.get("at") {
        Some(t) => Token::parse(t)
            .ok_or_else(|| ApiError::invalid_param("Invalid at token"))?
            .pos
            .min(until),
        None => until,
    };
    let state = db::state_at(&services.db, &room_id, at).await?;
    let mut pdus = Vec::new();
    for row in &state {
        let p = crate::service::Services::pdu(row)?;
        if p.kind_str() != "m.room.member" {
            continue;
        }
        let m = p.membership().unwrap_or_default();
        if q.get("membership").is_some_and(|want| *want != m)
            || q.get("not_membership").is_some_and(|not| *not == m)
        {
            continue;
        }
        pdus.push(p);
    }
    let chunk = services.format_events(&room_id, &pdus, None).await?;
    Ok(Json(json!({ "chunk": chunk })))
}

/// GET /rooms/{roomId}/joined_members
pub async fn joined_members_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    visible_until(&services, &auth.user_id, &room_id).await?;
    let mut joined = Map::new();
    for row in db::current_state_events(&services.db, &room_id).await? {
        let p = crate::service::Services::pdu(&row)?;
        if p.kind_str() == "m.room.member" && p.membership().as_deref() == Some("join") {
            let c = p.content_value();
            joined.insert(
                p.state_key_str().unwrap_or("").to_string(),
                json!({"display_name": c.get("displayname"), "avatar_url": c.get("avatar_url")}),
            );
        }
    }
    Ok(Json(json!({ "joined": joined })))
}
