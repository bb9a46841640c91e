//! The media repository's HTTP side: uploads, downloads, thumbnails and the config, on the
//! authenticated /_matrix/client/v1/media/* paths and the legacy /_matrix/media/v3/* paths.

pub mod config;
pub mod create;
pub mod download;
pub mod preview_url;
pub mod thumbnail;
pub mod upload;

use axum::http::{HeaderMap, HeaderValue, header};

use crate::service::media::INLINE_CONTENT_TYPES;

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
