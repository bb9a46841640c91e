//! GET /_matrix/federation/v1/media/download/{mediaId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1mediadownloadmediaid
//! GET /_matrix/federation/v1/media/thumbnail/{mediaId} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixfederationv1mediathumbnailmediaid
//! Our own media, to other servers (X-Matrix authenticated): a multipart/mixed answer of a JSON
//! part `{}` and the file part with its Content-Type and Content-Disposition. The request is
//! ruma's; the answer is written here: ruma's response holds the whole file in memory and ends
//! its body without the closing `--boundary--` that stricter parsers (Synapse's) look for, so a
//! download streams from disk between a head and a tail written by [`Multipart`].

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt as _;
use rand::RngExt as _;
use ruma::api::federation::authenticated_media::{get_content, get_content_thumbnail};

use crate::api::ApiError;
use crate::api::extract::Federation;
use crate::api::media::serving_headers;
use crate::service::SharedServices;

/// The framing of a two-part multipart/mixed body around one file.
pub struct Multipart {
    boundary: String,
}

impl Multipart {
    pub fn new() -> Self {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut rng = rand::rng();
        Multipart {
            boundary: (0..32)
                .map(|_| A[rng.random_range(0..A.len())] as char)
                .collect(),
        }
    }

    /// The answer's Content-Type.
    pub fn content_type(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("multipart/mixed; boundary={}", self.boundary))
            .expect("the boundary is alphanumeric")
    }

    /// Everything before the file's bytes: the JSON part `{}`, then the file part's headers
    /// (its Content-Type and Content-Disposition, as `part` has them).
    pub fn head(&self, part: &HeaderMap) -> Vec<u8> {
        let b = &self.boundary;
        let mut out = format!("--{b}\r\nContent-Type: application/json\r\n\r\n{{}}\r\n--{b}\r\n");
        for name in [header::CONTENT_TYPE, header::CONTENT_DISPOSITION] {
            if let Some(v) = part.get(&name).and_then(|v| v.to_str().ok()) {
                out.push_str(&format!("{name}: {v}\r\n"));
            }
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    /// Everything after the file's bytes: the closing delimiter.
    pub fn tail(&self) -> Vec<u8> {
        format!("\r\n--{}--\r\n", self.boundary).into_bytes()
    }
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

/// The answer's headers: the multipart type, and the whole length when it is known.
fn answer_headers(m: &Multipart, length: Option<u64>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, m.content_type());
    if let Some(l) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(l));
    }
    h
}

pub async fn get_federation_media_download_route(
    State(s): State<SharedServices>,
    Federation { request, .. }: Federation<get_content::v1::Request>,
) -> Result<Response, ApiError> {
    let (row, path) = s.media(&s.config.server_name, &request.media_id).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found("Not found"))?;
    let size = file.metadata().await.ok().map(|m| m.len());
    let m = Multipart::new();
    let (head, tail) = (
        m.head(&serving_headers(
            row.content_type.as_deref(),
            row.filename.as_deref(),
        )),
        m.tail(),
    );
    let length = size.map(|l| l + (head.len() + tail.len()) as u64);
    let body = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(tokio_util::io::ReaderStream::new(file))
        .chain(futures_util::stream::once(async move {
            Ok::<_, std::io::Error>(Bytes::from(tail))
        }));
    Ok((answer_headers(&m, length), Body::from_stream(body)).into_response())
}

pub async fn get_federation_media_thumbnail_route(
    State(s): State<SharedServices>,
    Federation { request, .. }: Federation<get_content_thumbnail::v1::Request>,
) -> Result<Response, ApiError> {
    let dim = |v: ruma::UInt| u32::try_from(v).unwrap_or(u32::MAX);
    let (w, h) = (dim(request.width), dim(request.height));
    if w == 0 || h == 0 {
        return Err(ApiError::invalid_param("width and height must be positive"));
    }
    let crop = matches!(request.method, Some(ruma::media::Method::Crop));
    let (bytes, mime) = s
        .thumbnail(&s.config.server_name, &request.media_id, w, h, crop)
        .await?;
    let m = Multipart::new();
    let mut body = m.head(&serving_headers(Some(mime), None));
    body.extend_from_slice(&bytes);
    body.extend_from_slice(&m.tail());
    let length = body.len() as u64;
    Ok((answer_headers(&m, Some(length)), body).into_response())
}

#[cfg(test)]
mod tests {
    use ruma::api::IncomingResponseExt as _;
    use ruma::api::federation::authenticated_media::{FileOrLocation, get_content};

    use super::*;

    /// What we write, ruma's client parser reads back: the file byte for byte, its type and
    /// its name.
    #[test]
    fn ruma_reads_our_multipart_answer() {
        let file: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let m = Multipart::new();
        let mut body = m.head(&serving_headers(Some("image/png"), Some("cat pic.png")));
        body.extend_from_slice(&file);
        body.extend_from_slice(&m.tail());
        let mut resp = http::Response::new(body.as_slice());
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, m.content_type());
        let parsed = get_content::v1::Response::try_from_http_response(resp).unwrap();
        let FileOrLocation::File(content) = parsed.content else {
            panic!("a file, not a location")
        };
        assert_eq!(content.file, file);
        assert_eq!(content.content_type.as_deref(), Some("image/png"));
        assert_eq!(
            content
                .content_disposition
                .and_then(|d| d.filename)
                .as_deref(),
            Some("cat pic.png")
        );
        assert!(body.ends_with(format!("--{}--\r\n", m.boundary).as_bytes()));
    }
}
