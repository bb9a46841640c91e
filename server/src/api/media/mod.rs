//! The media repository's HTTP side: uploads, downloads, thumbnails and the config, on the
//! authenticated /_matrix/client/v1/media/* paths and the legacy /_matrix/media/v3/* paths.

pub mod config;
pub mod create;
pub mod download;
pub mod preview_url;
pub mod thumbnail;
pub mod upload;

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, header};
use ruma::api::error::{DeserializationError, IntoHttpError};
use ruma::api::{BytesBody, OutgoingResponse};

use crate::api::types::{FromHttp, OnPathsOf, path_arg, query};
use crate::service::media::INLINE_CONTENT_TYPES;

/// A download or thumbnail request as sent, on the method and every path of ruma's request type
/// `R` (`endpoint::<MediaGet<R>, _, _>`).
pub type MediaGet<R> = OnPathsOf<R, MediaArgs>;

/// A download's or thumbnail's arguments. Ours rather than ruma's request, so that nothing
/// answers differently than before: the server name stays a string (a name that is not a server
/// name at all is 404 "Not found", as media another server does not have, where ruma's
/// `OwnedServerName` makes it 400), and the query stays strings that the handler parses with
/// Synapse's texts (ruma's query types word a missing or bad `width` differently, and refuse
/// the `timeout_ms`, `allow_remote` and `animated` values we ignore: the authenticated paths
/// fetch other servers' media whatever `allow_remote` says, the legacy ones never do).
/// Downloads are streamed and thumbnails answer [`MediaBytes`], both with [`serving_headers`]
/// (ruma's response holds the whole file, and none of those headers).
pub struct MediaArgs {
    pub server_name: String,
    pub media_id: String,
    /// The `{fileName}` path argument, on the paths that have one.
    pub file_name: Option<String>,
    /// The query string as key → value (the last one wins, as `QueryMap`).
    pub query: HashMap<String, String>,
}

impl FromHttp for MediaArgs {
    fn from_http(req: &http::Request<&[u8]>, args: &[&str]) -> Result<Self, DeserializationError> {
        Ok(MediaArgs {
            server_name: path_arg(args, 0),
            media_id: path_arg(args, 1),
            file_name: args.get(2).map(|f| (*f).to_owned()),
            query: query(req),
        })
    }
}

/// Bytes held in memory (a thumbnail), served with [`serving_headers`]: ruma's thumbnail
/// responses have fields for the content type and disposition only, not the sandboxing headers.
pub struct MediaBytes {
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl OutgoingResponse for MediaBytes {
    type Body = BytesBody;

    fn try_into_http_response_inner(self) -> Result<http::Response<BytesBody>, IntoHttpError> {
        let mut res = http::Response::new(BytesBody(self.bytes));
        *res.headers_mut() = self.headers;
        Ok(res)
    }
}

/// Headers for serving user-uploaded bytes: a Content-Type, inline only for safe types
/// (never HTML or SVG), the filename, and a sandboxing Content-Security-Policy.
pub fn serving_headers(content_type: Option<&str>, filename: Option<&str>) -> HeaderMap {
    let ct = content_type.unwrap_or("application/octet-stream");
    let base = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let inline = INLINE_CONTENT_TYPES.contains(&base.as_str());
    let mut h = HeaderMap::new();
    let served_type = if ct.parse::<HeaderValue>().is_ok() && !base.is_empty() {
        ct
    } else {
        "application/octet-stream"
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(served_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = if inline { "inline" } else { "attachment" };
    let value = match filename.filter(|f| !f.is_empty()) {
        Some(f)
            if f.chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ') =>
        {
            format!("{disposition}; filename=\"{f}\"")
        }
        Some(f) => format!(
            "{disposition}; filename*=utf-8''{}",
            url::form_urlencoded::byte_serialize(f.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        ),
        None => disposition.to_string(),
    };
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    h
}
