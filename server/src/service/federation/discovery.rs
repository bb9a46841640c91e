//! Server discovery, exactly as the spec's "Resolving server names"
//! (https://spec.matrix.org/v1.16/server-server-api/#resolving-server-names): for a server
//! name, the addresses to connect to, the Host header and the TLS server name (SNI and the
//! name the certificate must carry), which differ per step:
//!
//! | step                         | addresses                    | Host           | TLS name  |
//! |------------------------------|------------------------------|----------------|-----------|
//! | 1. IP literal [:port]        | the IP, port or 8448         | the name       | the IP    |
//! | 2. host:port                 | A/AAAA of host, port         | host:port      | host      |
//! | 3. well-known → m.server D   | D by 3.1–3.5:                |                |           |
//! | 3.1 D an IP literal [:port]  | the IP, port or 8448         | D              | the IP    |
//! | 3.2 D = dhost:port           | A/AAAA of dhost, port        | D              | dhost     |
//! | 3.3 SRV _matrix-fed._tcp.D   | A/AAAA of targets, SRV ports | D              | D         |
//! | 3.4 SRV _matrix._tcp.D       | (deprecated, same)           | D              | D         |
//! | 3.5 D                        | A/AAAA of D, 8448            | D              | D         |
//! | 4./5. SRV of the name        | as 3.3 / 3.4                 | the name       | the name  |
//! | 6. the name                  | A/AAAA of the name, 8448     | the name       | the name  |
//!
//! The well-known is fetched over HTTPS with redirects followed by hand (each hop resolved
//! and checked again), at most 50 KiB, cached 24 h or per `Cache-Control: max-age` (clamped
//! to 5 min … 48 h, as Synapse), and an invalid or failed answer is cached 1 h. Every A/AAAA
//! answer passes the IP policy: blocked addresses are dropped, and a name left with none is a
//! clear error. The final resolution of a name that went through the well-known is cached as
//! long as that answer. Never connects to a federation endpoint (that is `client`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngExt as _;
use ruma::{OwnedServerName, ServerName};

use super::dns::{Dns, DnsError, SrvRecord};
use super::pinned;
use crate::config::FederationTlsConfig;
use crate::service::safe_http::IpPolicy;

/// The port used when neither the name, the delegation nor SRV gives one.
pub const DEFAULT_PORT: u16 = 8448;
/// The largest well-known answer read.
pub const WELL_KNOWN_MAX_SIZE: u64 = 50 * 1024;
/// How long a valid well-known answer without caching headers is kept.
pub const WELL_KNOWN_DEFAULT_CACHE: Duration = Duration::from_secs(24 * 3600);
/// How long an invalid or failed well-known answer is kept.
pub const WELL_KNOWN_INVALID_CACHE: Duration = Duration::from_secs(3600);
/// Bounds on a `Cache-Control` period (Synapse's WELL_KNOWN_MAX/MIN_CACHE_PERIOD).
pub const WELL_KNOWN_MAX_CACHE: Duration = Duration::from_secs(48 * 3600);
pub const WELL_KNOWN_MIN_CACHE: Duration = Duration::from_secs(5 * 60);
const MAX_REDIRECTS: usize = 10;

/// Which rule of the spec produced a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    IpLiteral,
    ExplicitPort,
    DelegatedIpLiteral,
    DelegatedExplicitPort,
    DelegatedSrv,
    DelegatedLegacySrv,
    DelegatedDefaultPort,
    Srv,
    LegacySrv,
    DefaultPort,
}

/// Where and how to connect to a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The addresses to try, in order (already allowed by the IP policy).
    pub addresses: Vec<SocketAddr>,
    /// The Host header value.
    pub host_header: String,
    /// The TLS server name: SNI and the name the certificate must be valid for (an IP
    /// address, without brackets, for IP literals).
    pub tls_name: String,
    pub step: Step,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DiscoveryError {
    #[error(transparent)]
    Dns(#[from] DnsError),
    #[error("{host} has no A or AAAA record")]
    NoAddress { host: String },
    #[error(
        "every address of {host} is blocked by ip_range_blacklist: {}",
        addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Blocked {
        host: String,
        addresses: Vec<IpAddr>,
    },
    #[error("{name}: the SRV record says the service is not available")]
    SrvUnavailable { name: String },
}

/// What `/.well-known/matrix/server` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WellKnown {
    /// A valid `m.server`.
    Delegated(OwnedServerName),
    /// No usable answer, and why.
    Invalid(String),
}

type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Resolves server names, with the well-known and resolution caches.
pub struct Discovery {
    dns: Arc<dyn Dns>,
    policy: Arc<IpPolicy>,
    tls: FederationTlsConfig,
    /// The port the well-known is fetched from (443; tests on loopback use another).
    pub well_known_port: u16,
    pub timeout: Duration,
    clock: Clock,
    well_known: Mutex<HashMap<String, (WellKnown, Instant)>>,
    resolved: Mutex<HashMap<String, (Arc<Resolution>, Instant)>>,
}

