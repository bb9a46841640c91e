//! URL previews, as Synapse's url_previewer: the URL checked against url_preview_url_blacklist,
//! fetched through `safe_http` (url_preview_ip_range_blacklist/whitelist and ip_range_blacklist,
//! every redirect hop, max_spider_size, 20 s), OpenGraph read from HTML, the og:image fetched
//! the same way and stored as local media (mxc URI, og:image:width/height, matrix:image:size),
//! a direct image previewed as itself, and the result cached per URL for an hour. Never
//! imports axum.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::Services;
use super::media::MediaError;
use super::opengraph;
use super::safe_http::{FetchError, IpPolicy, SafeClient};
use crate::config::UrlBlacklistEntry;

/// How long a preview is served from the cache (Synapse: one hour).
const CACHE_MS: i64 = 3600 * 1000;
/// Cached previews kept at most.
const CACHE_MAX: usize = 10_000;
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
const USER_AGENT: &str = "matrixd (bot; +https://github.com/matrixctl/matrixctl)";

/// The preview client (built on first use from the config) and the per-URL cache.
#[derive(Default)]
pub struct Previews {
    client: OnceLock<SafeClient>,
    cache: Mutex<HashMap<String, (i64, Value)>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("URL previews are disabled")]
    Disabled,
    #[error("Invalid URL: {0}")]
    BadUrl(String),
    #[error("URL blocked by url pattern blocklist entry")]
    UrlBlocked,
    #[error("Requested file's content type not allowed for this operation: {0}")]
    NotPreviewable(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Media(#[from] MediaError),
}

/// Python's fnmatch: `*`, `?` and `[...]`, matched against the whole string.
fn glob_to_regex(pat: &str) -> String {
    let mut re = String::from("^(?s:");
    let mut chars = pat.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let mut class = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == ']' && !class.is_empty() {
                        closed = true;
                        break;
                    }
                    class.push(d);
                }
                if closed {
                    let class = class
                        .strip_prefix('!')
                        .map(|c| format!("^{c}"))
                        .unwrap_or(class);
                    re.push('[');
                    re.push_str(&class.replace('\\', "\\\\"));
                    re.push(']');
                } else {
                    re.push_str(&regex::escape(&format!("[{class}")));
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push_str(")$");
    re
}

/// The value of a Python urlsplit attribute; `None` where Python's would be None.
fn url_part(url: &url::Url, part: &str) -> Option<String> {
    Some(match part {
        "scheme" => url.scheme().to_string(),
        "netloc" => {
            let mut n = String::new();
            if !url.username().is_empty() {
                n.push_str(url.username());
                if let Some(p) = url.password() {
                    n.push(':');
                    n.push_str(p);
                }
                n.push('@');
            }
            n.push_str(url.host_str().unwrap_or(""));
            if let Some(p) = url.port() {
                n.push_str(&format!(":{p}"));
            }
            n
        }
        "path" => url.path().to_string(),
        "query" => url.query().unwrap_or("").to_string(),
        "fragment" => url.fragment().unwrap_or("").to_string(),
        "username" => return Some(url.username().to_string()).filter(|u| !u.is_empty()),
        "password" => return url.password().map(str::to_string),
        "hostname" => {
            return url.host_str().map(|h| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_ascii_lowercase()
            });
        }
        "port" => return url.port().map(|p| p.to_string()),
        _ => return None,
    })
}

/// Whether an entry of url_preview_url_blacklist matches: all of its parts must.
pub fn url_blocked(entries: &[UrlBlacklistEntry], url: &url::Url) -> bool {
    entries.iter().any(|entry| {
        entry.iter().all(|(part, pattern)| {
            let Some(value) = url_part(url, part) else {
                return false;
            };
            let re = if pattern.starts_with('^') {
                pattern.clone()
            } else {
                glob_to_regex(pattern)
            };
            // Python's re.match anchors at the start only.
            regex::Regex::new(&re).is_ok_and(|r| r.find(&value).is_some_and(|m| m.start() == 0))
        })
    })
}

fn is_media(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("image/") || ct.starts_with("video/") || ct.starts_with("audio/")
}

fn is_html(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/html") || ct.starts_with("application/xhtml+xml")
}

impl Services {
    fn preview_client(&self) -> Result<&SafeClient, PreviewError> {
        if let Some(c) = self.previews.client.get() {
            return Ok(c);
        }
        let p = &self.config.url_preview;
        let o = &self.config.outbound;
        let policy = IpPolicy {
            layers: vec![
                (p.ip_range_blacklist.clone(), p.ip_range_whitelist.clone()),
                (o.ip_range_blacklist.clone(), o.ip_range_whitelist.clone()),
            ],
            always_allow: p.ip_range_whitelist.clone(),
        };
        let client = SafeClient::new(policy, FETCH_TIMEOUT)?;
        Ok(self.previews.client.get_or_init(|| client))
    }

