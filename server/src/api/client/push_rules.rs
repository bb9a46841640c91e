//! GET /_matrix/client/*/pushrules/ and /pushrules/global/ (and /pushrules/global/{kind}/, as
//! Synapse serves it) — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3pushrules
//! Also maps `PushRuleError` to Matrix errors for the other push rule endpoints.
//!
//! Ruma's requests; our own responses, the ruleset as `service::push_rules::ruleset_json`
//! writes it (every kind listed, as Synapse), which ruma's `Ruleset` would not keep. The
//! per-kind path has no ruma type: our own request.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::client::push::{get_pushrules_all, get_pushrules_global_scope};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::push_rules::{PushRuleError, ruleset_json};

impl From<PushRuleError> for ApiError {
    fn from(e: PushRuleError) -> Self {
        let msg = e.to_string();
        match e {
            PushRuleError::NotFound => ApiError::not_found(msg),
            PushRuleError::Unrecognized => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_UNRECOGNIZED", msg)
            }
            PushRuleError::Invalid(m) => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", m),
            PushRuleError::ServerDefault => ApiError::invalid_param(msg),
            PushRuleError::Room(r) => r.into(),
        }
    }
}

/// GET /pushrules/: `{"global": ruleset}`.
pub mod all {
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::impl_json_response;

    #[derive(Serialize)]
    pub struct Response {
        pub global: Value,
    }

    impl_json_response!();
}

/// GET /pushrules/global/: the ruleset.
pub mod global {
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::impl_json_response;

    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// GET /pushrules/global/{kind}/: the rules of one kind (no ruma type).
pub mod of_kind {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/pushrules/global/{kind}/",
            1.1 => "/_matrix/client/v3/pushrules/global/{kind}/",
        }
    }

    pub struct Request {
        pub kind: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        kind: path_arg(args, 0)
    }));

    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

pub async fn get_push_rules_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<get_pushrules_all::v3::Request>,
) -> Result<RumaResponse<all::Response>, ApiError> {
    let global = ruleset_json(&s.ruleset(&auth.user_id).await?);
    Ok(RumaResponse(all::Response { global }))
}

pub async fn get_global_push_rules_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<get_pushrules_global_scope::v3::Request>,
) -> Result<RumaResponse<global::Response>, ApiError> {
    let rules = ruleset_json(&s.ruleset(&auth.user_id).await?);
    Ok(RumaResponse(global::Response(rules)))
}

pub async fn get_push_rules_of_kind_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<of_kind::Request>,
) -> Result<RumaResponse<of_kind::Response>, ApiError> {
    let rules = s.push_rules_of_kind(&auth.user_id, &req.kind).await?;
    Ok(RumaResponse(of_kind::Response(rules)))
}
