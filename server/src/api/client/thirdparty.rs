//! GET /_matrix/client/*/thirdparty/protocols — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3thirdpartyprotocols
//! Bridged networks come from application services, which matrixd does not run yet: none.

use ruma::api::client::thirdparty::get_protocols;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};

pub async fn get_protocols_route(
    _auth: Auth,
    Ruma(_req): Ruma<get_protocols::v3::Request>,
) -> Result<RumaResponse<get_protocols::v3::Response>, ApiError> {
    Ok(RumaResponse(get_protocols::v3::Response::new(
        Default::default(),
    )))
}
