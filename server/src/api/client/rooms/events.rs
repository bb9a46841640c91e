//! GET /rooms/{roomId}/event/{eventId} and GET /rooms/{roomId}/context/{eventId}
//! — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3roomsroomideventeventid

use axum::extract::State;
use ruma::api::client::context::get_context::v3 as context;
use ruma::api::client::room::get_room_event::v3 as room_event;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, raw, raws};
use crate::service::SharedServices;
use crate::service::timeline::Viewer;

pub async fn get_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<room_event::Request>,
) -> Result<RumaResponse<room_event::Response>, ApiError> {
    let viewer = Viewer {
        user_id: &auth.user_id,
        device_id: &auth.device_id,
    };
    let event = services
        .room_event(viewer, req.room_id.as_str(), req.event_id.as_str())
        .await?;
    Ok(RumaResponse(room_event::Response::new(raw(&event))))
}

pub async fn get_context_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<context::Request>,
) -> Result<RumaResponse<context::Response>, ApiError> {
    let viewer = Viewer {
        user_id: &auth.user_id,
        device_id: &auth.device_id,
    };
    let limit = u64::from(req.limit).min(100) as i64;
    let c = services
        .context(viewer, req.room_id.as_str(), req.event_id.as_str(), limit)
        .await?;
    let mut res = context::Response::new();
    res.event = Some(raw(&c.event));
    res.events_before = raws(&c.events_before);
    res.events_after = raws(&c.events_after);
    res.start = Some(c.start);
    res.end = Some(c.end);
    res.state = raws(&c.state);
    Ok(RumaResponse(res))
}
