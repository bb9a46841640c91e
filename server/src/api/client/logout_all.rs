//! POST /_matrix/client/*/logout/all — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3logoutall
//! Every access token and device of the user is deleted. An expired access token may log out, as in Synapse.

use axum::extract::State;
use ruma::api::client::session::logout_all;

use crate::api::ApiError;
use crate::api::extract::{AuthAllowingExpired, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn post_logout_all_route(
    State(s): State<SharedServices>,
    AuthAllowingExpired(auth): AuthAllowingExpired,
    Ruma(_): Ruma<logout_all::v3::Request>,
) -> Result<RumaResponse<logout_all::v3::Response>, ApiError> {
    s.logout_all(&auth.user_id).await?;
    Ok(RumaResponse(logout_all::v3::Response::new()))
}
