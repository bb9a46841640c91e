//! GET /_synapse/admin/v1/registration_tokens — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#list-all-tokens
//! `valid=true` only valid tokens, `valid=false` only expired or used-up ones.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::{Admin, bool_param};
use crate::api::ApiError;
use crate::api::extract::QueryMap;
use crate::service::SharedServices;

pub async fn get_registration_tokens_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let valid = bool_param(&q, "valid")?;
    Ok(Json(
        json!({ "registration_tokens": s.admin_list_registration_tokens(valid).await? }),
    ))
}
