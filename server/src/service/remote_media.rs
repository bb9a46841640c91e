//! Other servers' media for our users: looked up in our cache (`remote_media`, the bytes under
//! media_store_path/remote_content/), else fetched once from the origin through the federation
//! client (discovery, X-Matrix, checked addresses) on `/_matrix/federation/v1/media/download`
//! (multipart/mixed, parsed with ruma; a `Location` part is followed through the SSRF-checked
//! client), falling back to the legacy `/_matrix/media/v3/download` of older servers. Concurrent
//! requests for one file share one download. Files over max_upload_size are abandoned while
//! they stream in. The file is written to media_store_path/tmp and renamed into place before
//! it is recorded, so a cached row always has its whole file. Never imports axum.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ruma::ServerName;
use ruma::api::IncomingResponseExt as _;
use ruma::api::federation::authenticated_media::{FileOrLocation, get_content};
use ruma::http_headers::ContentDisposition;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use super::Services;
use super::federation::FederationError;
use super::media::{MediaError, MediaFile, new_media_id, remote_content_path, valid_media_id};
use super::safe_http::{FetchError, SafeClient};
use crate::store::remote_media as db;

/// Room for the multipart framing and the JSON part around a file of max_upload_size.
const MULTIPART_SLACK: u64 = 64 * 1024;

/// Why a fetch failed, shared by every request that waited on it.
#[derive(Debug, Clone)]
enum Failure {
    NotFound,
    TooLarge(u64),
    Unavailable,
    Denied(String),
    Internal(String),
}

impl From<Failure> for MediaError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotFound => MediaError::NotFound,
            Failure::TooLarge(l) => MediaError::RemoteTooLarge(l),
            Failure::Unavailable => MediaError::RemoteUnavailable,
            Failure::Denied(s) => MediaError::FederationDenied(s),
            Failure::Internal(m) => MediaError::Io(std::io::Error::other(m)),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Internal(e.to_string())
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Internal(e.to_string())
    }
}

type Flight = Arc<tokio::sync::OnceCell<Result<(), Failure>>>;

/// The fetches under way (one per file; later requests wait on it), and the client that
/// follows `Location` answers.
#[derive(Default)]
pub struct RemoteMediaFetches {
    inflight: Mutex<HashMap<(String, String), Flight>>,
    redirects: OnceLock<Result<SafeClient, String>>,
    /// How many downloads were started (not served from the cache), for tests.
    pub started: std::sync::atomic::AtomicU64,
}

/// What the origin said of a file that is now in a temporary file.
struct Fetched {
    content_type: Option<String>,
    upload_name: Option<String>,
    size: u64,
    sha256: String,
}

/// A temporary file removed when dropped, unless it was moved into place.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("not yet kept")
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A name a path can be made of: a server name (no `/`), and never `.` or `..`.
fn origin_dir_safe(origin: &str) -> bool {
    origin.chars().any(|c| c.is_ascii_alphanumeric()) && !origin.contains(['/', '\\'])
}

/// Whether an error answer means the server does not know the endpoint (an older server).
fn unknown_endpoint(status: u16, body: &serde_json::Value) -> bool {
    let errcode = body.get("errcode").and_then(|v| v.as_str());
    matches!(status, 400 | 404 | 405) && errcode == Some("M_UNRECOGNIZED")
        || matches!(status, 404 | 405) && errcode.is_none()
}

/// The file name a Content-Disposition value carries, if any.
fn filename_of(disposition: Option<&[u8]>) -> Option<String> {
    disposition
        .and_then(|v| ContentDisposition::try_from(v).ok())
        .and_then(|d| d.filename)
}

/// The cause of a failed fetch, for the log and the client's answer.
fn from_federation(origin: &ServerName, e: FederationError) -> Failure {
    match e {
        FederationError::Denied { destination } => Failure::Denied(destination.to_string()),
        FederationError::TooLarge { limit, .. } => Failure::TooLarge(limit),
        FederationError::Status { status: 404, .. } => Failure::NotFound,
        other => {
            tracing::warn!(%origin, error = %other, "could not fetch remote media");
            Failure::Unavailable
        }
    }
}

