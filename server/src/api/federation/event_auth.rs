//! GET /_matrix/federation/v1/event_auth/{roomId}/{eventId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1event_authroomideventid

use axum::extract::State;
use ruma::api::federation::authorization::get_event_authorization::v1::{Request, Response};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_event_auth_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let chain = services
        .event_auth_for_server(&origin, &request.room_id, request.event_id.as_str())
        .await?;
    Ok(RumaResponse(Response::new(chain)))
}
