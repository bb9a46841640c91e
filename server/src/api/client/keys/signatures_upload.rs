//! POST /_matrix/client/*/keys/signatures/upload — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3keyssignaturesupload

use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// Our own types: ruma's response leaves out an empty `failures` and keeps only errcode and
/// error of each failure, where Synapse answers `{"failures": {}}` and failures with status
/// and message; and ruma's request would refuse a malformed entry as M_BAD_JSON where the
/// service answers Synapse's M_INVALID_PARAM. ruma's history also adds an unstable path.
pub mod upload_signatures {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body};

    metadata! {
        method: POST,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/keys/signatures/upload",
            1.1 => "/_matrix/client/v3/keys/signatures/upload",
        }
    }

    pub struct Request {
        /// User id → key id → the signed key (device or cross-signing), checked by the service.
        pub signed_keys: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        signed_keys: json_body(&req)?,
    }));

    /// User id → key id → `{status, errcode, message}` for each signature not stored.
    #[derive(Serialize)]
    pub struct Response {
        pub failures: Map<String, Value>,
    }

    impl_json_response!();
}

pub async fn post_signatures_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<upload_signatures::Request>,
) -> Result<RumaResponse<upload_signatures::Response>, ApiError> {
    let body = Value::Object(req.signed_keys);
    let failures = s.upload_signatures(&auth.user_id, &body).await?;
    Ok(RumaResponse(upload_signatures::Response { failures }))
}
