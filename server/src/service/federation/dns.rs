//! The DNS questions server discovery asks (SRV records, A/AAAA addresses) behind a small
//! trait, so tests can answer them; `SystemDns` asks the system's resolvers through
//! hickory-resolver, built on first use. Only answers: no IP policy here (discovery applies it).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::future::BoxFuture;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

/// One SRV answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// The target host, without the trailing dot; "." (service decidedly not available) is
    /// kept as ".".
    pub target: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DnsError {
    /// The resolver could not answer (timeout, SERVFAIL, no configuration).
    #[error("DNS lookup of {name} failed: {message}")]
    Failed { name: String, message: String },
}

/// Answers discovery's DNS questions. "No such record" is an empty list, not an error.
pub trait Dns: Send + Sync {
    /// SRV records of `name` (such as `_matrix-fed._tcp.example.org`).
    fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, DnsError>>;
    /// A and AAAA addresses of `host` (CNAMEs followed).
    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>>;
}

/// The system's resolvers (/etc/resolv.conf), or one given DNS server, through
/// hickory-resolver; both A and AAAA are asked for.
#[derive(Default)]
pub struct SystemDns {
    resolver: tokio::sync::OnceCell<Result<TokioResolver, String>>,
}

impl SystemDns {
    /// Asks only the DNS server at `addr` (UDP, then TCP), not the system's.
    pub fn with_nameserver(addr: SocketAddr) -> Self {
        let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
        for c in &mut ns.connections {
            c.port = addr.port();
        }
        let mut b = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![ns]),
            TokioRuntimeProvider::default(),
        );
        b.options_mut().ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        b.options_mut().timeout = Duration::from_secs(5);
        let built = b
            .build()
            .map_err(|e| format!("cannot build a DNS resolver: {e}"));
        SystemDns {
            resolver: tokio::sync::OnceCell::new_with(Some(built)),
        }
    }

    async fn resolver(&self, name: &str) -> Result<&TokioResolver, DnsError> {
        let r = self
            .resolver
            .get_or_init(|| async {
                TokioResolver::builder_tokio()
                    .and_then(|mut b| {
                        b.options_mut().ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
                        b.build()
                    })
                    .map_err(|e| format!("cannot build a DNS resolver: {e}"))
            })
            .await;
        r.as_ref().map_err(|e| DnsError::Failed {
            name: name.to_string(),
            message: e.clone(),
        })
    }
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn failed(name: &str, e: impl std::fmt::Display) -> DnsError {
    DnsError::Failed {
        name: name.to_string(),
        message: e.to_string(),
    }
}

impl Dns for SystemDns {
    fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, DnsError>> {
        Box::pin(async move {
            let r = self.resolver(name).await?;
            match r.srv_lookup(fqdn(name)).await {
                Ok(lookup) => Ok(lookup
                    .answers()
                    .iter()
                    .filter_map(|rec| match &rec.data {
                        RData::SRV(s) => {
                            let t = s.target.to_utf8();
                            let target = if t == "." {
                                t
                            } else {
                                t.trim_end_matches('.').to_string()
                            };
                            Some(SrvRecord {
                                priority: s.priority,
                                weight: s.weight,
                                port: s.port,
                                target,
                            })
                        }
                        _ => None,
                    })
                    .collect()),
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
                Err(e) => Err(failed(name, e)),
            }
        })
    }

    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        Box::pin(async move {
            let r = self.resolver(host).await?;
            match r.lookup_ip(fqdn(host)).await {
                Ok(lookup) => Ok(lookup.iter().collect()),
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
                Err(e) => Err(failed(host, e)),
            }
        })
    }
}