impl Discovery {
    pub fn new(dns: Arc<dyn Dns>, policy: Arc<IpPolicy>, tls: FederationTlsConfig) -> Self {
        Discovery {
            dns,
            policy,
            tls,
            well_known_port: 443,
            timeout: Duration::from_secs(30),
            clock: Arc::new(Instant::now),
            well_known: Mutex::default(),
            resolved: Mutex::default(),
        }
    }

    /// Replaces the clock the caches expire by (tests move it forward).
    pub fn with_clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn policy(&self) -> &IpPolicy {
        &self.policy
    }

    pub fn tls(&self) -> &FederationTlsConfig {
        &self.tls
    }

    /// Where and how to reach `server_name`.
    pub async fn resolve(
        &self,
        server_name: &ServerName,
    ) -> Result<Arc<Resolution>, DiscoveryError> {
        let host = server_name.host();
        // 1. An IP literal, with or without a port.
        if server_name.is_ip_literal() {
            return Ok(Arc::new(self.ip_literal(server_name, Step::IpLiteral)?));
        }
        // 2. A hostname with an explicit port.
        if let Some(port) = server_name.port() {
            let ips = self.addresses(host).await?;
            return Ok(Arc::new(Resolution {
                addresses: with_port(&ips, port),
                host_header: server_name.to_string(),
                tls_name: host.to_string(),
                step: Step::ExplicitPort,
            }));
        }
        let now = (self.clock)();
        if let Some((r, until)) = self.resolved.lock().expect("lock").get(host)
            && *until > now
        {
            return Ok(r.clone());
        }
        // 3. The well-known, then 4.–6.
        let (well_known, until) = self.well_known(host).await;
        let resolution = match well_known {
            WellKnown::Delegated(d) => self.delegated(&d).await?,
            WellKnown::Invalid(_) => self.srv_or_default(host, false).await?,
        };
        let resolution = Arc::new(resolution);
        self.resolved
            .lock()
            .expect("lock")
            .insert(host.to_string(), (resolution.clone(), until));
        Ok(resolution)
    }

    /// Drops the cached resolution of `server_name` (the well-known answer stays cached).
    pub fn forget(&self, server_name: &ServerName) {
        self.resolved
            .lock()
            .expect("lock")
            .remove(server_name.host());
    }

    /// The cached well-known answer for `host` and when it expires, if any.
    pub fn cached_well_known(&self, host: &str) -> Option<(WellKnown, Instant)> {
        self.well_known.lock().expect("lock").get(host).cloned()
    }

    /// 3.1–3.5: the delegated name `d` from the well-known.
    async fn delegated(&self, d: &ServerName) -> Result<Resolution, DiscoveryError> {
        if d.is_ip_literal() {
            return self.ip_literal(d, Step::DelegatedIpLiteral);
        }
        if let Some(port) = d.port() {
            let ips = self.addresses(d.host()).await?;
            return Ok(Resolution {
                addresses: with_port(&ips, port),
                host_header: d.to_string(),
                tls_name: d.host().to_string(),
                step: Step::DelegatedExplicitPort,
            });
        }
        self.srv_or_default(d.host(), true).await
    }

    fn ip_literal(&self, name: &ServerName, step: Step) -> Result<Resolution, DiscoveryError> {
        let host = name.host();
        let ip: IpAddr = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .expect("ruma validated the IP literal");
        if !self.policy.allows(ip) {
            return Err(DiscoveryError::Blocked {
                host: host.to_string(),
                addresses: vec![ip],
            });
        }
        Ok(Resolution {
            addresses: vec![SocketAddr::new(ip, name.port().unwrap_or(DEFAULT_PORT))],
            host_header: name.to_string(),
            tls_name: ip.to_string(),
            step,
        })
    }

