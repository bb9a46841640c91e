//! GET /_matrix/federation/v1/backfill/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1backfillroomid

use axum::extract::State;
use ruma::api::federation::backfill::get_backfill::v1::{Request, Response};

use super::{now, our_name};
use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_backfill_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let events = services
        .backfill_for_server(
            &origin,
            &request.room_id,
            &request.v,
            u64::from(request.limit),
        )
        .await?;
    Ok(RumaResponse(Response::new(
        our_name(&services)?,
        now(),
        events,
    )))
}
