//! GET, PUT and DELETE /_matrix/client/*/pushrules/global/{kind}/{ruleId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleid
//! PUT takes `before`/`after` query parameters; server-default rules cannot be deleted.
//!
//! GET: ruma's request, our own response (the rule as the ruleset lists it, see
//! `push_rules`). PUT: our own request, ruma's response: ruma's parses the rule into its typed
//! conditions and refuses an unknown kind itself, where Synapse's checks (in
//! `service::push_rules`) answer with their own errcodes. DELETE: ruma's types.

use axum::extract::State;
use ruma::api::client::push::{delete_pushrule, get_pushrule};
use serde::Serialize;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;

/// The answer to GET: one rule.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Response(pub Value);

impl_json_response!();

/// PUT's own request type.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    pub use ruma::api::client::push::set_pushrule::v3::Response;
    use ruma::api::metadata;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, json_body, path_arg, query};

    metadata! {
        method: PUT,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/pushrules/global/{kind}/{rule_id}",
            1.1 => "/_matrix/client/v3/pushrules/global/{kind}/{rule_id}",
        }
    }

    pub struct Request {
        pub kind: String,
        pub rule_id: String,
        /// An empty `before` or `after` is none.
        pub before: Option<String>,
        pub after: Option<String>,
        /// The rule (`actions`, `conditions`, `pattern`), checked by the service.
        pub body: Value,
    }

    impl_incoming_request!(|req, args| {
        let mut q = query(&req);
        Ok(Request {
            kind: path_arg(args, 0),
            rule_id: path_arg(args, 1),
            before: q.remove("before").filter(|b| !b.is_empty()),
            after: q.remove("after").filter(|a| !a.is_empty()),
            body: json_body(&req)?,
        })
    });
}

pub async fn get_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_pushrule::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let rule = s
        .push_rule(&auth.user_id, req.kind.as_str(), &req.rule_id)
        .await?;
    Ok(RumaResponse(Response(rule)))
}

pub async fn put_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    s.put_push_rule(
        &auth.user_id,
        &req.kind,
        &req.rule_id,
        &req.body,
        req.before.as_deref(),
        req.after.as_deref(),
    )
    .await?;
    Ok(RumaResponse(put::Response::new()))
}

pub async fn delete_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_pushrule::v3::Request>,
) -> Result<RumaResponse<delete_pushrule::v3::Response>, ApiError> {
    s.delete_push_rule(&auth.user_id, req.kind.as_str(), &req.rule_id)
        .await?;
    Ok(RumaResponse(delete_pushrule::v3::Response::new()))
}