    /// SRV `_matrix-fed._tcp`, then `_matrix._tcp`, then A/AAAA on 8448. Host and TLS name
    /// are `hostname` throughout (never an SRV target).
    async fn srv_or_default(
        &self,
        hostname: &str,
        delegated: bool,
    ) -> Result<Resolution, DiscoveryError> {
        let steps = if delegated {
            [
                ("_matrix-fed._tcp", Step::DelegatedSrv),
                ("_matrix._tcp", Step::DelegatedLegacySrv),
            ]
        } else {
            [
                ("_matrix-fed._tcp", Step::Srv),
                ("_matrix._tcp", Step::LegacySrv),
            ]
        };
        for (prefix, step) in steps {
            let name = format!("{prefix}.{hostname}");
            let records = self.dns.srv(&name).await?;
            if records.is_empty() {
                continue;
            }
            if records.iter().all(|r| r.target == ".") {
                return Err(DiscoveryError::SrvUnavailable { name });
            }
            let mut addresses = Vec::new();
            let mut first_error = None;
            for r in order_srv(records).into_iter().filter(|r| r.target != ".") {
                match self.addresses(&r.target).await {
                    Ok(ips) => addresses.extend(with_port(&ips, r.port)),
                    Err(e) => {
                        tracing::debug!(srv = name, target = r.target, error = %e, "SRV target unusable");
                        first_error.get_or_insert(e);
                    }
                }
            }
            if addresses.is_empty() {
                return Err(first_error.expect("at least one target was tried"));
            }
            return Ok(Resolution {
                addresses,
                host_header: hostname.to_string(),
                tls_name: hostname.to_string(),
                step,
            });
        }
        let ips = self.addresses(hostname).await?;
        Ok(Resolution {
            addresses: with_port(&ips, DEFAULT_PORT),
            host_header: hostname.to_string(),
            tls_name: hostname.to_string(),
            step: if delegated {
                Step::DelegatedDefaultPort
            } else {
                Step::DefaultPort
            },
        })
    }

    /// A/AAAA of `host`, blocked addresses dropped.
    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, DiscoveryError> {
        let found = self.dns.ips(host).await?;
        allowed(&self.policy, host, found)
    }

    /// The well-known answer for `host`, from the cache or fetched, and when it expires.
    pub async fn well_known(&self, host: &str) -> (WellKnown, Instant) {
        let now = (self.clock)();
        if let Some((w, until)) = self.well_known.lock().expect("lock").get(host)
            && *until > now
        {
            return (w.clone(), *until);
        }
        let (answer, period) = match self.fetch_well_known(host).await {
            Ok((name, period)) => (WellKnown::Delegated(name), period),
            Err(why) => {
                tracing::info!(host, why, "no usable .well-known/matrix/server");
                (WellKnown::Invalid(why), WELL_KNOWN_INVALID_CACHE)
            }
        };
        let until = (self.clock)() + period;
        self.well_known
            .lock()
            .expect("lock")
            .insert(host.to_string(), (answer.clone(), until));
        (answer, until)
    }

    /// GET https://host/.well-known/matrix/server, redirects followed by hand.
    async fn fetch_well_known(&self, host: &str) -> Result<(OwnedServerName, Duration), String> {
        let mut url = url::Url::parse(&format!("https://{host}/.well-known/matrix/server"))
            .map_err(|e| e.to_string())?;
        for hop in 0..=MAX_REDIRECTS {
            if !matches!(url.scheme(), "https" | "http") {
                return Err(format!("redirected to a {} URL", url.scheme()));
            }
            let port = match (hop, url.port()) {
                (0, _) => self.well_known_port,
                (_, Some(p)) => p,
                _ => url.port_or_known_default().unwrap_or(443),
            };
            let (tls_name, ips) = match url.host() {
                Some(url::Host::Domain(d)) => (
                    d.to_string(),
                    self.addresses(d).await.map_err(|e| e.to_string())?,
                ),
                Some(url::Host::Ipv4(v4)) => (v4.to_string(), self.literal(IpAddr::V4(v4))?),
                Some(url::Host::Ipv6(v6)) => (v6.to_string(), self.literal(IpAddr::V6(v6))?),
                None => return Err("a redirect without a host".into()),
            };
            let client =
                pinned::client(&tls_name, &with_port(&ips, port), &self.tls, self.timeout)?;
            let resp = client
                .get(url.clone())
                .send()
                .await
                .map_err(|e| format!("{url}: {}", pinned::chain(&e)))?;
            let status = resp.status();
            if status.is_redirection() {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| format!("{url} answered {status} without a Location"))?;
                url = url
                    .join(location)
                    .map_err(|e| format!("bad redirect: {e}"))?;
                continue;
            }
            if status != reqwest::StatusCode::OK {
                return Err(format!("{url} answered {status}"));
            }
            let period = cache_period(resp.headers());
            let body = pinned::read_capped(resp, WELL_KNOWN_MAX_SIZE)
                .await
                .map_err(|e| match e {
                    pinned::ReadError::TooLarge(n) => {
                        format!("{url}: the answer is over {n} bytes")
                    }
                    pinned::ReadError::Http(e) => format!("{url}: {}", pinned::chain(&e)),
                })?;
            let json: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| format!("{url}: not JSON: {e}"))?;
            let server = json
                .as_object()
                .ok_or_else(|| format!("{url}: not a JSON object"))?
                .get("m.server")
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("{url}: no m.server string"))?;
            let name = ServerName::parse(server)
                .map_err(|e| format!("{url}: m.server {server:?} is not a server name: {e}"))?;
            return Ok((name, period));
        }
        Err("too many redirects".into())
    }

    /// An IP literal in a redirect: allowed or refused.
    fn literal(&self, ip: IpAddr) -> Result<Vec<IpAddr>, String> {
        allowed(&self.policy, &ip.to_string(), vec![ip]).map_err(|e| e.to_string())
    }
}

