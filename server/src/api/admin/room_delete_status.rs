//! GET /_synapse/admin/v2/rooms/delete_status/{deleteId} and
//! GET /_synapse/admin/v2/rooms/{roomId}/delete_status — https://element-hq.github.io/synapse/latest/admin_api/rooms.html#status-of-deleting-rooms

use axum::extract::State;

use super::extract::Admin;
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

/// `GET /_synapse/admin/v2/rooms/delete_status/{delete_id}`.
pub mod by_id {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v2/rooms/delete_status/{delete_id}",
    }

    pub struct Request {
        pub delete_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        delete_id: path_arg(args, 0),
    }));

    /// The deletion's status, as the service builds it.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

/// `GET /_synapse/admin/v2/rooms/{room_id}/delete_status`.
pub mod by_room {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v2/rooms/{room_id}/delete_status",
    }

    pub struct Request {
        pub room_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
    }));

    /// `{"results": [...]}`, as the service builds it.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response(pub Value);

    impl_json_response!();
}

pub async fn get_delete_status_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<by_id::Request>,
) -> Result<RumaResponse<by_id::Response>, ApiError> {
    Ok(RumaResponse(by_id::Response(
        s.admin_delete_status(&req.delete_id).await?,
    )))
}

pub async fn get_room_delete_status_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<by_room::Request>,
) -> Result<RumaResponse<by_room::Response>, ApiError> {
    Ok(RumaResponse(by_room::Response(
        s.admin_room_delete_status(&req.room_id).await?,
    )))
}
