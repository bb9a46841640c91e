//! GET /_matrix/federation/v1/event/{eventId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1eventeventid

use axum::extract::State;
use ruma::api::federation::event::get_event::v1::{Request, Response};

use super::{now, our_name};
use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_event_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let event = services
        .event_for_server(&origin, request.event_id.as_str())
        .await?;
    Ok(RumaResponse(Response::new(
        our_name(&services)?,
        now(),
        event,
    )))
}
