//! GET, PUT and DELETE /_synapse/admin/v1/registration_tokens/{token} — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#get-one-token
//! 404 M_NOT_FOUND "No such registration token: …" for an unknown token.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{MatrixJson, Params};
use crate::service::SharedServices;

pub async fn get_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(token): Params<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.admin_registration_token(&token).await?))
}

pub async fn put_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(token): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        s.admin_update_registration_token(&token, &body).await?,
    ))
}

pub async fn delete_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(token): Params<String>,
) -> Result<Json<Value>, ApiError> {
    s.admin_delete_registration_token(&token).await?;
    Ok(Json(json!({})))
}
