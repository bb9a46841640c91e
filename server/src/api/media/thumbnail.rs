//! GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId} and the legacy
//! /_matrix/media/v3/thumbnail/… — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediathumbnailservernamemediaid

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::serving_headers;
use crate::api::ApiError;
use crate::api::extract::{Auth, Params, QueryMap};
use crate::service::SharedServices;

async fn thumbnail(
    s: &SharedServices,
    server_name: &str,
    media_id: &str,
    q: &std::collections::HashMap<String, String>,
) -> Result<Response, ApiError> {
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
    let (bytes, mime) = s.thumbnail(server_name, media_id, w, h, crop).await?;
    Ok((serving_headers(Some(mime), None), bytes).into_response())
}

pub async fn get_thumbnail_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Params((server_name, media_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Response, ApiError> {
    thumbnail(&s, &server_name, &media_id, &q).await
}

pub async fn get_legacy_thumbnail_route(
    State(s): State<SharedServices>,
    Params((server_name, media_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Response, ApiError> {
    thumbnail(&s, &server_name, &media_id, &q).await
}
