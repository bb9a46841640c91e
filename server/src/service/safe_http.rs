//! Outbound HTTP that cannot be pointed at private addresses (SSRF): an IP policy (blacklist
//! with whitelist exceptions, checked on the canonical address and on IPv4 embedded in
//! IPv4-mapped, IPv4-compatible and 6to4 IPv6), a DNS resolver that drops blocked addresses
//! (so the address connected to is the one checked: no DNS rebinding), a refusal of blocked IP
//! literals in URLs (reqwest skips the resolver for them), redirects followed by hand with every
//! hop re-checked, no proxy, and capped size and time. Never imports axum.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which addresses outbound requests may reach.
#[derive(Debug, Clone, Default)]
pub struct IpPolicy {
    /// Each layer is (blacklist, whitelist): an address is blocked by a layer when it is in its
    /// blacklist and not in its whitelist (nor in `always_allow`).
    pub layers: Vec<(Vec<IpNet>, Vec<IpNet>)>,
    /// Allowed whatever the layers say (url_preview_ip_range_whitelist for previews).
    pub always_allow: Vec<IpNet>,
}

/// The IPv4 address an IPv6 one carries (mapped, compatible or 6to4), if any.
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    if s[..6].iter().all(|x| *x == 0) && !(s[6] == 0 && s[7] <= 1) {
        return Some(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

impl IpPolicy {
    pub fn allows(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        let mut forms = vec![canonical];
        if let Some(v4) = embedded_v4(canonical) {
            forms.push(IpAddr::V4(v4));
        }
        if forms
            .iter()
            .any(|f| self.always_allow.iter().any(|n| n.contains(f)))
        {
            return true;
        }
        !self.layers.iter().any(|(black, white)| {
            forms.iter().any(|f| {
                black.iter().any(|n| n.contains(f)) && !white.iter().any(|n| n.contains(f))
            })
        })
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL names a blocked IP address literally.
    #[error("IP address blocked")]
    IpBlocked,
    /// Every address the name resolves to is blocked (or it does not resolve).
    #[error("DNS resolution failure")]
    Dns,
    #[error("invalid URL: {0}")]
    BadUrl(String),
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("Requested file is too large > {0} bytes")]
    TooLarge(u64),
    #[error("Got error {0}")]
    Status(u16),
    #[error("Failed to download content: {0}")]
    Other(String),
}

#[derive(Debug, thiserror::Error)]
#[error("no allowed address for {0}")]
struct NoAllowedAddress(String);

/// Resolves with the system resolver and keeps only allowed addresses.
struct FilteringResolver {
    policy: Arc<IpPolicy>,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.len() < found.len() {
                tracing::info!(
                    host,
                    blocked = found.len() - allowed.len(),
                    "dropped blocked addresses from DNS answer"
                );
            }
            if allowed.is_empty() {
                return Err(
                    Box::new(NoAllowedAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// A fetched resource.
#[derive(Debug)]
pub struct Fetched {
    /// The final URL, after redirects.
    pub url: url::Url,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// A client bound to one IP policy.
pub struct SafeClient {
    client: reqwest::Client,
    policy: Arc<IpPolicy>,
    pub max_redirects: usize,
}

impl SafeClient {
    pub fn new(policy: IpPolicy, timeout: Duration) -> Result<Self, FetchError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(FilteringResolver {
                policy: policy.clone(),
            }))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(SafeClient {
            client,
            policy,
            max_redirects: 10,
        })
    }

    /// Checks a URL before any connection: http(s) only, and a literal address (in any of
    /// the numeric forms the URL parser normalises: decimal, octal, hex IPv4, IPv6) allowed.
    pub fn check_url(&self, url: &url::Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadUrl(format!(
                "unsupported scheme {}",
                url.scheme()
            )));
        }
        match url.host() {
            None => Err(FetchError::BadUrl("no host".into())),
            Some(url::Host::Ipv4(v4)) if !self.policy.allows(IpAddr::V4(v4)) => {
                Err(FetchError::IpBlocked)
            }
            Some(url::Host::Ipv6(v6)) if !self.policy.allows(IpAddr::V6(v6)) => {
                Err(FetchError::IpBlocked)
            }
            Some(url::Host::Domain(d)) => {
                // Anything that still looks numeric is refused rather than guessed at.
                let d = d.trim_end_matches('.');
                if d.parse::<IpAddr>().is_ok()
                    || d.split('.').all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_hexdigit() || c == 'x' || c == 'X')
                    }) && d.chars().next().is_some_and(|c| c.is_ascii_digit())
                {
                    return Err(FetchError::IpBlocked);
                }
                Ok(())
            }
            Some(_) => Ok(()),
        }
    }

    /// GETs `url`, following at most `max_redirects` redirects (each hop re-checked by
    /// `check_url` and by `extra_check`), reading at most `max_size` bytes.
    pub async fn get(
        &self,
        url: &url::Url,
        headers: &[(&str, String)],
        max_size: u64,
        extra_check: &(dyn Fn(&url::Url) -> Result<(), FetchError> + Send + Sync),
    ) -> Result<Fetched, FetchError> {
        let (current, mut resp) = self.open(url, headers, max_size, extra_check).await?;
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
            if (body.len() + chunk.len()) as u64 > max_size {
                return Err(FetchError::TooLarge(max_size));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: current,
            content_type,
            body,
        })
    }

    /// GETs `url` as `get` does, up to the final answer's head: that URL and the answer, a
    /// 2xx whose declared length (if any) is at most `max_size`, its body left for the caller
    /// to read in pieces (`read_error` words a failure there as `get` would).
    pub async fn open(
        &self,
        url: &url::Url,
        headers: &[(&str, String)],
        max_size: u64,
        extra_check: &(dyn Fn(&url::Url) -> Result<(), FetchError> + Send + Sync),
    ) -> Result<(url::Url, reqwest::Response), FetchError> {
        let mut current = url.clone();
        for _ in 0..=self.max_redirects {
            self.check_url(&current)?;
            extra_check(&current)?;
            let mut req = self.client.get(current.clone());
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            let resp = req.send().await.map_err(|e| classify(&e))?;
            let status = resp.status();
            if status.is_redirection() {
                let Some(loc) = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                else {
                    return Err(FetchError::Status(status.as_u16()));
                };
                current = current
                    .join(loc)
                    .map_err(|e| FetchError::BadUrl(e.to_string()))?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            if resp.content_length().is_some_and(|l| l > max_size) {
                return Err(FetchError::TooLarge(max_size));
            }
            return Ok((current, resp));
        }
        Err(FetchError::TooManyRedirects)
    }

    /// POSTs `body` as JSON to `url` (checked by `check_url`; redirects are not followed) and
    /// reads the answer's JSON object, at most `max_size` bytes; a non-2xx answer is
    /// `Status`, an answer that is not JSON an empty object.
    pub async fn post_json(
        &self,
        url: &url::Url,
        body: &serde_json::Value,
        max_size: u64,
    ) -> Result<serde_json::Value, FetchError> {
        self.check_url(url)?;
        let mut resp = self
            .client
            .post(url.clone())
            .json(body)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let mut got = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
            if (got.len() + chunk.len()) as u64 > max_size {
                return Err(FetchError::TooLarge(max_size));
            }
            got.extend_from_slice(&chunk);
        }
        Ok(serde_json::from_slice(&got).unwrap_or_else(|_| serde_json::json!({})))
    }

    /// A failure while reading the body of an answer `open` gave.
    pub fn read_error(e: &reqwest::Error) -> FetchError {
        classify(e)
    }
}

