//! POST /_matrix/client/*/refresh — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3refresh
//! Exchanges a refresh token for a new access token and refresh token. Served only while
//! refresh tokens are enabled (`refreshable_access_token_lifetime` not null), as Synapse
//! registers it only then; otherwise 404 M_UNRECOGNIZED.

use axum::extract::State;
use ruma::api::client::session::refresh_token;

use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn post_refresh_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<refresh_token::v3::Request>,
) -> Result<RumaResponse<refresh_token::v3::Response>, ApiError> {
    let refreshed = s
        .refresh_tokens(&req.refresh_token)
        .await
        .ok_or_else(ApiError::unrecognized)??;
    let mut res = refresh_token::v3::Response::new(refreshed.access_token);
    res.refresh_token = Some(refreshed.refresh_token);
    res.expires_in_ms = refreshed.valid_until_ms.map(super::login::expires_in);
    Ok(RumaResponse(res))
}
