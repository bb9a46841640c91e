//! POST /_matrix/media/v1/create — https://spec.matrix.org/v1.12/client-server-api/#post_matrixmediav1create

use axum::extract::State;
use ruma::api::client::media::create_mxc_uri;
use ruma::{MilliSecondsSinceUnixEpoch, OwnedMxcUri, UInt};

use crate::api::ApiError;
use crate::api::extract::{Auth, RumaResponse};
use crate::service::SharedServices;

/// The request has no parameters, and its body is not read: Synapse ignores it (clients send
/// none, `{}`, or anything), whereas `Ruma<create_mxc_uri::v1::Request>` would refuse an empty or
/// non-JSON body with M_NOT_JSON. The route is still registered from ruma's metadata.
pub async fn create_media_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<RumaResponse<create_mxc_uri::v1::Response>, ApiError> {
    let (id, expires) = s.reserve_media(&auth.user_id).await?;
    let content_uri = OwnedMxcUri::from(format!("mxc://{}/{id}", s.config.server_name));
    let mut res = create_mxc_uri::v1::Response::new(content_uri);
    res.unused_expires_at = UInt::try_from(expires).ok().map(MilliSecondsSinceUnixEpoch);
    Ok(RumaResponse(res))
}
