//! GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}] and the legacy
//! /_matrix/media/v3/download/… — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediadownloadservernamemediaid
//! The file is streamed from disk with [`serving_headers`]: a typed response would hold it
//! whole in memory (ruma's has it as a `Vec<u8>`), so the answer stays an axum response.
//! The authenticated paths serve other servers' media too (fetched on first request); the
//! legacy unauthenticated paths serve only ours, as Synapse with enable_authenticated_media.

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ruma::api::client::authenticated_media::{get_content, get_content_as_filename};
#[allow(deprecated)]
use ruma::api::client::media::{
    get_content as legacy_get_content, get_content_as_filename as legacy_get_content_as_filename,
};

use super::{MediaGet, serving_headers};
use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma};
use crate::service::SharedServices;
use crate::service::media::MediaFile;

async fn download<R>(
    s: &SharedServices,
    req: MediaGet<R>,
    remote: bool,
) -> Result<Response, ApiError> {
    let media = if remote {
        s.media_file(&req.server_name, &req.media_id).await?
    } else {
        let (row, path) = s.media(&req.server_name, &req.media_id).await?;
        MediaFile {
            content_type: row.content_type,
            filename: row.filename,
            path,
        }
    };
    let file = tokio::fs::File::open(&media.path)
        .await
        .map_err(|_| ApiError::not_found("Not found"))?;
    let headers = serving_headers(
        media.content_type.as_deref(),
        req.file_name.as_deref().or(media.filename.as_deref()),
    );
    let stream = tokio_util::io::ReaderStream::new(file);
    Ok((headers, Body::from_stream(stream)).into_response())
}

pub async fn get_download_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<MediaGet<get_content::v1::Request>>,
) -> Result<Response, ApiError> {
    download(&s, req, true).await
}

pub async fn get_download_named_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<MediaGet<get_content_as_filename::v1::Request>>,
) -> Result<Response, ApiError> {
    download(&s, req, true).await
}

#[allow(deprecated)]
pub async fn get_legacy_download_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<MediaGet<legacy_get_content::v3::Request>>,
) -> Result<Response, ApiError> {
    download(&s, req, false).await
}

#[allow(deprecated)]
pub async fn get_legacy_download_named_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<MediaGet<legacy_get_content_as_filename::v3::Request>>,
) -> Result<Response, ApiError> {
    download(&s, req, false).await
}