/// Keeps the allowed addresses of `host`; none found or none allowed is an error.
fn allowed(
    policy: &IpPolicy,
    host: &str,
    found: Vec<IpAddr>,
) -> Result<Vec<IpAddr>, DiscoveryError> {
    if found.is_empty() {
        return Err(DiscoveryError::NoAddress {
            host: host.to_string(),
        });
    }
    let ok: Vec<IpAddr> = found
        .iter()
        .copied()
        .filter(|ip| policy.allows(*ip))
        .collect();
    if ok.is_empty() {
        return Err(DiscoveryError::Blocked {
            host: host.to_string(),
            addresses: found,
        });
    }
    if ok.len() < found.len() {
        tracing::info!(
            host,
            blocked = found.len() - ok.len(),
            "dropped blocked addresses"
        );
    }
    Ok(ok)
}

fn with_port(ips: &[IpAddr], port: u16) -> Vec<SocketAddr> {
    ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect()
}

/// How long to keep a valid well-known answer: `Cache-Control: max-age` (no-store as 0)
/// clamped to 5 min … 48 h, else 24 h.
pub fn cache_period(headers: &reqwest::header::HeaderMap) -> Duration {
    let mut seconds = None;
    for v in headers.get_all(reqwest::header::CACHE_CONTROL) {
        let Ok(v) = v.to_str() else { continue };
        for d in v.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if d == "no-store" {
                seconds = Some(0);
            } else if let Some(n) = d.strip_prefix("max-age=")
                && seconds != Some(0)
                && let Ok(n) = n.trim_matches('"').parse::<u64>()
            {
                seconds = Some(n);
            }
        }
    }
    match seconds {
        None => WELL_KNOWN_DEFAULT_CACHE,
        Some(s) => Duration::from_secs(s).clamp(WELL_KNOWN_MIN_CACHE, WELL_KNOWN_MAX_CACHE),
    }
}

/// RFC 2782 order, as Synapse's _sort_server_list: by priority, then weighted random within a
/// priority (zero weights last, shuffled).
pub fn order_srv(records: Vec<SrvRecord>) -> Vec<SrvRecord> {
    let mut priorities: Vec<u16> = records.iter().map(|r| r.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let mut rng = rand::rng();
    let mut out = Vec::with_capacity(records.len());
    for p in priorities {
        let mut group: Vec<SrvRecord> = records
            .iter()
            .filter(|r| r.priority == p)
            .cloned()
            .collect();
        let mut total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
        while !group.is_empty() && total > 0 {
            let mut target = rng.random_range(1..=total) as i64;
            let mut pick = group.len() - 1;
            for (i, r) in group.iter().enumerate() {
                target -= i64::from(r.weight);
                if target <= 0 {
                    pick = i;
                    break;
                }
            }
            let r = group.remove(pick);
            total -= u32::from(r.weight);
            out.push(r);
        }
        while !group.is_empty() {
            let i = rng.random_range(0..group.len());
            out.push(group.remove(i));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srv(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 1,
            target: target.into(),
        }
    }

    #[test]
    fn srv_records_go_by_priority_and_zero_weights_last() {
        for _ in 0..50 {
            let o = order_srv(vec![
                srv(20, 5, "c"),
                srv(10, 0, "b0"),
                srv(10, 7, "a"),
                srv(5, 1, "first"),
            ]);
            let t: Vec<&str> = o.iter().map(|r| r.target.as_str()).collect();
            assert_eq!(t, ["first", "a", "b0", "c"]);
        }
    }

    #[test]
    fn cache_control_sets_the_well_known_period_within_bounds() {
        let h = |v: &str| {
            let mut m = reqwest::header::HeaderMap::new();
            m.insert(reqwest::header::CACHE_CONTROL, v.parse().unwrap());
            cache_period(&m)
        };
        assert_eq!(cache_period(&Default::default()), WELL_KNOWN_DEFAULT_CACHE);
        assert_eq!(h("public, max-age=3600"), Duration::from_secs(3600));
        assert_eq!(h("max-age=999999999"), WELL_KNOWN_MAX_CACHE);
        assert_eq!(h("max-age=10"), WELL_KNOWN_MIN_CACHE);
        assert_eq!(h("no-store, max-age=3600"), WELL_KNOWN_MIN_CACHE);
        assert_eq!(h("max-age=nonsense"), WELL_KNOWN_DEFAULT_CACHE);
    }
}
