//! GET /_matrix/federation/v1/query/profile — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1queryprofile
//! GET /_matrix/federation/v1/query/directory — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1querydirectory
//! Another server asking about one of our users or aliases.

use axum::extract::State;
use ruma::api::federation::query::{get_profile_information, get_room_information};
use ruma::{OwnedRoomId, OwnedServerName};
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_query_profile_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<get_profile_information::v1::Request>,
) -> Result<RumaResponse<get_profile_information::v1::Response>, ApiError> {
    let field = request.field.as_ref().map(|f| f.as_str());
    let fields = services.profile_for_server(&request.user_id, field).await?;
    Ok(RumaResponse(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.map_or(Value::Null, Value::String)))
            .collect(),
    ))
}

pub async fn get_query_directory_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<get_room_information::v1::Request>,
) -> Result<RumaResponse<get_room_information::v1::Response>, ApiError> {
    let (room_id, servers) = services.alias_for_server(&request.room_alias).await?;
    let room_id = OwnedRoomId::try_from(room_id).map_err(|e| {
        tracing::error!(error = %e, "a stored alias names an invalid room id");
        ApiError::internal()
    })?;
    let servers = servers
        .into_iter()
        .filter_map(|s| OwnedServerName::try_from(s).ok())
        .collect();
    Ok(RumaResponse(get_room_information::v1::Response::new(
        room_id, servers,
    )))
}
