//! GET and PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/actions — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleidactions
//!
//! GET: ruma's request, our own response (the actions as the ruleset lists them, see
//! `push_rules`). PUT: our own request, ruma's response: Synapse answers a missing or
//! non-list `actions` with M_UNKNOWN and checks each action itself (`service::push_rules`),
//! where ruma's request would answer M_MISSING_PARAM or M_BAD_JSON.

use axum::extract::State;
use ruma::api::client::push::get_pushrule_actions;
use serde::Serialize;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;

/// The answer to GET.
#[derive(Serialize)]
pub struct Response {
    pub actions: Value,
}

impl_json_response!();

/// PUT's own request type.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    pub use ruma::api::client::push::set_pushrule_actions::v3::Response;
    use ruma::api::metadata;
    use serde::Deserialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, json_body, path_arg, present};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/pushrules/global/{kind}/{rule_id}/actions",
            1.1 => "/_matrix/client/v3/pushrules/global/{kind}/{rule_id}/actions",
        }
    }

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "present")]
        actions: Option<Value>,
    }

    pub struct Request {
        pub kind: String,
        pub rule_id: String,
        /// As sent: the service checks it.
        pub actions: Option<Value>,
    }

    impl_incoming_request!(|req, args| {
        let body: Body = json_body(&req)?;
        Ok(Request {
            kind: path_arg(args, 0),
            rule_id: path_arg(args, 1),
            actions: body.actions,
        })
    });
}

pub async fn get_push_rule_actions_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_pushrule_actions::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let rule = s
        .push_rule(&auth.user_id, req.kind.as_str(), &req.rule_id)
        .await?;
    Ok(RumaResponse(Response {
        actions: rule["actions"].clone(),
    }))
}

pub async fn put_push_rule_actions_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    s.set_push_rule_actions(&auth.user_id, &req.kind, &req.rule_id, req.actions.as_ref())
        .await?;
    Ok(RumaResponse(put::Response::new()))
}
