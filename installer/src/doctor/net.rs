//! The doctor's only network plumbing: DNS (hickory, pointable at another server with the
//! hidden `--dns`), HTTP(S) fetches (reqwest over rustls/ring), and the test hooks
//! `--connect-to HOST:PORT:ADDR:PORT` (curl's meaning) and `--ca-file` (trust only these
//! roots). Every error comes back as one line with its causes.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

/// Where probes go, for tests and unusual networks.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    /// A DNS server to ask instead of the system's (SRV and address lookups).
    pub dns: Option<SocketAddr>,
    /// Connections to HOST:PORT go to ADDR:PORT instead (TLS and Host still name HOST).
    pub connect_to: Vec<ConnectTo>,
    /// Trust only the certificates in this PEM file instead of the system's roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub to: SocketAddr,
}

impl FromStr for ConnectTo {
    type Err = String;
    /// `HOST:PORT:ADDR:PORT`, ADDR an IPv4 address or `[IPv6]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not HOST:PORT:ADDR:PORT");
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, to) = rest.split_once(':').ok_or_else(bad)?;
        Ok(ConnectTo {
            host: host.to_ascii_lowercase(),
            port: port.parse().map_err(|_| bad())?,
            to: to.parse().map_err(|_| bad())?,
        })
    }
}

/// An error and its causes on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
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

/// A resolver: the system's, or the `--dns` server's.
pub fn resolver(opts: &NetOptions) -> Result<TokioResolver, String> {
    let mut builder = match opts.dns {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for c in &mut ns.connections {
                c.port = addr.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio()
            .map_err(|e| crate::tr!("net-dns-config", error = chain(&e)))?,
    };
    builder.options_mut().timeout = Duration::from_secs(3);
    builder.options_mut().attempts = 1;
    builder
        .build()
        .map_err(|e| crate::tr!("net-resolver", error = chain(&e)))
}

/// A host's addresses (an IP literal is its own address).
pub async fn lookup_ips(opts: &NetOptions, host: &str) -> Result<Vec<IpAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if opts.dns.is_some() {
        let r = resolver(opts)?;
        let ips: Vec<IpAddr> = r
            .lookup_ip(format!("{host}."))
            .await
            .map_err(|e| crate::tr!("net-no-resolve", host = host, error = chain(&e)))?
            .iter()
            .collect();
        if ips.is_empty() {
            Err(crate::tr!("net-no-a", host = host))
        } else {
            Ok(ips)
        }
    } else {
        let ips: Vec<IpAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| crate::tr!("net-no-resolve", host = host, error = e))?
            .map(|a| a.ip())
            .collect();
        if ips.is_empty() {
            Err(crate::tr!("net-no-address", host = host))
        } else {
            Ok(ips)
        }
    }
}

/// How to fetch.
#[derive(Debug, Clone, Default)]
pub struct Fetch {
    /// Verify the certificate chain and host name (clients and other servers do).
    pub verify: bool,
    /// Follow redirects (off: a 3xx is returned as it is).
    pub follow: bool,
    /// An `Origin` header, as a web client sends.
    pub origin: Option<String>,
    /// Connect here instead of resolving the URL's host (SRV results).
    pub addr: Option<SocketAddr>,
    /// An `Authorization: Bearer` token.
    pub token: Option<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    /// Where the connection went.
    pub remote: Option<SocketAddr>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body).map_err(|e| crate::tr!("net-not-json", error = e))
    }
}

const MAX_BODY: usize = 256 * 1024;

/// GET `url`, applying `--connect-to`, `--dns` and `--ca-file`.
pub async fn get(opts: &NetOptions, url: &str, how: &Fetch) -> Result<Fetched, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut url =
        url::Url::parse(url).map_err(|e| crate::tr!("net-not-url", url = url, error = e))?;
    let host = url
        .host_str()
        .ok_or_else(|| crate::tr!("net-no-host", url = url))?
        .to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(443);
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(if how.follow {
            reqwest::redirect::Policy::limited(5)
        } else {
            reqwest::redirect::Policy::none()
        })
        .user_agent(concat!("matrixctl-doctor/", env!("CARGO_PKG_VERSION")))
        .tls_danger_accept_invalid_certs(!how.verify);
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if let Some(c) = opts
        .connect_to
        .iter()
        .find(|c| c.host == host && c.port == port)
    {
        let _ = url.set_port(Some(c.to.port()));
        builder = builder.resolve(&host, c.to);
    } else if let Some(a) = how.addr {
        builder = builder.resolve(&host, a);
    } else if opts.dns.is_some() && bare.parse::<IpAddr>().is_err() {
        let ips = lookup_ips(opts, &host).await?;
        builder = builder.resolve(&host, SocketAddr::new(ips[0], port));
    }
    if let Some(ca) = &opts.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            crate::tr!(
                "doc-cannot-read",
                path = format!("--ca-file {}", ca.display()),
                error = e
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("--ca-file {}: {}", ca.display(), chain(&e)))?;
        builder = builder.tls_certs_only(certs);
    }
    let client = builder
        .build()
        .map_err(|e| crate::tr!("exec-http-client", error = chain(&e)))?;
    let mut req = client.get(url.clone());
    if let Some(o) = &how.origin {
        req = req.header("Origin", o);
    }
    if let Some(t) = &how.token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| chain(&e))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let remote = resp.remote_addr();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| crate::tr!("net-body", error = chain(&e)))?;
    let body = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY)]).into_owned();
    Ok(Fetched {
        status,
        headers,
        body,
        remote,
    })
}
