//! Typing, receipts and read markers.
//! PUT /rooms/{roomId}/typing/{userId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3roomsroomidtypinguserid
//! POST /rooms/{roomId}/receipt/{receiptType}/{eventId} — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidreceiptreceipttypeeventid
//! POST /rooms/{roomId}/read_markers — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3roomsroomidread_markers

use std::time::Duration;

use axum::extract::State;

use crate::api::ApiError;
use ruma::api::client::read_marker::set_read_marker;
use ruma::api::client::receipt::create_receipt;
use ruma::events::receipt::ReceiptThread;

use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

async fn require_joined(
    services: &SharedServices,
    user_id: &str,
    room_id: &str,
) -> Result<(), ApiError> {
    match services.membership_of(user_id, room_id).await? {
        Some((m, _)) if m == "join" => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "User {user_id} not in room {room_id}"
        ))),
    }
}

/// PUT /rooms/{roomId}/typing/{userId}: our own type, because ruma's requires `timeout`
/// when `typing` is true, where Synapse takes 30 seconds.
pub mod create_typing_event {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::{Deserialize, Serialize};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/rooms/{room_id}/typing/{user_id}",
            1.1 => "/_matrix/client/v3/rooms/{room_id}/typing/{user_id}",
        }
    }

    pub struct Request {
        pub room_id: String,
        pub user_id: String,
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        pub typing: bool,
        /// Milliseconds; absent or `null` is 30 seconds, as in Synapse.
        #[serde(default)]
        pub timeout: Option<u64>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
        user_id: path_arg(args, 1),
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn typing_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_typing_event::Request>,
) -> Result<RumaResponse<create_typing_event::Response>, ApiError> {
    if auth.user_id != req.user_id {
        return Err(ApiError::forbidden(
            "Cannot set another user's typing state",
        ));
    }
    let timeout = Duration::from_millis(req.body.timeout.unwrap_or(30_000));
    services
        .set_typing(&req.room_id, &req.user_id, req.body.typing, timeout)
        .await?;
    Ok(RumaResponse(create_typing_event::Response {}))
}

const RECEIPT_TYPES: &[&str] = &["m.read", "m.read.private", "m.fully_read"];

pub async fn receipt_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_receipt::v3::Request>,
) -> Result<RumaResponse<create_receipt::v3::Response>, ApiError> {
    let rtype = req.receipt_type.to_string();
    if !RECEIPT_TYPES.contains(&rtype.as_str()) {
        return Err(ApiError::invalid_param(format!(
            "Receipt type must be one of {}",
            RECEIPT_TYPES.join(", ")
        )));
    }
    let room_id = req.room_id.as_str();
    require_joined(&services, &auth.user_id, room_id).await?;
    let thread = match &req.thread {
        ReceiptThread::Unthreaded => String::new(),
        ReceiptThread::Main => "main".to_string(),
        ReceiptThread::Thread(id) => id.to_string(),
        other => {
            return Err(ApiError::invalid_param(format!(
                "thread_id must be \"main\" or an event id, not {:?}",
                other.as_str()
            )));
        }
    };
    services
        .set_receipt(
            &auth.user_id,
            room_id,
            &rtype,
            req.event_id.as_str(),
            &thread,
        )
        .await?;
    Ok(RumaResponse(create_receipt::v3::Response::new()))
}

pub async fn read_markers_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_read_marker::v3::Request>,
) -> Result<RumaResponse<set_read_marker::v3::Response>, ApiError> {
    let room_id = req.room_id.as_str();
    require_joined(&services, &auth.user_id, room_id).await?;
    for (rtype, event_id) in [
        ("m.fully_read", &req.fully_read),
        ("m.read", &req.read_receipt),
        ("m.read.private", &req.private_read_receipt),
    ] {
        if let Some(event_id) = event_id {
            services
                .set_receipt(&auth.user_id, room_id, rtype, event_id.as_str(), "")
                .await?;
        }
    }
    Ok(RumaResponse(set_read_marker::v3::Response::new()))
}
