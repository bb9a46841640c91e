//! GET /_matrix/client/*/admin/whois/{userId} — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3adminwhoisuserid
//! (also /_synapse/admin/v1/whois/{userId}). Admins may look up anyone, users themselves.
//!
//! Our own types: ruma's response leaves out an empty `devices`, which Synapse answers as
//! `{}`, and its request would refuse a path that is not a user id before the admin check
//! (here a non-admin is refused first, then a non-local user, with Synapse's texts).

use axum::extract::State;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// The request and response both paths share.
pub mod types {
    use serde::Serialize;
    use serde_json::{Map, Value};

    pub struct Whois {
        pub user_id: String,
    }

    /// `devices`: device id → `{"sessions": [{"connections": [...]}]}`.
    #[derive(Serialize)]
    pub struct Response {
        pub user_id: String,
        pub devices: Map<String, Value>,
    }
}

/// `GET /_matrix/client/*/admin/whois/{user_id}` (the spec's path, r0 and v3).
pub mod get_user_info {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;

    pub use super::types::Response;
    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/admin/whois/{user_id}",
            1.1 => "/_matrix/client/v3/admin/whois/{user_id}",
        }
    }

    pub struct Request(pub super::types::Whois);

    impl_incoming_request!(|req, args| Ok(Request(super::types::Whois {
        user_id: path_arg(args, 0),
    })));

    impl_json_response!();
}

/// `GET /_synapse/admin/v1/whois/{user_id}` (Synapse's admin path, the same answer).
pub mod synapse_whois {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;

    pub use super::types::Response;
    use crate::api::types::{impl_incoming_request, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/whois/{user_id}",
    }

    pub struct Request(pub super::types::Whois);

    impl_incoming_request!(|req, args| Ok(Request(super::types::Whois {
        user_id: path_arg(args, 0),
    })));
}

async fn whois(
    s: &SharedServices,
    auth: &Auth,
    req: types::Whois,
) -> Result<RumaResponse<types::Response>, ApiError> {
    if req.user_id != auth.user_id && !s.is_server_admin(&auth.user_id).await? {
        return Err(ApiError::forbidden("You are not a server admin"));
    }
    let user_id = s.local_user_id(&req.user_id, "Can only whois a local user")?;
    let devices = s.whois_devices(&user_id).await?;
    Ok(RumaResponse(types::Response { user_id, devices }))
}

pub async fn get_whois_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_user_info::Request>,
) -> Result<RumaResponse<types::Response>, ApiError> {
    whois(&s, &auth, req.0).await
}

pub async fn get_synapse_whois_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<synapse_whois::Request>,
) -> Result<RumaResponse<types::Response>, ApiError> {
    whois(&s, &auth, req.0).await
}
