//! GET /_matrix/federation/v1/state/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1stateroomid
//! GET /_matrix/federation/v1/state_ids/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1state_idsroomid
//! The room's state before an event, with the auth chain of those state events.

use axum::extract::State;
use ruma::api::federation::event::{get_room_state, get_room_state_ids};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_state_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<get_room_state::v1::Request>,
) -> Result<RumaResponse<get_room_state::v1::Response>, ApiError> {
    let at = services
        .state_for_server(&origin, &request.room_id, request.event_id.as_str())
        .await?;
    Ok(RumaResponse(get_room_state::v1::Response::new(
        at.auth_chain,
        at.state,
    )))
}

pub async fn get_state_ids_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<get_room_state_ids::v1::Request>,
) -> Result<RumaResponse<get_room_state_ids::v1::Response>, ApiError> {
    let (state, auth_chain) = services
        .state_ids_for_server(&origin, &request.room_id, request.event_id.as_str())
        .await?;
    Ok(RumaResponse(get_room_state_ids::v1::Response::new(
        auth_chain, state,
    )))
}
