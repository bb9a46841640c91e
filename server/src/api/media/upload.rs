//! POST /_matrix/media/v3/upload and PUT /_matrix/media/v3/upload/{serverName}/{mediaId}
//! — https://spec.matrix.org/v1.12/client-server-api/#post_matrixmediav3upload
//! The body is streamed to disk and refused with 413 M_TOO_LARGE as soon as it passes
//! max_upload_size, without buffering it all.

use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use ruma::OwnedMxcUri;
use ruma::api::client::media::create_content;

use crate::api::ApiError;
use crate::api::extract::{Auth, Params, RumaResponse};
use crate::service::SharedServices;

/// What an upload says about itself besides its bytes: the Content-Type header, the `filename`
/// query parameter and the declared length. Only this head is typed: ruma's `create_content` and
/// `create_content_async` requests hold the whole file as a `Vec<u8>`, so `Ruma<…>` would buffer
/// an upload of up to max_upload_size in memory (and refuse it past the JSON body limit), where
/// the body here stays a stream the service caps while it writes it to disk.
pub struct UploadHead {
    pub content_type: Option<String>,
    pub filename: Option<String>,
    pub declared_len: Option<u64>,
}

impl<S: Send + Sync> FromRequestParts<S> for UploadHead {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        // The last `filename` wins, as everywhere a query parameter repeats.
        let filename = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "filename")
                .last()
                .map(|(_, v)| v.into_owned())
        });
        Ok(UploadHead {
            content_type: header(header::CONTENT_TYPE),
            filename,
            declared_len: header(header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
        })
    }
}

/// PUT's answer, `{}`. Ours: ruma's `create_content_async::v3::Response` is non-exhaustive and
/// has no constructor, so it cannot be built outside ruma.
pub mod put_upload {
    use crate::api::types::impl_json_response;

    #[derive(serde::Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn post_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    head: UploadHead,
    body: Body,
) -> Result<RumaResponse<create_content::v3::Response>, ApiError> {
    let (tmp, size) = s
        .save_upload(body.into_data_stream(), head.declared_len)
        .await?;
    let id = s
        .store_media(
            &auth.user_id,
            &tmp,
            size,
            head.content_type.as_deref(),
            head.filename.as_deref(),
        )
        .await?;
    let content_uri = OwnedMxcUri::from(format!("mxc://{}/{id}", s.config.server_name));
    Ok(RumaResponse(create_content::v3::Response::new(content_uri)))
}

/// The path stays two strings: an id that is not ours (or not a server name at all) is 404, as
/// before, where ruma's `OwnedServerName` would make a malformed one 400.
pub async fn put_upload_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((server_name, media_id)): Params<(String, String)>,
    head: UploadHead,
    body: Body,
) -> Result<RumaResponse<put_upload::Response>, ApiError> {
    s.check_upload_target(&server_name, &media_id)?;
    let (tmp, size) = s
        .save_upload(body.into_data_stream(), head.declared_len)
        .await?;
    s.complete_media(
        &auth.user_id,
        &media_id,
        &tmp,
        size,
        head.content_type.as_deref(),
        head.filename.as_deref(),
    )
    .await?;
    Ok(RumaResponse(put_upload::Response {}))
}
