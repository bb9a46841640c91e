//! POST /_matrix/client/*/user/{userId}/openid/request_token — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3useruseridopenidrequest_token

use std::time::Duration;

use axum::extract::State;
use ruma::authentication::TokenType;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// Our own request, answered with ruma's response: Synapse parses the body as a JSON object
/// (and ignores it), where ruma's request reads no body; and a path that is not the caller
/// (a user id or not) is M_FORBIDDEN, as before.
pub mod request_openid_token {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde_json::{Map, Value};

    pub use ruma::api::client::account::request_openid_token::v3::Response;

    use crate::api::types::{impl_incoming_request, json_body, path_arg};

    metadata! {
        method: POST,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/openid/request_token",
            1.1 => "/_matrix/client/v3/user/{user_id}/openid/request_token",
        }
    }

    pub struct Request {
        pub user_id: String,
    }

    impl_incoming_request!(|req, args| {
        let _ignored: Map<String, Value> = json_body(&req)?;
        Ok(Request {
            user_id: path_arg(args, 0),
        })
    });
}

pub async fn post_openid_request_token_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<request_openid_token::Request>,
) -> Result<RumaResponse<request_openid_token::Response>, ApiError> {
    if req.user_id != auth.user_id {
        return Err(ApiError::forbidden(
            "Cannot request tokens for other users.",
        ));
    }
    let (token, expires_in) = s.issue_openid_token(&req.user_id).await?;
    Ok(RumaResponse(request_openid_token::Response::new(
        token,
        TokenType::Bearer,
        ruma::OwnedServerName::try_from(s.config.server_name.as_str())
            .map_err(|_| ApiError::internal())?,
        Duration::from_secs(u64::try_from(expires_in).unwrap_or_default()),
    )))
}
