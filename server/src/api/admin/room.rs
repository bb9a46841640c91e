//! GET and DELETE /_synapse/admin/v1/rooms/{roomId} — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#room-details-api
//! DELETE (https://element-hq.github.io/synapse/latest/admin_api/rooms.html#version-1-old-version)
//! runs at once: every local member leaves, then `block` (default false) and `purge`
//! (default true); it answers with kicked_users, failed_to_kick_users, local_aliases and
//! new_room_id.

use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::present;
use crate::service::SharedServices;
use crate::service::admin_rooms::DeleteRoom;

/// `GET /_synapse/admin/v1/rooms/{room_id}`.
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
        path: "/_synapse/admin/v1/rooms/{room_id}",
    }

    /// The room ID stays a string: the service answers a bad one as Synapse does.
    pub struct Request {
        pub room_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
    }));

    /// The room's details, as the service builds them.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// `DELETE /_synapse/admin/v1/rooms/{room_id}`.
pub mod delete {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use super::DeleteBody;
    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: DELETE,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/rooms/{room_id}",
    }

    pub struct Request {
        pub room_id: String,
        pub body: DeleteBody,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    /// kicked_users, failed_to_kick_users, local_aliases and new_room_id.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// The body of a room deletion (v1 and v2). The fields stay JSON values: Synapse checks them
/// by hand (`delete_options`), with its own messages.
#[derive(Deserialize)]
pub struct DeleteBody {
    #[serde(default, deserialize_with = "present")]
    pub block: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub purge: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub force_purge: Option<Value>,
}

pub async fn get_room_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<get::Request>,
) -> Result<RumaResponse<get::Response>, ApiError> {
    Ok(RumaResponse(get::Response(
        s.admin_room(&req.room_id).await?,
    )))
}

/// The `block`, `purge` and `force_purge` fields of a delete body, checked as Synapse does.
pub fn delete_options(body: &DeleteBody) -> Result<DeleteRoom, ApiError> {
    let flag = |key: &str, value: &Option<Value>, default: bool| match value {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::bad_json(format!(
            "Param '{key}' must be a boolean, if given"
        ))),
    };
    let opts = DeleteRoom {
        block: flag("block", &body.block, false)?,
        purge: flag("purge", &body.purge, true)?,
    };
    flag("force_purge", &body.force_purge, false)?;
    Ok(opts)
}

pub async fn delete_room_route(
    State(s): State<SharedServices>,
    Admin(auth): Admin,
    Ruma(req): Ruma<delete::Request>,
) -> Result<RumaResponse<delete::Response>, ApiError> {
    let opts = delete_options(&req.body)?;
    Ok(RumaResponse(delete::Response(
        s.admin_delete_room(&auth.user_id, &req.room_id, &opts)
            .await?,
    )))
}
