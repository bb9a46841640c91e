//! Federation: finding another server (`discovery`), signing and checking requests with
//! X-Matrix (`auth`), other servers' signing keys (`keys`, kept in the database through
//! `store::server_keys`) and serving them to others as a notary (`notary`), an outbound HTTP
//! client that connects only where the IP policy allows, with the TLS name and Host header
//! discovery chose (`client`), checking the PDUs other servers send (`pdu`) against the
//! room's server ACL (`acl`), their users joining our rooms (`membership`) and ours joining
//! theirs (`join`), invites both ways (`invite`), limiting what each may ask (`ratelimit`),
//! delivering our events to them (`sender`) and receiving theirs (`transactions`, filling
//! gaps from the sender), answering their reads of rooms we share (`room_reads`), and
//! fetching older history for our users (`backfill`). Never imports axum.

pub mod acl;
pub mod auth;
pub mod backfill;
pub mod client;
pub mod discovery;
pub mod dns;
pub mod invite;
pub mod join;
pub mod keys;
pub mod membership;
pub mod notary;
pub mod pdu;
mod pinned;
pub mod ratelimit;
pub mod room_reads;
pub mod sender;
pub mod transactions;

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

impl super::Services {
    /// Sends a typed federation request to `destination`, signed with our key.
    pub async fn federation_send<R>(
        &self,
        destination: &ruma::ServerName,
        request: R,
    ) -> Result<R::IncomingResponse, FederationError>
    where
        R: ruma::api::OutgoingRequest<
                Authentication = ruma::api::federation::authentication::ServerSignatures,
                PathBuilder = ruma::api::path_builder::SinglePath,
            >,
    {
        self.federation
            .send(&self.signing_key, destination, request)
            .await
    }

    /// Whether `server` is this server.
    pub fn is_ours(&self, server: &ruma::ServerName) -> bool {
        server.as_str() == self.config.server_name
    }
}

/// The outbound federation client for `config`, resolving names with the system's DNS.
pub fn client_from_config(config: &Config) -> FederationClient {
    let mut client = FederationClient::new(
        &config.server_name,
        Discovery::new(
            Arc::new(SystemDns::default()),
            Arc::new(ip_policy(config)),
            config.federation_tls.clone(),
        ),
    );
    client.domain_whitelist = config.federation_domain_whitelist.clone();
    client
}
