//! GET /.well-known/matrix/client — https://spec.matrix.org/v1.12/client-server-api/#getwell-knownmatrixclient
//! Served when public_baseurl is set, as Synapse does; CORS comes from the router's layers.
//! The answer is `m.homeserver` only: no configuration key adds others (an identity server or
//! Synapse's extra_well_known_client_content are not supported).

use axum::extract::State;
use ruma::api::client::discovery::discover_homeserver::{self, HomeserverInfo};

use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn get_client_well_known_route(
    State(services): State<SharedServices>,
    Ruma(_): Ruma<discover_homeserver::Request>,
) -> Result<RumaResponse<discover_homeserver::Response>, ApiError> {
    let Some(base) = &services.config.public_baseurl else {
        return Err(ApiError::not_found(
            "No .well-known configured (set public_baseurl)",
        ));
    };
    Ok(RumaResponse(discover_homeserver::Response::new(
        HomeserverInfo::new(base.as_str().to_owned()),
    )))
}
