//! The public room list — https://spec.matrix.org/v1.16/client-server-api/#listing-rooms
//! GET/PUT /directory/list/room/{roomId}, GET/POST /publicRooms.

use axum::Json;
use axum::extract::State;
use ruma::api::client::directory::{
    get_public_rooms, get_public_rooms_filtered, get_room_visibility,
};
use ruma::api::client::room::Visibility;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn get_visibility_route(
    State(services): State<SharedServices>,
    Ruma(req): Ruma<get_room_visibility::v3::Request>,
) -> Result<RumaResponse<get_room_visibility::v3::Response>, ApiError> {
    let public = services.room_is_public(req.room_id.as_str()).await?;
    Ok(RumaResponse(get_room_visibility::v3::Response::new(
        if public {
            Visibility::Public
        } else {
            Visibility::Private
        },
    )))
}

/// Untyped on purpose: the spec makes `visibility` optional (default public), ruma requires it.
pub async fn put_visibility_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let public = match body.get("visibility") {
        None | Some(Value::Null) => true,
        Some(v) if v == "public" => true,
        Some(v) if v == "private" => false,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "visibility must be public or private",
            ));
        }
    };
    services
        .set_room_public(&auth.user_id, &room_id, public)
        .await?;
    Ok(Json(json!({})))
}

// The lists keep Synapse's shape (its entries always carry `join_rule`, which ruma's
// PublicRoomsChunk leaves out when it is "public"), so their responses stay JSON.

pub async fn get_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<get_public_rooms::v3::Request>,
) -> Result<Json<Value>, ApiError> {
    let limit = req
        .limit
        .map(|l| usize::try_from(u64::from(l)).unwrap_or(usize::MAX));
    Ok(Json(
        services
            .public_rooms(limit, req.since.as_deref(), None)
            .await?,
    ))
}

pub async fn post_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<get_public_rooms_filtered::v3::Request>,
) -> Result<Json<Value>, ApiError> {
    let limit = req
        .limit
        .map(|l| usize::try_from(u64::from(l)).unwrap_or(usize::MAX));
    let term = req.filter.generic_search_term.as_deref();
    Ok(Json(
        services
            .public_rooms(limit, req.since.as_deref(), term)
            .await?,
    ))
}
