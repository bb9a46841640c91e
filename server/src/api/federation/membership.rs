//! GET /_matrix/federation/v1/make_join/{roomId}/{userId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1make_joinroomiduserid
//! PUT /_matrix/federation/v2/send_join/{roomId}/{eventId} — https://spec.matrix.org/v1.16/server-server-api/#put_matrixfederationv2send_joinroomideventid
//! GET /_matrix/federation/v1/make_leave/{roomId}/{userId}, PUT /_matrix/federation/v2/send_leave/{roomId}/{eventId}
//! GET /_matrix/federation/v1/make_knock/{roomId}/{userId}, PUT /_matrix/federation/v1/send_knock/{roomId}/{eventId}
//! Another server's user joining one of our rooms, leaving it (declining an invite), or
//! knocking on it.

use axum::extract::State;
use ruma::api::federation::membership::{
    create_join_event, create_knock_event, create_leave_event, prepare_join_event,
    prepare_knock_event, prepare_leave_event,
};
use serde_json::value::{RawValue, to_raw_value};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

fn raw<T: serde::Serialize>(value: &T) -> Result<Box<RawValue>, ApiError> {
    to_raw_value(value).map_err(|e| {
        tracing::error!(error = %e, "an event could not be serialized");
        ApiError::internal()
    })
}

pub async fn get_make_join_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<prepare_join_event::v1::Request>,
) -> Result<RumaResponse<prepare_join_event::v1::Response>, ApiError> {
    let (version, template) = services
        .make_join(&origin, &request.room_id, &request.user_id, &request.ver)
        .await?;
    let mut response = prepare_join_event::v1::Response::new(raw(&template)?);
    response.room_version = Some(version);
    Ok(RumaResponse(response))
}

pub async fn put_send_join_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<create_join_event::v2::Request>,
) -> Result<RumaResponse<create_join_event::v2::Response>, ApiError> {
    let joined = services
        .send_join(&origin, &request.room_id, &request.event_id, &request.pdu)
        .await?;
    let mut state = create_join_event::v2::RoomState::new();
    state.state = joined.state;
    state.auth_chain = joined.auth_chain;
    Ok(RumaResponse(create_join_event::v2::Response::new(state)))
}

pub async fn get_make_leave_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<prepare_leave_event::v1::Request>,
) -> Result<RumaResponse<prepare_leave_event::v1::Response>, ApiError> {
    let (version, template) = services
        .make_leave(&origin, &request.room_id, &request.user_id)
        .await?;
    Ok(RumaResponse(prepare_leave_event::v1::Response::new(
        Some(version),
        raw(&template)?,
    )))
}

pub async fn put_send_leave_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<create_leave_event::v2::Request>,
) -> Result<RumaResponse<create_leave_event::v2::Response>, ApiError> {
    services
        .send_leave(&origin, &request.room_id, &request.event_id, &request.pdu)
        .await?;
    Ok(RumaResponse(create_leave_event::v2::Response::new()))
}

pub async fn get_make_knock_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<prepare_knock_event::v1::Request>,
) -> Result<RumaResponse<prepare_knock_event::v1::Response>, ApiError> {
    let (version, template) = services
        .make_knock(&origin, &request.room_id, &request.user_id, &request.ver)
        .await?;
    Ok(RumaResponse(prepare_knock_event::v1::Response::new(
        version,
        raw(&template)?,
    )))
}

pub async fn put_send_knock_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<create_knock_event::v1::Request>,
) -> Result<RumaResponse<create_knock_event::v1::Response>, ApiError> {
    let state = services
        .send_knock(&origin, &request.room_id, &request.event_id, &request.pdu)
        .await?;
    Ok(RumaResponse(create_knock_event::v1::Response::new(state)))
}
