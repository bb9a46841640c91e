//! POST /_matrix/client/v3/keys/device_signing/upload — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysdevice_signingupload
//! Uploading the same keys again answers `{}`; the first setup needs no re-authentication (as
//! in Synapse); replacing existing keys is behind user-interactive auth with the password.

use axum::extract::State;
use serde_json::Value;

use super::super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

/// Our own types: user-interactive auth reads the `auth` dict as sent, where ruma's
/// `AuthData` would refuse an incomplete stage as bad JSON (Synapse answers 401 with the
/// flows). Served on v3 and on the unstable path Element Web still posts to (as Synapse).
pub mod upload_signing_keys {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, optional_json_body};

    metadata! {
        method: POST,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            unstable => "/_matrix/client/unstable/keys/device_signing/upload",
            1.1 => "/_matrix/client/v3/keys/device_signing/upload",
        }
    }

    pub struct Request {
        /// `master_key`, `self_signing_key`, `user_signing_key` (checked by the service) and
        /// `auth`, as sent: the auth session keeps the body. An empty body is `{}`.
        pub body: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        body: optional_json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn post_device_signing_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<upload_signing_keys::Request>,
) -> Result<RumaResponse<upload_signing_keys::Response>, UiaReject> {
    let done = || RumaResponse(upload_signing_keys::Response {});
    let body = Value::Object(req.body);
    if s.upload_signing_keys_unless_auth_needed(&auth.user_id, &body)
        .await
        .map_err(ApiError::from)?
    {
        return Ok(done());
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
    Ok(done())
}
