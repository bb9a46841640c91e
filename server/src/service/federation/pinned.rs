//! A reqwest client pinned to addresses already checked against the IP policy: the URL's host
//! names the TLS server (SNI and the certificate's name) while the connection goes only to the
//! given addresses (a resolver that answers nothing else), with no proxy, no automatic
//! redirects and HTTP/1.1 (so the Host header we set is the one sent). Verification follows
//! the federation TLS config: the system's roots, or the custom CA list instead, or none.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Name, Resolve, Resolving};

use crate::config::FederationTlsConfig;

/// Refuses every name: only the client's pinned overrides resolve.
struct NoResolve;

#[derive(Debug, thiserror::Error)]
#[error("{0} is not a pinned name")]
struct NotPinned(String);

impl Resolve for NoResolve {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_string();
        Box::pin(async move {
            Err(Box::new(NotPinned(name)) as Box<dyn std::error::Error + Send + Sync>)
        })
    }
}

/// `host` as it goes in a URL: IPv6 literals in brackets.
pub(super) fn url_host(tls_name: &str) -> String {
    match tls_name.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => tls_name.to_string(),
    }
}

/// A client whose connections for `tls_name` go to `addrs` (each with its own port; the URL
/// must then carry no port unless `tls_name` is an IP literal, whose only address is itself).
pub(super) fn client(
    tls_name: &str,
    addrs: &[SocketAddr],
    tls: &FederationTlsConfig,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .dns_resolver(Arc::new(NoResolve))
        .resolve_to_addrs(tls_name, addrs)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(90));
    if !tls.verifies(tls_name) {
        b = b.tls_danger_accept_invalid_certs(true);
    } else if !tls.custom_ca_pem.is_empty() {
        let mut roots = Vec::new();
        for pem in &tls.custom_ca_pem {
            roots.extend(
                reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| format!("federation_custom_ca_list: {e}"))?,
            );
        }
        b = b.tls_certs_only(roots);
    }
    b.build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// Reads a body of at most `max` bytes (a larger Content-Length is refused before reading).
pub(super) async fn read_capped(
    mut resp: reqwest::Response,
    max: u64,
) -> Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|l| l > max) {
        return Err(ReadError::TooLarge(max));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Http)? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(ReadError::TooLarge(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug)]
pub(super) enum ReadError {
    TooLarge(u64),
    Http(reqwest::Error),
}

/// The error and its causes on one line (reqwest hides the useful part in the sources).
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}
