//! GET, PUT and DELETE /_synapse/admin/v1/registration_tokens/{token} — https://element-hq.github.io/synapse/latest/usage/administration/admin_api/registration_tokens.html#get-one-token
//! 404 M_NOT_FOUND "No such registration token: …" for an unknown token.

use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

/// `GET /_synapse/admin/v1/registration_tokens/{token}`.
pub mod get {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/registration_tokens/{token}",
    }

    pub struct Request {
        pub token: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        token: path_arg(args, 0),
    }));

    /// The token, as the service builds it.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// `PUT /_synapse/admin/v1/registration_tokens/{token}`.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/registration_tokens/{token}",
    }

    pub struct Request {
        pub token: String,
        /// `uses_allowed`, `expiry_time`: the service checks each as Synapse does.
        pub body: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        token: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    /// The updated token, as the service builds it.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// `DELETE /_synapse/admin/v1/registration_tokens/{token}`.
pub mod delete {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: DELETE,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/registration_tokens/{token}",
    }

    pub struct Request {
        pub token: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        token: path_arg(args, 0),
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn get_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<get::Request>,
) -> Result<RumaResponse<get::Response>, ApiError> {
    Ok(RumaResponse(get::Response(
        s.admin_registration_token(&req.token).await?,
    )))
}

pub async fn put_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    Ok(RumaResponse(put::Response(
        s.admin_update_registration_token(&req.token, &Value::Object(req.body))
            .await?,
    )))
}

pub async fn delete_registration_token_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<delete::Request>,
) -> Result<RumaResponse<delete::Response>, ApiError> {
    s.admin_delete_registration_token(&req.token).await?;
    Ok(RumaResponse(delete::Response {}))
}
