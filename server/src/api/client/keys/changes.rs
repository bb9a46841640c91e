//! GET /_matrix/client/*/keys/changes — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3keyschanges
//! `from` is a sync token; `to` is accepted and, as in Synapse, not used to cut the answer.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::OwnedUserId;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::sync::Token;

/// Our own request, answered with ruma's response: `to` is optional here, as in Synapse,
/// where ruma's request requires it.
pub mod get_key_changes {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;

    pub use ruma::api::client::keys::get_key_changes::v3::Response;

    use crate::api::types::{impl_incoming_request, query};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/keys/changes",
            1.1 => "/_matrix/client/v3/keys/changes",
        }
    }

    /// The tokens as sent: the handler parses them (a missing `from` is M_MISSING_PARAM with
    /// Synapse's text, a bad one M_INVALID_PARAM).
    pub struct Request {
        pub from: Option<String>,
        pub to: Option<String>,
    }

    impl_incoming_request!(|req, args| {
        let mut q = query(&req);
        Ok(Request {
            from: q.remove("from"),
            to: q.remove("to"),
        })
    });
}

pub async fn get_keys_changes_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_key_changes::Request>,
) -> Result<RumaResponse<get_key_changes::Response>, ApiError> {
    let from = req.from.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'from'",
        )
    })?;
    let from = Token::parse(&from).ok_or_else(|| ApiError::invalid_param("Invalid from token"))?;
    if let Some(to) = &req.to {
        Token::parse(to).ok_or_else(|| ApiError::invalid_param("Invalid to token"))?;
    }
    let (changed, left) = s.device_list_updates(&auth.user_id, from.pos).await?;
    let ids = |v: Vec<String>| -> Vec<OwnedUserId> {
        v.into_iter()
            .filter_map(|u| OwnedUserId::try_from(u).ok())
            .collect()
    };
    Ok(RumaResponse(get_key_changes::Response::new(
        ids(changed),
        ids(left),
    )))
}
