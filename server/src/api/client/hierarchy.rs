//! GET /_matrix/client/v1/rooms/{roomId}/hierarchy — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv1roomsroomidhierarchy

use axum::extract::State;
use ruma::api::client::space::{SpaceHierarchyRoomsChunk, get_hierarchy};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::spaces::HierarchyQuery;

pub async fn get_hierarchy_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_hierarchy::v1::Request>,
) -> Result<RumaResponse<get_hierarchy::v1::Response>, ApiError> {
    let limit = match req.limit.map(u64::from) {
        Some(0) => {
            return Err(ApiError::invalid_param(
                "Parameter limit must be a positive integer.",
            ));
        }
        l => l.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
    };
    let (rooms, next_batch) = services
        .space_hierarchy(
            &auth.user_id,
            &req.room_id,
            HierarchyQuery {
                from: req.from.as_deref(),
                limit,
                max_depth: req.max_depth.map(u64::from),
                suggested_only: req.suggested_only,
            },
        )
        .await?;
    let mut response = get_hierarchy::v1::Response::new();
    response.rooms = rooms
        .into_iter()
        .map(|r| SpaceHierarchyRoomsChunk::new(r.summary, r.children))
        .collect();
    response.next_batch = next_batch;
    Ok(RumaResponse(response))
}
