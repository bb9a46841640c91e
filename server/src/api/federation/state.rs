//! GET /_matrix/federation/v1/state/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1stateroomid
//! GET /_matrix/federation/v1/state_ids/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1state_idsroomid
//! The room's state before an event, with the auth chain of those state events.

use axum::extract::State;
use ruma::OwnedEventId;
use ruma::api::federation::event::{get_room_state, get_room_state_ids};

use super::raw_pdus;
use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;
use crate::service::federation::room_reads::Served;

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
        raw_pdus(at.auth_chain),
        raw_pdus(at.state),
    )))
}

pub async fn get_state_ids_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<get_room_state_ids::v1::Request>,
) -> Result<RumaResponse<get_room_state_ids::v1::Response>, ApiError> {
    let at = services
        .state_for_server(&origin, &request.room_id, request.event_id.as_str())
        .await?;
    let ids = |events: &[Served]| -> Vec<OwnedEventId> {
        events.iter().map(|e| e.event_id.clone()).collect()
    };
    Ok(RumaResponse(get_room_state_ids::v1::Response::new(
        ids(&at.auth_chain),
        ids(&at.state),
    )))
}
