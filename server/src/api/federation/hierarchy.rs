//! GET /_matrix/federation/v1/hierarchy/{roomId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1hierarchyroomid
//! One level of a space we are in, as the asking server may see it.

use axum::extract::State;
use ruma::api::federation::space::{SpaceHierarchyParentSummary, get_hierarchy};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_hierarchy_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<get_hierarchy::v1::Request>,
) -> Result<RumaResponse<get_hierarchy::v1::Response>, ApiError> {
    let (room, children, inaccessible) = services
        .federation_hierarchy(&origin, &request.room_id, request.suggested_only)
        .await?;
    let mut response = get_hierarchy::v1::Response::new(SpaceHierarchyParentSummary::new(
        room.summary,
        room.children,
    ));
    response.children = children;
    response.inaccessible_children = inaccessible;
    Ok(RumaResponse(response))
}
