//! The unauthenticated branch of POST /_matrix/client/*/account/password — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpassword
//! (password reset): no access token, user-interactive auth with m.login.email.identity over a
//! session validated through /account/password/email/requestToken; the account is the one the
//! address is bound to. Called by `password::post_password_route`, not routed itself.

use axum::Json;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::service::SharedServices;
use crate::service::threepid::{EMAIL_IDENTITY, EMAIL_IDENTITY_ADDRESS};
use crate::service::uia::{UiaError, UiaRequest, data};

pub async fn reset_password_by_email(
    s: SharedServices,
    mut body: Value,
    max_len: usize,
) -> Result<Json<Value>, UiaReject> {
    let new_password = match body.as_object_mut().and_then(|o| o.remove("new_password")) {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.len() <= max_len => Some(p),
        Some(_) => {
            return Err(ApiError::bad_json(format!(
                "new_password must be a string of at most {max_len} characters"
            ))
            .into());
        }
    };
    if body.get("logout_devices").is_some_and(|v| !v.is_boolean()) {
        return Err(ApiError::bad_json("logout_devices must be a boolean").into());
    }
    let req = UiaRequest {
        endpoint: "POST /account/password",
        user_id: None,
        flows: vec![vec![EMAIL_IDENTITY]],
        body,
    };
    let passed = match s.user_interactive_auth(req).await {
        Ok(p) => p,
        Err(UiaError::Incomplete(c)) => {
            if let Some(p) = &new_password
                && s.uia_data(&c.session, data::PASSWORD_HASH).await?.is_none()
            {
                let hash = s.hash_new_password(p).await?;
                s.set_uia_data(&c.session, data::PASSWORD_HASH, &hash)
                    .await?;
            }
            return Err(UiaError::Incomplete(c).into());
        }
        Err(e) => return Err(e.into()),
    };
    let Some(address) = s.uia_data(&passed.session, EMAIL_IDENTITY_ADDRESS).await? else {
        return Err(ApiError::internal().into());
    };
    let Some(user_id) = s.user_by_threepid("email", &address).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "M_NOT_FOUND",
            "Email address not found",
        )
        .into());
    };
    let hash = match new_password {
        Some(p) => s.hash_new_password(&p).await?,
        None => s
            .uia_data(&passed.session, data::PASSWORD_HASH)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "M_MISSING_PARAM",
                    "Missing params: password",
                )
            })?,
    };
    let logout_devices = passed
        .params
        .get("logout_devices")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    // No requesting device: with logout_devices every device goes, as in Synapse.
    s.set_password(&user_id, &hash, logout_devices, "").await?;
    Ok(Json(json!({})))
}