impl Services {
    /// `mxc://{origin}/{media_id}` of another server: from the cache, else fetched now.
    pub async fn remote_media(
        &self,
        origin: &str,
        media_id: &str,
    ) -> Result<MediaFile, MediaError> {
        let origin = ServerName::parse(origin).map_err(|_| MediaError::NotFound)?;
        if !valid_media_id(media_id) || !origin_dir_safe(origin.as_str()) {
            return Err(MediaError::NotFound);
        }
        if let Some(file) = self.cached_remote_media(&origin, media_id).await? {
            return Ok(file);
        }
        self.fetch_remote_media_once(&origin, media_id).await?;
        self.cached_remote_media(&origin, media_id)
            .await?
            .ok_or(MediaError::NotFound)
    }

    /// The cached file, when both its row and its bytes are there.
    async fn cached_remote_media(
        &self,
        origin: &ServerName,
        media_id: &str,
    ) -> Result<Option<MediaFile>, MediaError> {
        let Some(row) = db::get(&self.db, origin.as_str(), media_id).await? else {
            return Ok(None);
        };
        let path = remote_content_path(&self.config.media_store_path, origin.as_str(), media_id);
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(None);
        }
        Ok(Some(MediaFile {
            content_type: row.content_type,
            filename: row.upload_name,
            path,
        }))
    }

    /// Fetches a file unless a fetch of it is under way, in which case this waits for that
    /// one and shares its outcome.
    async fn fetch_remote_media_once(
        &self,
        origin: &ServerName,
        media_id: &str,
    ) -> Result<(), MediaError> {
        let key = (origin.to_string(), media_id.to_string());
        let flight: Flight = self
            .remote_media_fetches
            .inflight
            .lock()
            .expect("lock")
            .entry(key.clone())
            .or_default()
            .clone();
        let outcome = flight
            .get_or_init(|| async {
                // A fetch that ended between our look at the cache and now left it there.
                match self.cached_remote_media(origin, media_id).await {
                    Ok(Some(_)) => return Ok(()),
                    Ok(None) => {}
                    Err(e) => return Err(Failure::Internal(e.to_string())),
                }
                self.fetch_remote_media(origin, media_id).await
            })
            .await
            .clone();
        let mut inflight = self.remote_media_fetches.inflight.lock().expect("lock");
        if inflight.get(&key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            inflight.remove(&key);
        }
        outcome.map_err(MediaError::from)
    }

    /// Downloads a file from its origin into the cache.
    async fn fetch_remote_media(&self, origin: &ServerName, media_id: &str) -> Result<(), Failure> {
        self.remote_media_fetches
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let limit = self.config.max_upload_size;
        let tmp_dir = self.config.media_store_path.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp = TempFile(Some(tmp_dir.join(new_media_id())));
        let fetched = match self
            .fetch_over_federation(origin, media_id, limit, tmp.path())
            .await
        {
            Ok(inner) => inner?,
            Err(FederationError::Status { status, body, .. })
                if unknown_endpoint(status, &body) =>
            {
                tracing::debug!(%origin, "no federation media endpoint: the legacy download");
                match self.fetch_legacy(origin, media_id, limit, tmp.path()).await {
                    Ok(f) => f,
                    Err(Ok(e)) => return Err(from_federation(origin, e)),
                    Err(Err(f)) => return Err(f),
                }
            }
            Err(e) => return Err(from_federation(origin, e)),
        };
        let dest = remote_content_path(&self.config.media_store_path, origin.as_str(), media_id);
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(tmp.path(), &dest).await?;
        tmp.keep();
        db::put(
            &self.db,
            origin.as_str(),
            media_id,
            fetched.content_type.as_deref(),
            fetched.upload_name.as_deref(),
            i64::try_from(fetched.size).unwrap_or(i64::MAX),
            &fetched.sha256,
        )
        .await?;
        Ok(())
    }

    /// `GET /_matrix/federation/v1/media/download/{mediaId}` on the origin: its file part
    /// written to `tmp`, or the file its `Location` part names. The outer error is the
    /// federation answer (for the fallback to decide on); the inner one a failure after it.
    async fn fetch_over_federation(
        &self,
        origin: &ServerName,
        media_id: &str,
        limit: u64,
        tmp: &Path,
    ) -> Result<Result<Fetched, Failure>, FederationError> {
        let path = format!("/_matrix/federation/v1/media/download/{media_id}");
        let resp = self
            .federation
            .get_streaming(&self.signing_key, origin, &path)
            .await?;
        let headers = resp.headers().clone();
        let body = match read_capped(resp, limit + MULTIPART_SLACK).await {
            Ok(b) => b,
            Err(Ok(_)) => return Ok(Err(Failure::TooLarge(limit))),
            Err(Err(e)) => return Err(self.federation.body_error(origin, &e)),
        };
        let response = match parse_federation_media(headers, &body) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(%origin, media_id, error = %e, "a federation media answer could not be read");
                return Ok(Err(Failure::Unavailable));
            }
        };
        Ok(match response.content {
            FileOrLocation::File(content) => {
                if content.file.len() as u64 > limit {
                    return Ok(Err(Failure::TooLarge(limit)));
                }
                match write_file(tmp, &content.file).await {
                    Ok(sha256) => Ok(Fetched {
                        content_type: content.content_type,
                        upload_name: content.content_disposition.and_then(|d| d.filename),
                        size: content.file.len() as u64,
                        sha256,
                    }),
                    Err(e) => Err(e.into()),
                }
            }
            FileOrLocation::Location(url) => self.fetch_location(origin, &url, limit, tmp).await,
            _ => Err(Failure::Unavailable),
        })
    }

    /// The file a federation answer's `Location` part points at, through the SSRF-checked
    /// client (every hop's address checked against ip_range_blacklist).
    async fn fetch_location(
        &self,
        origin: &ServerName,
        location: &str,
        limit: u64,
        tmp: &Path,
    ) -> Result<Fetched, Failure> {
        let client = self
            .remote_media_fetches
            .redirects
            .get_or_init(|| {
                SafeClient::new(
                    super::federation::ip_policy(&self.config),
                    Duration::from_secs(60),
                )
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Failure::Internal(e.clone()))?;
        let url = url::Url::parse(location).map_err(|e| {
            tracing::warn!(%origin, location, error = %e, "a media Location is not a URL");
            Failure::Unavailable
        })?;
        let (_, resp) = client
            .open(&url, &[], limit, &|_| Ok(()))
            .await
            .map_err(|e| match e {
                FetchError::TooLarge(l) => Failure::TooLarge(l),
                FetchError::Status(404) => Failure::NotFound,
                other => {
                    tracing::warn!(%origin, location, error = %other, "could not fetch a media Location");
                    Failure::Unavailable
                }
            })?;
        let content_type = header(&resp, http::header::CONTENT_TYPE);
        let upload_name = filename_of(
            resp.headers()
                .get(http::header::CONTENT_DISPOSITION)
                .map(|v| v.as_bytes()),
        );
        let (size, sha256) = stream_to_file(resp, limit, tmp).await.map_err(|e| match e {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(%origin, location, error = %SafeClient::read_error(&e), "a media Location's body failed");
                Failure::Unavailable
            }
        })?;
        Ok(Fetched {
            content_type,
            upload_name,
            size,
            sha256,
        })
    }

    /// `GET /_matrix/media/v3/download/{origin}/{mediaId}?allow_remote=false`, for servers
    /// that do not serve the federation media endpoint.
    async fn fetch_legacy(
        &self,
        origin: &ServerName,
        media_id: &str,
        limit: u64,
        tmp: &Path,
    ) -> Result<Fetched, Result<FederationError, Failure>> {
        let path = format!("/_matrix/media/v3/download/{origin}/{media_id}?allow_remote=false");
        let resp = self
            .federation
            .get_streaming(&self.signing_key, origin, &path)
            .await
            .map_err(Ok)?;
        let content_type = header(&resp, http::header::CONTENT_TYPE);
        let upload_name = filename_of(
            resp.headers()
                .get(http::header::CONTENT_DISPOSITION)
                .map(|v| v.as_bytes()),
        );
        let (size, sha256) = match stream_to_file(resp, limit, tmp).await {
            Ok(v) => v,
            Err(Ok(f)) => return Err(Err(f)),
            Err(Err(e)) => return Err(Ok(self.federation.body_error(origin, &e))),
        };
        Ok(Fetched {
            content_type,
            upload_name,
            size,
            sha256,
        })
    }
}