    async fn fetch_for_preview(
        &self,
        url: &url::Url,
    ) -> Result<super::safe_http::Fetched, PreviewError> {
        let cfg = &self.config.url_preview;
        let client = self.preview_client()?;
        let headers = [
            ("accept-language", cfg.accept_language.join(", ")),
            ("user-agent", USER_AGENT.to_string()),
        ];
        let blacklist = cfg.url_blacklist.clone();
        let check = move |u: &url::Url| {
            if url_blocked(&blacklist, u) {
                Err(FetchError::Other(
                    "URL blocked by url pattern blocklist entry".into(),
                ))
            } else {
                Ok(())
            }
        };
        let fetched = client
            .get(url, &headers, cfg.max_spider_size, &check)
            .await?;
        let ct = fetched
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into());
        if !is_media(&ct) && !is_html(&ct) {
            return Err(PreviewError::NotPreviewable(ct));
        }
        Ok(fetched)
    }

    /// Stores fetched bytes as local media; returns the OpenGraph image keys.
    async fn store_preview_media(
        &self,
        user_id: &str,
        body: &[u8],
        content_type: &str,
    ) -> Result<Map<String, Value>, PreviewError> {
        let tmp_dir = self.config.media_store_path.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(MediaError::from)?;
        let tmp = tmp_dir.join(super::media::new_media_id());
        tokio::fs::write(&tmp, body)
            .await
            .map_err(MediaError::from)?;
        let id = self
            .store_media(user_id, &tmp, body.len() as u64, Some(content_type), None)
            .await?;
        let mut og = Map::new();
        og.insert(
            "og:image".into(),
            json!(format!("mxc://{}/{id}", self.config.server_name)),
        );
        og.insert("og:image:type".into(), json!(content_type));
        og.insert("matrix:image:size".into(), json!(body.len()));
        if let Ok((w, h)) = image::ImageReader::new(std::io::Cursor::new(body))
            .with_guessed_format()
            .map_err(|_| ())
            .and_then(|r| r.into_dimensions().map_err(|_| ()))
        {
            og.insert("og:image:width".into(), json!(w));
            og.insert("og:image:height".into(), json!(h));
        }
        Ok(og)
    }

    /// The preview of `url` for `user_id`: cached for an hour, else fetched.
    pub async fn preview_url(&self, user_id: &str, url: &str) -> Result<Value, PreviewError> {
        if !self.config.url_preview.enabled {
            return Err(PreviewError::Disabled);
        }
        let now = crate::store::now_ms();
        if let Some((expires, v)) = self
            .previews
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            && *expires > now
        {
            return Ok(v.clone());
        }
        let parsed = url::Url::parse(url).map_err(|e| PreviewError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(PreviewError::BadUrl(format!(
                "unsupported scheme {}",
                parsed.scheme()
            )));
        }
        if url_blocked(&self.config.url_preview.url_blacklist, &parsed) {
            return Err(PreviewError::UrlBlocked);
        }
        let fetched = self.fetch_for_preview(&parsed).await?;
        let ct = fetched.content_type.clone().unwrap_or_default();
        let mut og = if is_media(&ct) {
            let mut og = self
                .store_preview_media(user_id, &fetched.body, &ct)
                .await?;
            if let Some(name) = fetched
                .url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .filter(|s| !s.is_empty())
            {
                og.insert("og:description".into(), json!(name));
            }
            og
        } else {
            let html = String::from_utf8_lossy(&fetched.body);
            let mut og = opengraph::parse(&html);
            if let Some(Value::String(img)) = og.remove("og:image")
                && !img.is_empty()
            {
                // Relative to the page; fetched through the same checks. A failure drops the image only.
                match fetched.url.join(&img) {
                    Ok(img_url) => match self.fetch_for_preview(&img_url).await {
                        Ok(f) if f.content_type.as_deref().is_some_and(is_media) => {
                            let ct = f.content_type.clone().unwrap_or_default();
                            match self.store_preview_media(user_id, &f.body, &ct).await {
                                Ok(m) => og.extend(m),
                                Err(e) => {
                                    tracing::warn!(url = %img_url, error = %e, "could not store a preview image")
                                }
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(url = %img_url, error = %e, "pre-caching a preview image failed")
                        }
                    },
                    Err(e) => tracing::warn!(img, error = %e, "bad og:image URL"),
                }
            }
            og
        };
        opengraph::prune(&mut og);
        let value = Value::Object(og);
        let mut cache = self
            .previews
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, (e, _)| *e > now);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(url.to_string(), (now + CACHE_MS, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_blacklist_matches_like_synapse() {
        let e = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        let list = vec![
            e(&[("username", "*")]),
            e(&[("netloc", "google.com")]),
            e(&[("netloc", "*.google.com")]),
            e(&[("scheme", "http"), ("netloc", "ex.org")]),
            e(&[("netloc", "^.*\\.evil\\.org$")]),
        ];
        let b = |u: &str| url_blocked(&list, &url::Url::parse(u).unwrap());
        assert!(b("https://google.com/x"));
        assert!(b("https://www.google.com/"));
        assert!(!b("https://google.co/"));
        assert!(b("http://ex.org/"));
        assert!(!b("https://ex.org/"));
        assert!(b("https://a.evil.org/"));
        assert!(b("https://me@example.com/"));
        assert!(!b("https://example.com/"));
    }
}
