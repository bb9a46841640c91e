//! POST /_matrix/client/*/account/password — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountpassword
//! Behind user-interactive auth with the current password. `logout_devices` (default true)
//! signs out every other device. Without an access token, on a server with email configured,
//! it is a password reset by email (`password_email`).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaError, UiaRequest, data};

/// Synapse's limit on passwords.
const MAX_PASSWORD_LEN: usize = 512;

pub async fn post_password_route(
    State(s): State<SharedServices>,
    auth: Result<Auth, ApiError>,
    MatrixJson(mut body): MatrixJson<Value>,
) -> Result<Json<Value>, UiaReject> {
    let auth = match auth {
        Ok(a) => a,
        // Without a token it is a reset by email, when email is configured (else 401 as before).
        Err(e) if e.errcode == "M_MISSING_TOKEN" && s.config.email.is_some() => {
            return super::password_email::reset_password_by_email(s, body, MAX_PASSWORD_LEN).await;
        }
        Err(e) => return Err(e.into()),
    };
    let new_password = match body.as_object_mut().and_then(|o| o.remove("new_password")) {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.len() <= MAX_PASSWORD_LEN => Some(p),
        Some(_) => {
            return Err(ApiError::bad_json(
                "new_password must be a string of at most 512 characters",
            )
            .into());
        }
    };
    if body.get("logout_devices").is_some_and(|v| !v.is_boolean()) {
        return Err(ApiError::bad_json("logout_devices must be a boolean").into());
    }
    let req = UiaRequest {
        endpoint: "POST /account/password",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    let passed = match s.user_interactive_auth(req).await {
        Ok(p) => p,
        Err(UiaError::Incomplete(c)) => {
            // Keep the new password (hashed) for the call that completes the session.
            if let Some(p) = &new_password
                && s.uia.get_data(&c.session, data::PASSWORD_HASH).is_none()
            {
                s.uia.set_data(
                    &c.session,
                    data::PASSWORD_HASH,
                    s.hash_new_password(p).await?,
                );
            }
            return Err(UiaError::Incomplete(c).into());
        }
        Err(e) => return Err(e.into()),
    };
    let hash = match new_password {
        Some(p) => s.hash_new_password(&p).await?,
        None => s
            .uia
            .get_data(&passed.session, data::PASSWORD_HASH)
            .ok_or_else(|| {
                ApiError::new(
                    http::StatusCode::BAD_REQUEST,
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
    s.set_password(&auth.user_id, &hash, logout_devices, &auth.device_id)
        .await?;
    Ok(Json(json!({})))
}
