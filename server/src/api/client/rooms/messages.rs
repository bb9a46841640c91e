//! GET /rooms/{roomId}/messages — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3roomsroomidmessages
//! Pagination over the room's events by stream position; tokens from sync (`next_batch`,
//! `prev_batch`) and from earlier pages both work. Members of the senders are returned in
//! `state` when the filter asks for lazy loading.

use axum::extract::State;
use ruma::api::Direction;
use ruma::api::client::message::get_message_events::v3 as messages;
use serde_json::json;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, position, raws};
use crate::service::SharedServices;
use crate::service::sync::SyncFilter;
use crate::service::timeline::{Page, Viewer};

pub async fn get_messages_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<messages::Request>,
) -> Result<RumaResponse<messages::Response>, ApiError> {
    let page = Page {
        backwards: req.dir == Direction::Backward,
        from: position(req.from.as_deref(), "from")?,
        to: position(req.to.as_deref(), "to")?,
        limit: u64::from(req.limit).min(1000) as i64,
    };
    // A room filter (lazy_load_members, types, …) as used in /messages.
    let f = serde_json::to_value(&req.filter).unwrap_or_else(|_| json!({}));
    let filter = SyncFilter::from_json(&json!({"room": {"timeline": f, "state": f}}));
    let viewer = Viewer {
        user_id: &auth.user_id,
        device_id: &auth.device_id,
    };
    let page = services
        .messages(viewer, req.room_id.as_str(), page, &filter)
        .await?;
    let mut res = messages::Response::new();
    res.start = page.start;
    res.end = page.end;
    res.chunk = raws(&page.chunk);
    res.state = raws(&page.state);
    Ok(RumaResponse(res))
}
