//! GET and PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/enabled — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleidenabled
//!
//! GET: ruma's types. PUT: our own request, ruma's response: Synapse answers a missing or
//! non-boolean `enabled` with M_UNKNOWN, ruma's request with M_MISSING_PARAM or M_BAD_JSON.

use axum::extract::State;
use ruma::api::client::push::get_pushrule_enabled;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// PUT's own request type.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    pub use ruma::api::client::push::set_pushrule_enabled::v3::Response;
    use ruma::api::metadata;
    use serde::Deserialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, json_body, path_arg, present};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/pushrules/global/{kind}/{rule_id}/enabled",
            1.1 => "/_matrix/client/v3/pushrules/global/{kind}/{rule_id}/enabled",
        }
    }

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "present")]
        enabled: Option<Value>,
    }

    pub struct Request {
        pub kind: String,
        pub rule_id: String,
        /// As sent: the service checks it is a boolean.
        pub enabled: Option<Value>,
    }

    impl_incoming_request!(|req, args| {
        let body: Body = json_body(&req)?;
        Ok(Request {
            kind: path_arg(args, 0),
            rule_id: path_arg(args, 1),
            enabled: body.enabled,
        })
    });
}

pub async fn get_push_rule_enabled_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_pushrule_enabled::v3::Request>,
) -> Result<RumaResponse<get_pushrule_enabled::v3::Response>, ApiError> {
    let rule = s
        .push_rule(&auth.user_id, req.kind.as_str(), &req.rule_id)
        .await?;
    // Every rule of the ruleset has `enabled` (service::push_rules::ruleset_json).
    let enabled = rule["enabled"].as_bool().unwrap_or(true);
    Ok(RumaResponse(get_pushrule_enabled::v3::Response::new(
        enabled,
    )))
}

pub async fn put_push_rule_enabled_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    s.set_push_rule_enabled(&auth.user_id, &req.kind, &req.rule_id, req.enabled.as_ref())
        .await?;
    Ok(RumaResponse(put::Response::new()))
}
