//! GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}] and the legacy
//! /_matrix/media/v3/download/… — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1mediadownloadservernamemediaid

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::serving_headers;
use crate::api::ApiError;
use crate::api::extract::{Auth, Params};
use crate::service::SharedServices;

async fn download(
    s: &SharedServices,
    server_name: &str,
    media_id: &str,
    filename: Option<&str>,
) -> Result<Response, ApiError> {
    let (row, path) = s.media(server_name, media_id).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found("Not found"))?;
    let headers = serving_headers(
        row.content_type.as_deref(),
        filename.or(row.filename.as_deref()),
    );
    let stream = tokio_util::io::ReaderStream::new(file);
    Ok((headers, Body::from_stream(stream)).into_response())
}

pub async fn get_download_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Params((server_name, media_id)): Params<(String, String)>,
) -> Result<Response, ApiError> {
    download(&s, &server_name, &media_id, None).await
}

pub async fn get_download_named_route(
    State(s): State<SharedServices>,
    _auth: Auth,
    Params((server_name, media_id, filename)): Params<(String, String, String)>,
) -> Result<Response, ApiError> {
    download(&s, &server_name, &media_id, Some(&filename)).await
}

pub async fn get_legacy_download_route(
    State(s): State<SharedServices>,
    Params((server_name, media_id)): Params<(String, String)>,
) -> Result<Response, ApiError> {
    download(&s, &server_name, &media_id, None).await
}

pub async fn get_legacy_download_named_route(
    State(s): State<SharedServices>,
    Params((server_name, media_id, filename)): Params<(String, String, String)>,
) -> Result<Response, ApiError> {
    download(&s, &server_name, &media_id, Some(&filename)).await
}
