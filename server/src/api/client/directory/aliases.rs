//! Room aliases — https://spec.matrix.org/v1.12/client-server-api/#room-aliases
//! PUT/GET/DELETE /directory/room/{roomAlias}, GET /rooms/{roomId}/aliases.

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::client::rooms::membership::visible_until;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;
use crate::store::{accounts, rooms as db};

fn local_alias(services: &SharedServices, alias: &str) -> Result<(), ApiError> {
    let parsed = ruma::RoomAliasId::parse(alias)
        .map_err(|_| ApiError::invalid_param(format!("{alias} is not a valid room alias")))?;
    if parsed.server_name().as_str() != services.config.server_name {
        return Err(ApiError::invalid_param("Room alias must be local"));
    }
    Ok(())
}

pub async fn put_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(alias): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    local_alias(&services, &alias)?;
    let room_id = body
        .get("room_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_json("room_id is required"))?;
    services.room_rules(room_id).await?;
    match db::membership(&services.db, &auth.user_id, room_id).await? {
        Some((m, _)) if m == "join" => {}
        _ => {
            return Err(ApiError::forbidden(
                "You must be in the room to create an alias for it",
            ));
        }
    }
    if !db::set_alias(&services.db, &alias, room_id, &auth.user_id).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "M_UNKNOWN",
            format!("Room alias {alias} already exists"),
        ));
    }
    Ok(Json(json!({})))
}

pub async fn get_alias_route(
    State(services): State<SharedServices>,
    Params(alias): Params<String>,
) -> Result<Json<Value>, ApiError> {
    ruma::RoomAliasId::parse(&alias)
        .map_err(|_| ApiError::invalid_param(format!("{alias} is not a valid room alias")))?;
    match db::alias_room(&services.db, &alias).await? {
        Some((room_id, _)) => Ok(Json(
            json!({ "room_id": room_id, "servers": [services.config.server_name] }),
        )),
        None => Err(ApiError::not_found(format!("Room alias {alias} not found"))),
    }
}

pub async fn delete_alias_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(alias): Params<String>,
) -> Result<Json<Value>, ApiError> {
    local_alias(&services, &alias)?;
    let Some((room_id, creator)) = db::alias_room(&services.db, &alias).await? else {
        return Err(ApiError::not_found(format!("Room alias {alias} not found")));
    };
    let admin = accounts::get_user(&services.db, &auth.user_id)
        .await?
        .is_some_and(|u| u.admin);
    if creator != auth.user_id
        && !admin
        && !services
            .has_power(
                &room_id,
                &auth.user_id,
                "state_default",
                Some("m.room.canonical_alias"),
            )
            .await?
    {
        return Err(ApiError::forbidden(
            "You don't have permission to delete the alias.",
        ));
    }
    db::delete_alias(&services.db, &alias).await?;
    Ok(Json(json!({})))
}

pub async fn get_room_aliases_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    visible_until(&services, &auth.user_id, &room_id).await?;
    Ok(Json(
        json!({ "aliases": db::aliases_of(&services.db, &room_id).await? }),
    ))
}
