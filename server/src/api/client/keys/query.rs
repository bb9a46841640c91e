//! POST /_matrix/client/*/keys/query — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysquery

use axum::extract::State;

use super::remote_timeout;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// Our own types: ruma's response leaves out the empty `failures` and cross-signing maps
/// Synapse always returns, and its request calls a missing `device_keys` M_MISSING_PARAM,
/// where the service answers as Synapse does.
pub mod get_keys {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::{Deserialize, Serialize};
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, present};

    metadata! {
        method: POST,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/keys/query",
            1.1 => "/_matrix/client/v3/keys/query",
        }
    }

    pub struct Request {
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        /// User id → device ids (none: all); its shape is checked by the service.
        #[serde(default, deserialize_with = "present")]
        pub device_keys: Option<Value>,
        /// How long to wait for other servers, in milliseconds (default 10 s).
        #[serde(default)]
        pub timeout: Option<u64>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        body: json_body(&req)?,
    }));

    /// Every map, empty ones too, as Synapse answers.
    #[derive(Serialize)]
    pub struct Response {
        pub device_keys: Map<String, Value>,
        pub master_keys: Map<String, Value>,
        pub self_signing_keys: Map<String, Value>,
        pub user_signing_keys: Map<String, Value>,
        pub failures: Map<String, Value>,
    }

    impl_json_response!();
}

pub async fn post_keys_query_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_keys::Request>,
) -> Result<RumaResponse<get_keys::Response>, ApiError> {
    let q = s
        .query_keys(
            &auth.user_id,
            req.body.device_keys.as_ref(),
            remote_timeout(req.body.timeout),
        )
        .await?;
    Ok(RumaResponse(get_keys::Response {
        device_keys: q.device_keys,
        master_keys: q.master_keys,
        self_signing_keys: q.self_signing_keys,
        user_signing_keys: q.user_signing_keys,
        failures: q.failures,
    }))
}
