//! GET /_matrix/federation/v1/user/devices/{userId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1userdevicesuserid
//! POST /_matrix/federation/v1/user/keys/query — https://spec.matrix.org/v1.16/server-server-api/#post_matrixfederationv1userkeysquery
//! POST /_matrix/federation/v1/user/keys/claim — https://spec.matrix.org/v1.16/server-server-api/#post_matrixfederationv1userkeysclaim
//! Another server asking for our users' devices and keys (its users share rooms with ours, or
//! are about to talk to them encrypted).

use axum::extract::State;
use ruma::api::federation::device::get_devices;
use ruma::api::federation::keys::{claim_keys, get_keys};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn get_user_devices_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<get_devices::v1::Request>,
) -> Result<RumaResponse<get_devices::v1::Response>, ApiError> {
    Ok(RumaResponse(
        services
            .federation_user_devices(&origin, &request.user_id)
            .await?,
    ))
}

pub async fn post_user_keys_query_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<get_keys::v1::Request>,
) -> Result<RumaResponse<get_keys::v1::Response>, ApiError> {
    Ok(RumaResponse(
        services.federation_query_keys(request.device_keys).await?,
    ))
}

pub async fn post_user_keys_claim_route(
    State(services): State<SharedServices>,
    Federation { request, .. }: Federation<claim_keys::v1::Request>,
) -> Result<RumaResponse<claim_keys::v1::Response>, ApiError> {
    Ok(RumaResponse(
        services
            .federation_claim_keys(request.one_time_keys)
            .await?,
    ))
}
