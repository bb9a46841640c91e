//! POST /_matrix/client/v3/keys/device_signing/upload — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysdevice_signingupload
//! Uploading the same keys again answers `{}`; the first setup needs no re-authentication (as
//! in Synapse); replacing existing keys is behind user-interactive auth with the password.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, OptionalJson};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

// Kept untyped: user-interactive auth reads the `auth` dict as sent; ruma's AuthData would
// refuse an incomplete stage as bad JSON where Synapse answers 401 with the flows.
pub async fn post_device_signing_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, UiaReject> {
    let mut keys = body.clone();
    if let Value::Object(m) = &mut keys {
        m.remove("auth");
    }
    // A later round of auth may carry only `auth`: the session remembers the keys.
    let continuing = keys.as_object().is_some_and(|m| m.is_empty())
        && body.get("auth").is_some_and(Value::is_object);
    if !continuing {
        match s
            .cross_signing_needs_auth(&auth.user_id, &keys)
            .await
            .map_err(ApiError::from)?
        {
            None => return Ok(Json(json!({}))),
            Some(false) => {
                s.upload_signing_keys(&auth.user_id, &keys)
                    .await
                    .map_err(ApiError::from)?;
                return Ok(Json(json!({})));
            }
            Some(true) => {}
        }
    }
    let req = UiaRequest {
        endpoint: "POST /keys/device_signing/upload",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    let passed = s.user_interactive_auth(req).await?;
    s.upload_signing_keys(&auth.user_id, &passed.params)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(json!({})))
}
