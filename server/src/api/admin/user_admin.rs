//! GET and PUT /_synapse/admin/v1/users/{userId}/admin — https://element-hq.github.io/synapse/latest/admin_api/user_admin_api.html#change-whether-a-user-is-a-server-administrator-or-not
//! An admin may not demote themselves.

use axum::extract::State;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

const NOT_LOCAL: &str = "Only local users can be admins of this homeserver";

/// `GET /_synapse/admin/v1/users/{user_id}/admin`.
pub mod get {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/users/{user_id}/admin",
    }

    pub struct Request {
        pub user_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
    }));

    #[derive(Serialize)]
    pub struct Response {
        pub admin: bool,
    }

    impl_json_response!();
}

/// `PUT /_synapse/admin/v1/users/{user_id}/admin`.
pub mod put {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    use crate::api::types::{
        impl_incoming_request, impl_json_response, json_body, path_arg, present,
    };

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/users/{user_id}/admin",
    }

    pub struct Request {
        pub user_id: String,
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        /// Any JSON value: Synapse takes its truthiness. Absent is M_MISSING_PARAM.
        #[serde(default, deserialize_with = "present")]
        pub admin: Option<Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn get_user_admin_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<get::Request>,
) -> Result<RumaResponse<get::Response>, ApiError> {
    let user_id = s.local_user_id(&req.user_id, NOT_LOCAL)?;
    Ok(RumaResponse(get::Response {
        admin: s.is_server_admin(&user_id).await?,
    }))
}

pub async fn put_user_admin_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Ruma(req): Ruma<put::Request>,
) -> Result<RumaResponse<put::Response>, ApiError> {
    let Some(admin) = req.body.admin else {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing params: ['admin']",
        ));
    };
    let user_id = s.local_user_id(&req.user_id, NOT_LOCAL)?;
    // Synapse takes the truthiness of the value.
    let admin = match admin {
        Value::Bool(b) => b,
        Value::Null => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(t) => !t.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    };
    s.admin_set_admin(&auth.user_id, &user_id, admin).await?;
    Ok(RumaResponse(put::Response {}))
}
