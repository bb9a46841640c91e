//! GET /_matrix/client/v1/media/preview_url (and the legacy /_matrix/media/v3/preview_url) — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediapreview_url
//! Authenticated. Disabled previews answer 404 M_UNRECOGNIZED, as Synapse; a blocked address
//! 403 (IP literal) or 502 (name resolving only to blocked addresses), like Synapse's wording.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, QueryMap};
use crate::service::SharedServices;
use crate::service::safe_http::FetchError;
use crate::service::url_preview::PreviewError;

pub async fn get_preview_url_route(
    State(s): State<SharedServices>,
    auth: Auth,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    if !s.config.url_preview.enabled {
        return Err(ApiError::unrecognized());
    }
    let Some(url) = q.get("url") else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'url'",
        ));
    };
    if let Some(ts) = q.get("ts")
        && ts.parse::<i64>().is_err()
    {
        return Err(ApiError::invalid_param(
            "Query parameter 'ts' must be an integer",
        ));
    }
    Ok(Json(s.preview_url(&auth.user_id, url).await?))
}

impl From<PreviewError> for ApiError {
    fn from(e: PreviewError) -> Self {
        let msg = e.to_string();
        match e {
            PreviewError::Disabled => ApiError::unrecognized(),
            PreviewError::BadUrl(_) => ApiError::invalid_param(msg),
            PreviewError::UrlBlocked => ApiError::new(StatusCode::FORBIDDEN, "M_UNKNOWN", msg),
            PreviewError::NotPreviewable(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", msg)
            }
            PreviewError::Fetch(f) => match f {
                FetchError::IpBlocked => {
                    ApiError::new(StatusCode::FORBIDDEN, "M_UNKNOWN", "IP address blocked")
                }
                FetchError::Dns => ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "M_UNKNOWN",
                    "DNS resolution failure during URL preview generation",
                ),
                FetchError::TooLarge(_) => {
                    ApiError::new(StatusCode::BAD_GATEWAY, "M_TOO_LARGE", f.to_string())
                }
                FetchError::BadUrl(_) => ApiError::invalid_param(f.to_string()),
                FetchError::TooManyRedirects | FetchError::Status(_) => {
                    ApiError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", f.to_string())
                }
                FetchError::Other(_) => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "M_UNKNOWN",
                    f.to_string(),
                ),
            },
            PreviewError::Media(m) => m.into(),
        }
    }
}
