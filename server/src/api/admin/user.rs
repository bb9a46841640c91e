//! GET and PUT /_synapse/admin/v2/users/{userId} — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#query-user-account
//! PUT creates the user (201) or modifies it (200): password, displayname, avatar_url, admin,
//! deactivated, user_type, logout_devices.

use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

/// `GET /_synapse/admin/v2/users/{user_id}`.
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
        path: "/_synapse/admin/v2/users/{user_id}",
    }

    /// The user ID stays a string: a bad one is Synapse's M_INVALID_PARAM, checked by
    /// `local_user_id`.
    pub struct Request {
        pub user_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
    }));

    /// The user's details, as the service builds them.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// `PUT /_synapse/admin/v2/users/{user_id}`.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::error::IntoHttpError;
    use ruma::api::{OutgoingResponse, metadata};
    use serde_json::{Map, Value};

    use crate::api::types::{JsonBody, impl_incoming_request, json_body, json_response, path_arg};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v2/users/{user_id}",
    }

    pub struct Request {
        pub user_id: String,
        /// The fields to set; the service checks each as Synapse does.
        pub body: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    /// The user's details; 201 if the user was created, else 200.
    pub struct Response {
        pub created: bool,
        pub user: Value,
    }

    impl OutgoingResponse for Response {
        type Body = JsonBody;

        fn try_into_http_response_inner(self) -> Result<http::Response<JsonBody>, IntoHttpError> {
            let status = if self.created {
                http::StatusCode::CREATED
            } else {
                http::StatusCode::OK
            };
            json_response(status, &self.user)
        }
    }
}

pub async fn get_user_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<get::Request>,
) -> Result<RumaResponse<get::Response>, ApiError> {
    let user_id = s.local_user_id(&req.user_id, "Can only look up local users")?;
    match s.admin_user(&user_id).await? {
        Some(u) => Ok(RumaResponse(get::Response(u))),
        None => Err(ApiError::not_found("User not found")),
    }
}

pub async fn put_user_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    let user_id = s.local_user_id(
        &req.user_id,
        "This endpoint can only be used with local users",
    )?;
    let (created, user) = s
        .admin_put_user(&auth.user_id, &user_id, &Value::Object(req.body))
        .await?;
    Ok(RumaResponse(put::Response { created, user }))
}
