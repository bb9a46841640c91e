//! GET /_matrix/client/*/account/whoami — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3accountwhoami

use ruma::api::client::account::whoami;
use ruma::{OwnedDeviceId, UserId};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};

pub async fn get_whoami_route(
    auth: Auth,
    Ruma(_req): Ruma<whoami::v3::Request>,
) -> Result<RumaResponse<whoami::v3::Response>, ApiError> {
    let user_id = UserId::parse(&auth.user_id).map_err(|_| ApiError::internal())?;
    let mut res = whoami::v3::Response::new(user_id, false);
    res.device_id = Some(OwnedDeviceId::from(auth.device_id));
    Ok(RumaResponse(res))
}
