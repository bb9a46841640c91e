//! POST /_matrix/client/*/account/3pid/add — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3account3pidadd
//! Behind user-interactive auth with the account's password; binds the address of a
//! validated session (client_secret, sid) to the account.

use axum::extract::State;
pub use ruma::api::client::account::add_3pid::v3::Response;
use ruma::api::{auth_scheme::AccessToken, metadata};
use serde_json::Value;

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, json_body};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

metadata! {
    method: POST,
    rate_limited: true,
    authentication: AccessToken,
    history: {
        1.0 => "/_matrix/client/r0/account/3pid/add",
        1.1 => "/_matrix/client/v3/account/3pid/add",
    }
}

/// The body as sent, on ruma's paths: user-interactive auth reads it whole (the `auth` dict and
/// the parameters it keeps for the session), and, as in Synapse, answers 401 with the flows
/// before client_secret and sid are required; ruma's request would refuse a body without them
/// (and one with an `auth` dict it does not know) before that.
pub struct Request(pub Value);

impl_incoming_request!(|req, args| Ok(Request(json_body(&req)?)));

pub async fn post_threepid_add_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(Request(body)): Ruma<Request>,
) -> Result<RumaResponse<Response>, UiaReject> {
    if s.config.email.is_none() {
        return Err(ApiError::from(crate::service::threepid::ThreepidError::AddDisabled).into());
    }
    let req = UiaRequest {
        endpoint: "POST /account/3pid/add",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    let passed = s.user_interactive_auth(req).await?;
    let field = |k: &str| {
        passed
            .params
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let client_secret = field("client_secret")
        .ok_or_else(|| ApiError::bad_json("client_secret: field required"))?;
    let sid = field("sid").ok_or_else(|| ApiError::bad_json("sid: field required"))?;
    s.add_threepid_from_session(&auth.user_id, &client_secret, &sid)
        .await
        .map_err(ApiError::from)?;
    Ok(RumaResponse(Response::new()))
}
