//! Federation, the first layer: finding another server (`discovery`), signing and checking
//! requests with X-Matrix (`auth`), other servers' signing keys (`keys`, kept in the database
//! through `store::server_keys`) and serving them to others as a notary (`notary`), and an
//! outbound HTTP client that connects only where the IP policy allows, with the TLS name and
//! Host header discovery chose (`client`). No endpoints here; the other caches are in memory.
//! Never imports axum.

pub mod auth;
pub mod client;
pub mod discovery;
pub mod dns;
pub mod keys;
pub mod notary;
mod pinned;

pub use auth::{AuthError, Authenticated};
pub use client::{FederationClient, FederationError};
pub use discovery::{Discovery, DiscoveryError, Resolution, Step};
pub use dns::{Dns, DnsError, SrvRecord, SystemDns};
pub use keys::{KeyError, KeyRing, VerifiedKey};
pub use notary::Wanted;

use std::sync::Arc;

use super::safe_http::IpPolicy;
use crate::config::Config;

/// The IP policy every outbound federation connection obeys: ip_range_blacklist (Synapse's
/// default when unset, plus 0.0.0.0 and ::) with ip_range_whitelist exceptions.
pub fn ip_policy(config: &Config) -> IpPolicy {
    IpPolicy {
        layers: vec![(
            config.outbound.ip_range_blacklist.clone(),
            config.outbound.ip_range_whitelist.clone(),
        )],
        always_allow: Vec::new(),
    }
}

/// The outbound federation client for `config`, resolving names with the system's DNS.
pub fn client_from_config(config: &Config) -> FederationClient {
    FederationClient::new(
        &config.server_name,
        Discovery::new(
            Arc::new(SystemDns::default()),
            Arc::new(ip_policy(config)),
            config.federation_tls.clone(),
        ),
    )
}
