//! POST /_synapse/admin/v1/deactivate/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#deactivate-account
//! Revokes every access token and device, forgets the password and leaves every room.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{OptionalJson, Params};
use crate::service::SharedServices;

pub async fn post_deactivate_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Params(user_id): Params<String>,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    let user_id = s.local_user_id(&user_id, "Can only deactivate local users")?;
    if body.get("erase").is_some_and(|e| !e.is_boolean()) {
        return Err(ApiError::bad_json(
            "Param 'erase' must be a boolean, if given",
        ));
    }
    s.admin_deactivate(&user_id).await?;
    Ok(Json(json!({ "id_server_unbind_result": "success" })))
}
