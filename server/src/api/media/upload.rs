//! POST /_matrix/media/v3/upload and PUT /_matrix/media/v3/upload/{serverName}/{mediaId}
//! — https://spec.matrix.org/v1.12/client-server-api/#post_matrixmediav3upload
//! The body is streamed to disk and refused with 413 M_TOO_LARGE as soon as it passes
//! max_upload_size, without buffering it all.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Params, QueryMap};
use crate::service::SharedServices;

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn declared_len(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

pub async fn post_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    QueryMap(q): QueryMap,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let (tmp, size) = s
        .save_upload(body.into_data_stream(), declared_len(&headers))
        .await?;
    let id = s
        .store_media(
            &auth.user_id,
            &tmp,
            size,
            content_type(&headers).as_deref(),
            q.get("filename").map(String::as_str),
        )
        .await?;
    Ok(Json(
        json!({ "content_uri": format!("mxc://{}/{id}", s.config.server_name) }),
    ))
}

pub async fn put_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((server_name, media_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    if server_name != s.config.server_name || !crate::service::media::valid_media_id(&media_id) {
        return Err(ApiError::not_found("Not found"));
    }
    let (tmp, size) = s
        .save_upload(body.into_data_stream(), declared_len(&headers))
        .await?;
    s.complete_media(
        &auth.user_id,
        &media_id,
        &tmp,
        size,
        content_type(&headers).as_deref(),
        q.get("filename").map(String::as_str),
    )
    .await?;
    Ok(Json(json!({})))
}
