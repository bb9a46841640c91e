//! POST /_matrix/federation/v1/get_missing_events/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#post_matrixfederationv1get_missing_eventsroomid

use axum::extract::State;
use ruma::api::federation::event::get_missing_events::v1::{Request, Response};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn post_get_missing_events_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let events = services
        .missing_events_for_server(
            &origin,
            &request.room_id,
            &request.earliest_events,
            &request.latest_events,
            u64::from(request.limit),
            u64::from(request.min_depth),
        )
        .await?;
    Ok(RumaResponse(Response::new(events)))
}
