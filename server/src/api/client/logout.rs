//! POST /_matrix/client/*/logout — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3logout
//! The access token and its device are deleted. An expired access token may log out, as in Synapse.

use axum::extract::State;
use ruma::api::client::session::logout;

use crate::api::ApiError;
use crate::api::extract::{AuthAllowingExpired, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn post_logout_route(
    State(s): State<SharedServices>,
    AuthAllowingExpired(auth): AuthAllowingExpired,
    Ruma(_): Ruma<logout::v3::Request>,
) -> Result<RumaResponse<logout::v3::Response>, ApiError> {
    s.logout(&auth.user_id, &auth.device_id).await?;
    Ok(RumaResponse(logout::v3::Response::new()))
}
