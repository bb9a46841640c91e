//! GET and PUT /_matrix/client/*/presence/{userId}/status — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3presenceuseridstatus
//!
//! GET: ruma's request, our own response (the presence as `service::presence` writes it). PUT:
//! our own request, ruma's response: Synapse answers a body it cannot use with M_UNKNOWN
//! ("Unable to parse state"), where ruma's typed request would answer M_BAD_JSON or
//! M_MISSING_PARAM; the service checks the body as Synapse does.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::client::presence::get_presence;
use serde::Serialize;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;
use crate::service::presence::PresenceError;

impl From<PresenceError> for ApiError {
    fn from(e: PresenceError) -> Self {
        let msg = e.to_string();
        match e {
            // Synapse answers these with M_UNKNOWN.
            PresenceError::InvalidState
            | PresenceError::Unparsable
            | PresenceError::StatusMsgNotString => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", msg)
            }
            PresenceError::UnknownUser => ApiError::not_found(msg),
            PresenceError::NotVisible => ApiError::forbidden(msg),
            PresenceError::Room(r) => r.into(),
        }
    }
}

/// The answer to GET: `{presence, last_active_ago, status_msg?, currently_active?}`.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Response(pub Value);

impl_json_response!();

/// PUT's own request type.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    pub use ruma::api::client::presence::set_presence::v3::Response;
    use ruma::api::metadata;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/presence/{user_id}/status",
            1.1 => "/_matrix/client/v3/presence/{user_id}/status",
        }
    }

    pub struct Request {
        /// As sent (compared with the requester's own id).
        pub user_id: String,
        /// The body as sent: the service checks it as Synapse does.
        pub body: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));
}

pub async fn get_presence_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_presence::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let presence = s.presence_of(&auth.user_id, req.user_id.as_str()).await?;
    Ok(RumaResponse(Response(presence)))
}

pub async fn put_presence_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    if auth.user_id != req.user_id {
        return Err(ApiError::forbidden("Can only set your own presence state"));
    }
    s.put_presence(&auth.user_id, &req.body).await?;
    Ok(RumaResponse(put::Response::new()))
}
