//! Account data — https://spec.matrix.org/v1.12/client-server-api/#client-config
//! GET/PUT /user/{userId}/account_data/{type} and /user/{userId}/rooms/{roomId}/account_data/{type}.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

fn own(auth: &Auth, user_id: &str) -> Result<(), ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden(
            "Cannot access another user's account data",
        ));
    }
    Ok(())
}

async fn get(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
) -> Result<Json<Value>, ApiError> {
    match services.account_data(user_id, room_id, kind).await? {
        Some(c) => Ok(Json(c)),
        None => Err(ApiError::not_found("Account data not found")),
    }
}

async fn put(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
    content: Value,
) -> Result<Json<Value>, ApiError> {
    if kind == "m.fully_read" || kind == "m.push_rules" {
        return Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_BAD_JSON",
            format!("Cannot set {kind} through this API"),
        ));
    }
    services
        .set_account_data(user_id, room_id, kind, &content)
        .await?;
    Ok(Json(json!({})))
}

pub async fn get_global_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, kind)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    get(&s, &user_id, "", &kind).await
}

pub async fn put_global_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, kind)): Params<(String, String)>,
    MatrixJson(content): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    put(&s, &user_id, "", &kind, content).await
}

pub async fn get_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, kind)): Params<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    get(&s, &user_id, &room_id, &kind).await
}

pub async fn put_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((user_id, room_id, kind)): Params<(String, String, String)>,
    MatrixJson(content): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    own(&auth, &user_id)?;
    if !room_id.starts_with('!') {
        return Err(ApiError::invalid_param(format!(
            "{room_id} is not a valid room id"
        )));
    }
    put(&s, &user_id, &room_id, &kind, content).await
}
