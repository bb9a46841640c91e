//! Account data — https://spec.matrix.org/v1.16/client-server-api/#client-config
//! GET/PUT /user/{userId}/account_data/{type} and /user/{userId}/rooms/{roomId}/account_data/{type}.

use axum::extract::State;
use ruma::api::client::config::{
    get_global_account_data, get_room_account_data, set_global_account_data, set_room_account_data,
};
use ruma::{OwnedUserId, serde::Raw};
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, raw};
use crate::service::SharedServices;

fn own(auth: &Auth, user_id: &OwnedUserId) -> Result<(), ApiError> {
    if auth.user_id != user_id.as_str() {
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
) -> Result<Value, ApiError> {
    services
        .account_data(user_id, room_id, kind)
        .await?
        .ok_or_else(|| ApiError::not_found("Account data not found"))
}

async fn put<T>(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
    kind: &str,
    content: &Raw<T>,
) -> Result<(), ApiError> {
    if kind == "m.fully_read" || kind == "m.push_rules" {
        return Err(ApiError::bad_json(format!(
            "Cannot set {kind} through this API"
        )));
    }
    let content: Value = serde_json::from_str(content.json().get())
        .map_err(|e| ApiError::bad_json(e.to_string()))?;
    if !content.is_object() {
        return Err(ApiError::bad_json("Content must be a JSON object."));
    }
    services
        .set_account_data(user_id, room_id, kind, &content)
        .await?;
    Ok(())
}

pub async fn get_global_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_global_account_data::v3::Request>,
) -> Result<RumaResponse<get_global_account_data::v3::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let v = get(&s, req.user_id.as_str(), "", &req.event_type.to_string()).await?;
    Ok(RumaResponse(get_global_account_data::v3::Response::new(
        raw(&v),
    )))
}

pub async fn put_global_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_global_account_data::v3::Request>,
) -> Result<RumaResponse<set_global_account_data::v3::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let kind = req.event_type.to_string();
    put(&s, req.user_id.as_str(), "", &kind, &req.data).await?;
    Ok(RumaResponse(set_global_account_data::v3::Response::new()))
}

pub async fn get_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_room_account_data::v3::Request>,
) -> Result<RumaResponse<get_room_account_data::v3::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let kind = req.event_type.to_string();
    let v = get(&s, req.user_id.as_str(), req.room_id.as_str(), &kind).await?;
    Ok(RumaResponse(get_room_account_data::v3::Response::new(raw(
        &v,
    ))))
}

pub async fn put_room_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_room_account_data::v3::Request>,
) -> Result<RumaResponse<set_room_account_data::v3::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let kind = req.event_type.to_string();
    put(
        &s,
        req.user_id.as_str(),
        req.room_id.as_str(),
        &kind,
        &req.data,
    )
    .await?;
    Ok(RumaResponse(set_room_account_data::v3::Response::new()))
}
