//! The media repository: ids, where bytes live under media_store_path (named after the id,
//! never after anything the user sent), streaming uploads with a size cap, and thumbnails
//! (scale or crop, generated once and cached), for our own media and for other servers' media
//! once `remote_media` has fetched it. Never imports axum.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use rand::RngExt as _;
use tokio::io::AsyncWriteExt as _;

use super::Services;
use crate::store::{StoreError, media as db};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("Upload request body is too large (the limit is {0} bytes)")]
    TooLarge(u64),
    #[error("Media not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("Media ID already has content")]
    CannotOverwrite,
    #[error("You may not upload to this media ID")]
    Forbidden,
    /// Another server's file is over max_upload_size (checked while it streams in).
    #[error("Requested file is too large > {0} bytes")]
    RemoteTooLarge(u64),
    /// Another server's file could not be fetched (unreachable, or a broken answer).
    #[error("Failed to fetch remote media")]
    RemoteUnavailable,
    /// federation_domain_whitelist does not list the media's server.
    #[error("Federation denied with {0}.")]
    FederationDenied(String),
    #[error("media storage failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Synapse's default thumbnail sizes: (width, height, crop?).
pub const THUMBNAIL_SIZES: &[(u32, u32, bool)] = &[
    (32, 32, true),
    (96, 96, true),
    (320, 240, false),
    (640, 480, false),
    (800, 600, false),
];

/// Images larger than this many pixels are not thumbnailed (Synapse's max_image_pixels).
pub const MAX_IMAGE_PIXELS: u64 = 32_000_000;

/// Types that are safe to show inline in a browser; anything else is served as an attachment.
pub const INLINE_CONTENT_TYPES: &[&str] = &[
    "text/css",
    "text/plain",
    "text/csv",
    "application/json",
    "application/ld+json",
    "image/jpeg",
    "image/gif",
    "image/png",
    "image/apng",
    "image/webp",
    "image/avif",
    "video/mp4",
    "video/webm",
    "video/ogg",
    "video/quicktime",
    "audio/mp4",
    "audio/webm",
    "audio/aac",
    "audio/mpeg",
    "audio/ogg",
    "audio/wave",
    "audio/wav",
    "audio/x-wav",
    "audio/x-pn-wav",
    "audio/flac",
    "audio/x-flac",
];

pub fn new_media_id() -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| A[rng.random_range(0..A.len())] as char)
        .collect()
}

/// Media ids we accept in URLs: letters, digits, `_` and `-` only, so a path can never escape.
pub fn valid_media_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `base/ab/cd/efgh…` for the id `abcdefgh…` (Synapse's layout).
fn sharded(base: PathBuf, id: &str) -> PathBuf {
    if id.len() > 4 {
        base.join(&id[..2]).join(&id[2..4]).join(&id[4..])
    } else {
        base.join(id)
    }
}

/// `local_content/ab/cd/efgh…`, Synapse's layout.
pub fn content_path(store: &Path, id: &str) -> PathBuf {
    sharded(store.join("local_content"), id)
}

/// `remote_content/{origin}/ab/cd/efgh…`: another server's file in our cache.
pub fn remote_content_path(store: &Path, origin: &str, id: &str) -> PathBuf {
    sharded(store.join("remote_content").join(origin), id)
}

/// The cache file of one thumbnail size of the media whose thumbnails live in `dir`.
fn thumbnail_file(dir: PathBuf, w: u32, h: u32, crop: bool, ext: &str) -> PathBuf {
    dir.join(format!(
        "{w}-{h}-{}.{ext}",
        if crop { "crop" } else { "scale" }
    ))
}

/// A stored file and what to serve it as.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub content_type: Option<String>,
    pub filename: Option<String>,
    pub path: PathBuf,
}

/// The configured size to serve for a request (the smallest at least as big, else the largest).
pub fn choose_size(w: u32, h: u32, crop: bool) -> (u32, u32, bool) {
    let candidates: Vec<(u32, u32, bool)> = THUMBNAIL_SIZES
        .iter()
        .copied()
        .filter(|s| s.2 == crop)
        .collect();
    candidates
        .iter()
        .copied()
        .find(|(cw, ch, _)| *cw >= w && *ch >= h)
        .unwrap_or(*candidates.last().expect("sizes"))
}

