//! PUT /_matrix/federation/v2/invite/{roomId}/{eventId} — https://spec.matrix.org/v1.16/server-server-api/#put_matrixfederationv2inviteroomideventid

use axum::extract::State;
use ruma::api::federation::membership::create_invite::v2::{Request, Response};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn put_invite_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let signed = services
        .receive_invite(
            &origin,
            &request.room_id,
            &request.event_id,
            &request.room_version,
            &request.event,
            &request.invite_room_state,
        )
        .await?;
    let event = serde_json::value::to_raw_value(&signed).map_err(|e| {
        tracing::error!(error = %e, "a signed invite could not be serialized");
        ApiError::internal()
    })?;
    Ok(RumaResponse(Response::new(event)))
}
