//! GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId} and the legacy
//! /_matrix/media/v3/thumbnail/… — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediathumbnailservernamemediaid
//! The thumbnail is served with the same [`serving_headers`] as downloads (content type,
//! disposition and the sandboxing headers), as a [`MediaBytes`]. On the authenticated path,
//! other servers' images are thumbnailed here from their original, fetched on first request;
//! the legacy path serves only ours.

use axum::extract::State;
use ruma::api::client::authenticated_media::get_content_thumbnail;
#[allow(deprecated)]
use ruma::api::client::media::get_content_thumbnail as legacy_get_content_thumbnail;

use super::{MediaBytes, MediaGet, serving_headers};
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

async fn thumbnail<R>(
    s: &SharedServices,
    req: MediaGet<R>,
    remote: bool,
) -> Result<RumaResponse<MediaBytes>, ApiError> {
    let q = &req.query;
    let dim = |k: &str| -> Result<u32, ApiError> {
        q.get(k)
            .ok_or_else(|| {
                ApiError::new(
                    http::StatusCode::BAD_REQUEST,
                    "M_MISSING_PARAM",
                    format!("Missing integer query parameter '{k}'"),
                )
            })?
            .parse::<u32>()
            .map_err(|_| {
                ApiError::invalid_param(format!("Query parameter '{k}' must be a positive integer"))
            })
    };
    let (w, h) = (dim("width")?, dim("height")?);
    if w == 0 || h == 0 {
        return Err(ApiError::invalid_param("width and height must be positive"));
    }
    let crop = match q.get("method").map(String::as_str) {
        None | Some("scale") => false,
        Some("crop") => true,
        Some(m) => return Err(ApiError::invalid_param(format!("Unknown method {m:?}"))),
    };
    let (bytes, mime) = if remote {
        s.thumbnail_for_client(&req.server_name, &req.media_id, w, h, crop)
            .await?
    } else {
        s.thumbnail(&req.server_name, &req.media_id, w, h, crop)
            .await?
    };
    Ok(RumaResponse(MediaBytes {
        headers: serving_headers(Some(mime), None),
        bytes,
    }))
}

pub async fn get_thumbnail_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<MediaGet<get_content_thumbnail::v1::Request>>,
) -> Result<RumaResponse<MediaBytes>, ApiError> {
    thumbnail(&s, req, true).await
}

#[allow(deprecated)]
pub async fn get_legacy_thumbnail_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<MediaGet<legacy_get_content_thumbnail::v3::Request>>,
) -> Result<RumaResponse<MediaBytes>, ApiError> {
    thumbnail(&s, req, false).await
}