/// ruma's reading of a federation media answer (multipart/mixed); a body its parser panics on
/// (it indexes into the body) is an error like any other.
fn parse_federation_media(
    headers: http::HeaderMap,
    body: &[u8],
) -> Result<get_content::v1::Response, String> {
    let mut http = http::Response::new(body);
    *http.headers_mut() = headers;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        get_content::v1::Response::try_from_http_response(http)
    }))
    .map_err(|_| "ruma's multipart parser gave up".to_string())?
    .map_err(|e| e.to_string())
}

fn header(resp: &reqwest::Response, name: http::HeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The body, up to `max` bytes: `Err(Ok(()))` past it (a declared length past it is refused
/// before reading), `Err(Err(e))` when the transfer fails.
async fn read_capped(
    mut resp: reqwest::Response,
    max: u64,
) -> Result<Vec<u8>, Result<(), reqwest::Error>> {
    if resp.content_length().is_some_and(|l| l > max) {
        return Err(Ok(()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Err)? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(Ok(()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Writes `bytes` to `path` and syncs it; their SHA-256, in hex.
async fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Streams a body into `path`, giving up past `limit` bytes: (size, SHA-256 in hex).
async fn stream_to_file(
    mut resp: reqwest::Response,
    limit: u64,
    path: &Path,
) -> Result<(u64, String), Result<Failure, reqwest::Error>> {
    if resp.content_length().is_some_and(|l| l > limit) {
        return Err(Ok(Failure::TooLarge(limit)));
    }
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Ok(e.into()))?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(Err)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(Ok(Failure::TooLarge(limit)));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| Ok(e.into()))?;
    }
    file.sync_all().await.map_err(|e| Ok(e.into()))?;
    Ok((size, hex::encode(hash.finalize())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn old_servers_are_told_apart_from_missing_media() {
        assert!(unknown_endpoint(404, &json!({"errcode": "M_UNRECOGNIZED"})));
        assert!(unknown_endpoint(400, &json!({"errcode": "M_UNRECOGNIZED"})));
        assert!(unknown_endpoint(405, &serde_json::Value::Null));
        assert!(unknown_endpoint(404, &serde_json::Value::Null));
        assert!(!unknown_endpoint(404, &json!({"errcode": "M_NOT_FOUND"})));
        assert!(!unknown_endpoint(
            500,
            &json!({"errcode": "M_UNRECOGNIZED"})
        ));
        assert!(!unknown_endpoint(502, &serde_json::Value::Null));
    }

    #[test]
    fn broken_multipart_answers_are_errors_not_panics() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("multipart/mixed; boundary=b"),
        );
        // Boundaries with nothing between them: ruma's parser panics on this one.
        for body in [
            &b"--b\r\n--b\r\n--b"[..],
            b"",
            b"--b",
            b"\r\n--b\r\n\r\n--b--",
        ] {
            assert!(parse_federation_media(headers.clone(), body).is_err());
        }
        let ok = b"--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n";
        let r = parse_federation_media(headers, ok).unwrap();
        let FileOrLocation::File(c) = r.content else {
            panic!("a file")
        };
        assert_eq!(c.file, b"hi");
    }

    #[test]
    fn origins_that_could_leave_the_store_are_refused() {
        assert!(origin_dir_safe("127.0.0.1:8448"));
        assert!(origin_dir_safe("[::1]:8448"));
        assert!(!origin_dir_safe(".."));
        assert!(!origin_dir_safe("."));
        assert!(!origin_dir_safe("a/b"));
    }
}
