//! GET and POST /_matrix/federation/v1/publicRooms — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1publicrooms
//! Our public room list, for another server's users.

use axum::extract::State;
use ruma::api::federation::directory::{get_public_rooms, get_public_rooms_filtered};
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

/// (chunk, next_batch, prev_batch, total) of our list, in ruma's types.
async fn list(
    services: &SharedServices,
    limit: Option<ruma::UInt>,
    since: Option<&str>,
    term: Option<&str>,
) -> Result<
    (
        Vec<ruma::directory::PublicRoomsChunk>,
        Option<String>,
        Option<String>,
        Option<ruma::UInt>,
    ),
    ApiError,
> {
    let limit = limit.map(|l| usize::try_from(u64::from(l)).unwrap_or(usize::MAX));
    let mut body = services.public_rooms_for_server(limit, since, term).await?;
    let chunk = serde_json::from_value(body["chunk"].take()).map_err(|e| {
        tracing::error!(error = %e, "our room directory entries do not fit the spec's shape");
        ApiError::internal()
    })?;
    let text = |v: &Value| v.as_str().map(String::from);
    Ok((
        chunk,
        text(&body["next_batch"]),
        text(&body["prev_batch"]),
        body["total_room_count_estimate"]
            .as_u64()
            .and_then(|n| ruma::UInt::try_from(n).ok()),
    ))
}

pub async fn get_public_rooms_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<get_public_rooms::v1::Request>,
) -> Result<RumaResponse<get_public_rooms::v1::Response>, ApiError> {
    let (chunk, next, prev, total) =
        list(&services, request.limit, request.since.as_deref(), None).await?;
    let mut response = get_public_rooms::v1::Response::new();
    response.chunk = chunk;
    response.next_batch = next;
    response.prev_batch = prev;
    response.total_room_count_estimate = total;
    Ok(RumaResponse(response))
}

pub async fn post_public_rooms_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<get_public_rooms_filtered::v1::Request>,
) -> Result<RumaResponse<get_public_rooms_filtered::v1::Response>, ApiError> {
    let term = request.filter.generic_search_term.as_deref();
    let (chunk, next, prev, total) =
        list(&services, request.limit, request.since.as_deref(), term).await?;
    let mut response = get_public_rooms_filtered::v1::Response::new();
    response.chunk = chunk;
    response.next_batch = next;
    response.prev_batch = prev;
    response.total_room_count_estimate = total;
    Ok(RumaResponse(response))
}
