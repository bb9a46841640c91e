//! GET /_matrix/client/*/admin/whois/{userId} — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3adminwhoisuserid
//! (also /_synapse/admin/v1/whois/{userId}). Admins may look up anyone, users themselves.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Params};
use crate::service::SharedServices;

pub async fn get_whois_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    if user_id != auth.user_id && !s.is_server_admin(&auth.user_id).await? {
        return Err(ApiError::forbidden("You are not a server admin"));
    }
    let user_id = s.local_user_id(&user_id, "Can only whois a local user")?;
    Ok(Json(s.whois(&user_id).await?))
}
