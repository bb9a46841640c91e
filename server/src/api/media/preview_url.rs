//! GET /_matrix/client/v1/media/preview_url (and the legacy /_matrix/media/v3/preview_url) — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediapreview_url
//! Authenticated. Disabled previews answer 404 M_UNRECOGNIZED, as Synapse; a blocked address
//! 403 (IP literal) or 502 (name resolving only to blocked addresses), like Synapse's wording.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::IncomingRequest;
use ruma::api::error::DeserializationError;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::{FromHttp, OnPathsOf, query};
use crate::service::SharedServices;
use crate::service::safe_http::FetchError;
use crate::service::url_preview::PreviewError;

/// A preview request as sent, on the method and every path of ruma's request type `R`
/// (`get_media_preview`, authenticated or legacy).
pub type PreviewRequest<R> = OnPathsOf<R, PreviewArgs>;

/// Ours rather than ruma's request: disabled previews are 404 M_UNRECOGNIZED whatever the query,
/// and a missing `url` or a bad `ts` are answered with Synapse's texts, where ruma's request
/// would refuse them first, in its own words.
pub struct PreviewArgs {
    pub url: Option<String>,
    pub ts: Option<String>,
}

impl FromHttp for PreviewArgs {
    fn from_http(req: &http::Request<&[u8]>, _: &[&str]) -> Result<Self, DeserializationError> {
        let mut q = query(req);
        Ok(PreviewArgs {
            url: q.remove("url"),
            ts: q.remove("ts"),
        })
    }
}

/// The OpenGraph data, as the service built it (the same body for both endpoints).
pub type Response = ruma::api::client::authenticated_media::get_media_preview::v1::Response;

pub async fn get_preview_url_route<R>(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<PreviewRequest<R>>,
) -> Result<RumaResponse<Response>, ApiError>
where
    R: IncomingRequest,
{
    if !s.config.url_preview.enabled {
        return Err(ApiError::unrecognized());
    }
    let req = req.into_inner();
    let Some(url) = req.url else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing string query parameter 'url'",
        ));
    };
    if let Some(ts) = req.ts
        && ts.parse::<i64>().is_err()
    {
        return Err(ApiError::invalid_param(
            "Query parameter 'ts' must be an integer",
        ));
    }
    let data = s.preview_url(&auth.user_id, &url).await?;
    Response::from_serialize(&data)
        .map(RumaResponse)
        .map_err(|e| {
            tracing::error!(error = %e, "could not serialize a URL preview");
            ApiError::internal()
        })
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