impl Services {
    /// Streams a body to a temporary file, refusing it as soon as it passes the limit.
    pub async fn save_upload<S, E>(
        &self,
        mut body: S,
        declared_len: Option<u64>,
    ) -> Result<(PathBuf, u64), MediaError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let limit = self.config.max_upload_size;
        if declared_len.is_some_and(|l| l > limit) {
            return Err(MediaError::TooLarge(limit));
        }
        let tmp_dir = self.config.media_store_path.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp = tmp_dir.join(new_media_id());
        let mut file = tokio::fs::File::create(&tmp).await?;
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(MediaError::BadRequest(format!("upload interrupted: {e}")));
                }
            };
            size += chunk.len() as u64;
            if size > limit {
                drop(file);
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(MediaError::TooLarge(limit));
            }
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok((tmp, size))
    }

    /// Moves an uploaded temporary file to its place under the id.
    async fn place(&self, tmp: &Path, id: &str) -> Result<(), MediaError> {
        let dest = content_path(&self.config.media_store_path, id);
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(tmp, &dest).await?;
        Ok(())
    }

    /// Stores a new upload and returns its id.
    pub async fn store_media(
        &self,
        user_id: &str,
        tmp: &Path,
        size: u64,
        content_type: Option<&str>,
        filename: Option<&str>,
    ) -> Result<String, MediaError> {
        let id = new_media_id();
        self.place(tmp, &id).await?;
        db::insert(
            &self.db,
            &id,
            user_id,
            content_type,
            filename,
            Some(size as i64),
            true,
            None,
        )
        .await?;
        Ok(id)
    }

    /// Whether `mxc://{server_name}/{id}` may be uploaded into (PUT): a well-formed id of this
    /// server, else not found. Checked before the body is read.
    pub fn check_upload_target(&self, server_name: &str, id: &str) -> Result<(), MediaError> {
        if server_name != self.config.server_name || !valid_media_id(id) {
            return Err(MediaError::NotFound);
        }
        Ok(())
    }

    /// Fills an id reserved with /v1/create.
    pub async fn complete_media(
        &self,
        user_id: &str,
        id: &str,
        tmp: &Path,
        size: u64,
        content_type: Option<&str>,
        filename: Option<&str>,
    ) -> Result<(), MediaError> {
        let row = db::get(&self.db, id).await?;
        let result = match row {
            None => Err(MediaError::NotFound),
            Some(r) if r.user_id != user_id => Err(MediaError::Forbidden),
            Some(r) if r.uploaded => Err(MediaError::CannotOverwrite),
            Some(r) if r.expires_ts.is_some_and(|e| e < crate::store::now_ms()) => {
                Err(MediaError::NotFound)
            }
            Some(_) => Ok(()),
        };
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(tmp).await;
            return Err(e);
        }
        self.place(tmp, id).await?;
        if !db::complete(&self.db, id, content_type, filename, size as i64).await? {
            return Err(MediaError::CannotOverwrite);
        }
        Ok(())
    }

    /// Metadata and path of a local media item that has content.
    pub async fn media(
        &self,
        server_name: &str,
        id: &str,
    ) -> Result<(db::MediaRow, PathBuf), MediaError> {
        if server_name != self.config.server_name || !valid_media_id(id) {
            return Err(MediaError::NotFound);
        }
        let row = db::get(&self.db, id)
            .await?
            .filter(|r| r.uploaded)
            .ok_or(MediaError::NotFound)?;
        Ok((row, content_path(&self.config.media_store_path, id)))
    }

    /// A thumbnail of our media `id` (generated on first request, then read from the cache):
    /// (bytes, content type).
    pub async fn thumbnail(
        &self,
        server_name: &str,
        id: &str,
        w: u32,
        h: u32,
        crop: bool,
    ) -> Result<(Vec<u8>, &'static str), MediaError> {
        let (row, src) = self.media(server_name, id).await?;
        let dir = sharded(self.config.media_store_path.join("local_thumbnails"), id);
        render_thumbnail(src, row.content_type.as_deref(), dir, w, h, crop).await
    }

    /// A file for a local client: ours, or another server's (fetched on first request and kept,
    /// `remote_media`).
    pub async fn media_file(&self, server_name: &str, id: &str) -> Result<MediaFile, MediaError> {
        if server_name == self.config.server_name {
            let (row, path) = self.media(server_name, id).await?;
            return Ok(MediaFile {
                content_type: row.content_type,
                filename: row.filename,
                path,
            });
        }
        self.remote_media(server_name, id).await
    }

    /// A thumbnail for a local client: of our media, or of another server's, made here from
    /// its original (fetched on first request, as for a download).
    pub async fn thumbnail_for_client(
        &self,
        server_name: &str,
        id: &str,
        w: u32,
        h: u32,
        crop: bool,
    ) -> Result<(Vec<u8>, &'static str), MediaError> {
        if server_name == self.config.server_name {
            return self.thumbnail(server_name, id, w, h, crop).await;
        }
        let file = self.remote_media(server_name, id).await?;
        let dir = sharded(
            self.config
                .media_store_path
                .join("remote_thumbnail")
                .join(server_name),
            id,
        );
        render_thumbnail(file.path, file.content_type.as_deref(), dir, w, h, crop).await
    }

    /// Reserves an id for an upload to come (/v1/create), valid for 24 hours.
    pub async fn reserve_media(&self, user_id: &str) -> Result<(String, i64), MediaError> {
        if db::pending_count(&self.db, user_id).await? >= 100 {
            return Err(MediaError::BadRequest(
                "Too many pending media uploads".into(),
            ));
        }
        let id = new_media_id();
        let expires = crate::store::now_ms() + 24 * 3600 * 1000;
        db::insert(
            &self.db,
            &id,
            user_id,
            None,
            None,
            None,
            false,
            Some(expires),
        )
        .await?;
        Ok((id, expires))
    }
}

