//! The public room list — https://spec.matrix.org/v1.12/client-server-api/#listing-rooms
//! GET/PUT /directory/list/room/{roomId}, GET/POST /publicRooms.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params, QueryMap, uint_param};
use crate::service::SharedServices;

pub async fn get_visibility_route(
    State(services): State<SharedServices>,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    let public = services.room_is_public(&room_id).await?;
    Ok(Json(
        json!({ "visibility": if public { "public" } else { "private" } }),
    ))
}

pub async fn put_visibility_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let public = match body.get("visibility").and_then(Value::as_str) {
        Some("public") => true,
        Some("private") | None => false,
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

pub async fn get_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let limit = uint_param(&q, "limit")?.map(|l| l.min(usize::MAX as u64) as usize);
    let since = q.get("since").map(String::as_str);
    Ok(Json(services.public_rooms(limit, since, None).await?))
}

pub async fn post_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    let field = |v: Option<&Value>, what: &str| -> Result<(), ApiError> {
        match v {
            Some(v) if !v.is_null() => {
                Err(ApiError::bad_json(format!("{what} has the wrong type")))
            }
            _ => Ok(()),
        }
    };
    let limit = match body.get("limit") {
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().map(|l| l as usize),
        other => {
            field(other, "limit")?;
            None
        }
    };
    let filter = body.get("filter");
    let term = match filter.and_then(|f| f.get("generic_search_term")) {
        Some(Value::String(t)) => Some(t.as_str()),
        other => {
            field(other, "filter.generic_search_term")?;
            None
        }
    };
    let since = match body.get("since") {
        Some(Value::String(t)) => Some(t.as_str()),
        other => {
            field(other, "since")?;
            None
        }
    };
    if filter.is_some_and(|f| !f.is_object() && !f.is_null()) {
        return Err(ApiError::bad_json("filter must be an object"));
    }
    Ok(Json(services.public_rooms(limit, since, term).await?))
}
