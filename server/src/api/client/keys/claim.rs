//! POST /_matrix/client/*/keys/claim — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keysclaim

use axum::extract::State;

use super::remote_timeout;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// Our own types: a body without `one_time_keys` claims nothing, as in Synapse, where ruma's
/// request requires it; and ruma's response leaves out the empty `failures` Synapse returns.
pub mod claim_keys {
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
            1.0 => "/_matrix/client/r0/keys/claim",
            1.1 => "/_matrix/client/v3/keys/claim",
        }
    }

    pub struct Request {
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        /// User id → device id → algorithm; its shape is checked by the service.
        #[serde(default, deserialize_with = "present")]
        pub one_time_keys: Option<Value>,
        /// How long to wait for other servers, in milliseconds (default 10 s).
        #[serde(default)]
        pub timeout: Option<u64>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {
        pub one_time_keys: Map<String, Value>,
        pub failures: Map<String, Value>,
    }

    impl_json_response!();
}

pub async fn post_keys_claim_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<claim_keys::Request>,
) -> Result<RumaResponse<claim_keys::Response>, ApiError> {
    let claimed = s
        .claim_keys(
            req.body.one_time_keys.as_ref(),
            remote_timeout(req.body.timeout),
        )
        .await?;
    Ok(RumaResponse(claim_keys::Response {
        one_time_keys: claimed.one_time_keys,
        failures: claimed.failures,
    }))
}