fn classify(e: &reqwest::Error) -> FetchError {
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if s.is::<NoAllowedAddress>() || s.to_string().contains("failed to lookup address") {
            return FetchError::Dns;
        }
        src = s.source();
    }
    FetchError::Other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> IpPolicy {
        let black = crate::config::DEFAULT_IP_RANGE_BLACKLIST
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        IpPolicy {
            layers: vec![(black, vec![])],
            always_allow: vec!["127.0.0.2/32".parse().unwrap()],
        }
    }

    #[test]
    fn blocks_private_and_embedded_forms() {
        let p = policy();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "2002:7f00:1::",
            "fe80::1",
            "169.254.169.254",
        ] {
            assert!(!p.allows(ip.parse().unwrap()), "{ip} must be blocked");
        }
        for ip in [
            "127.0.0.2",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:127.0.0.2",
        ] {
            assert!(p.allows(ip.parse().unwrap()), "{ip} must be allowed");
        }
    }

    #[test]
    fn numeric_hosts_are_checked_as_addresses() {
        let c = SafeClient::new(policy(), Duration::from_secs(1)).unwrap();
        for u in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://127.1/",
        ] {
            let url = url::Url::parse(u).unwrap();
            assert!(
                matches!(c.check_url(&url), Err(FetchError::IpBlocked)),
                "{u} -> {:?}",
                url.host()
            );
        }
        assert!(
            c.check_url(&url::Url::parse("http://127.0.0.2:8080/").unwrap())
                .is_ok()
        );
        assert!(
            c.check_url(&url::Url::parse("file:///etc/passwd").unwrap())
                .is_err()
        );
    }
}