/// The thumbnail of the image in `src` at the configured size for (w, h, crop), cached in
/// `dir` (made once, then read back): (bytes, content type). JPEG stays JPEG, anything else
/// becomes PNG.
async fn render_thumbnail(
    src: PathBuf,
    content_type: Option<&str>,
    dir: PathBuf,
    w: u32,
    h: u32,
    crop: bool,
) -> Result<(Vec<u8>, &'static str), MediaError> {
    let (tw, th, tcrop) = choose_size(w, h, crop);
    let jpeg = content_type == Some("image/jpeg");
    let (ext, mime) = if jpeg {
        ("jpg", "image/jpeg")
    } else {
        ("png", "image/png")
    };
    let path = thumbnail_file(dir, tw, th, tcrop, ext);
    if let Ok(bytes) = tokio::fs::read(&path).await {
        return Ok((bytes, mime));
    }
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, MediaError> {
        let reader = image::ImageReader::open(&src)?.with_guessed_format()?;
        let (sw, sh) = image::ImageReader::open(&src)?
            .with_guessed_format()?
            .into_dimensions()
            .map_err(|e| MediaError::BadRequest(format!("not an image: {e}")))?;
        if u64::from(sw) * u64::from(sh) > MAX_IMAGE_PIXELS {
            return Err(MediaError::BadRequest(
                "Image too large to thumbnail".into(),
            ));
        }
        let img = reader
            .decode()
            .map_err(|e| MediaError::BadRequest(format!("not an image: {e}")))?;
        let thumb = if tcrop {
            img.resize_to_fill(tw, th, image::imageops::FilterType::Triangle)
        } else if sw <= tw && sh <= th {
            img
        } else {
            img.thumbnail(tw, th)
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let format = if jpeg {
            image::ImageFormat::Jpeg
        } else {
            image::ImageFormat::Png
        };
        let thumb = if jpeg {
            image::DynamicImage::ImageRgb8(thumb.to_rgb8())
        } else {
            thumb
        };
        thumb
            .write_to(&mut out, format)
            .map_err(|e| MediaError::BadRequest(format!("cannot encode thumbnail: {e}")))?;
        Ok(out.into_inner())
    })
    .await
    .map_err(|e| MediaError::BadRequest(e.to_string()))??;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("{ext}.tmp{}", std::process::id()));
    tokio::fs::write(&tmp, &bytes).await?;
    tokio::fs::rename(&tmp, &path).await?;
    Ok((bytes, mime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_paths_are_safe() {
        let id = new_media_id();
        assert!(valid_media_id(&id));
        for bad in ["", "../etc", "a/b", "a b", "..", "x%2F"] {
            assert!(!valid_media_id(bad), "{bad}");
        }
        let p = content_path(Path::new("/m"), "abcdefgh");
        assert_eq!(p, Path::new("/m/local_content/ab/cd/efgh"));
        let p = remote_content_path(Path::new("/m"), "127.0.0.1:8448", "abcdefgh");
        assert_eq!(p, Path::new("/m/remote_content/127.0.0.1:8448/ab/cd/efgh"));
        assert_eq!(choose_size(50, 50, true), (96, 96, true));
        assert_eq!(choose_size(5000, 5000, false), (800, 600, false));
    }
}
