//! The outbound federation HTTP client: discovery picks the addresses, Host header and TLS
//! name; every address is checked against the IP policy (ip_range_blacklist /
//! ip_range_whitelist) right before it is handed to the connector, which can reach nothing
//! else; TLS is verified per the federation TLS config; each request is signed with X-Matrix
//! (destination included), the response is capped in size and the whole exchange in time.
//! One pinned HTTP client (and so one connection pool) is kept per destination while its
//! resolution stays the same.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ruma::{OwnedServerName, ServerName};
use serde_json::Value;

use super::auth::{self, AuthError};
use super::discovery::{Discovery, DiscoveryError, Resolution};
use super::pinned;
use crate::keys::SigningKey;

/// Synapse's default federation request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response body read by default.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 100 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("{destination}: {source}")]
    Discovery {
        destination: OwnedServerName,
        source: DiscoveryError,
    },
    /// Every address discovery gave is refused by the IP policy.
    #[error("{destination}: every address is blocked by ip_range_blacklist ({addresses:?})")]
    Blocked {
        destination: OwnedServerName,
        addresses: Vec<SocketAddr>,
    },
    #[error("{destination}: {message}")]
    Connect {
        destination: OwnedServerName,
        message: String,
    },
    #[error("{destination}: no answer within {timeout:?}")]
    Timeout {
        destination: OwnedServerName,
        timeout: Duration,
    },
    #[error("{destination}: the response is over {limit} bytes")]
    TooLarge {
        destination: OwnedServerName,
        limit: u64,
    },
    /// The server answered with a non-2xx status; `body` is its JSON (a Matrix error) or
    /// `null`.
    #[error("{destination} answered {status}: {body}")]
    Status {
        destination: OwnedServerName,
        status: u16,
        body: Value,
    },
    #[error("{destination}: the response is not JSON: {message}")]
    NotJson {
        destination: OwnedServerName,
        message: String,
    },
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Talks to other homeservers as `origin`.
pub struct FederationClient {
    origin: OwnedServerName,
    discovery: Discovery,
    pub timeout: Duration,
    pub max_response_size: u64,
    pinned: Mutex<HashMap<OwnedServerName, (Arc<Resolution>, reqwest::Client)>>,
}

impl FederationClient {
    /// # Panics
    /// When `origin` is not a valid server name (the config check guarantees it is).
    pub fn new(origin: &str, discovery: Discovery) -> Self {
        FederationClient {
            origin: ServerName::parse(origin).expect("server_name is validated by the config"),
            discovery,
            timeout: DEFAULT_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            pinned: Mutex::default(),
        }
    }

    pub fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// GET `path_and_query` on `destination`, signed; the JSON answer.
    pub async fn get_json(
        &self,
        key: &SigningKey,
        destination: &ServerName,
        path_and_query: &str,
    ) -> Result<Value, FederationError> {
        self.request_json(key, http::Method::GET, destination, path_and_query, None)
            .await
    }

    /// Sends a signed request with an optional JSON body; the JSON answer of a 2xx.
    pub async fn request_json(
        &self,
        key: &SigningKey,
        method: http::Method,
        destination: &ServerName,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Value, FederationError> {
        let dest = destination.to_owned();
        let content = match body {
            Some(v) => serde_json::to_vec(v).map_err(|e| AuthError::Sign(e.to_string()))?,
            None => Vec::new(),
        };
        let authorization = auth::authorization_header(
            key,
            &self.origin,
            destination,
            &method,
            path_and_query,
            &content,
        )?;
        let (resolution, client) = self.client_for(destination).await?;
        let url = match resolution.tls_name.parse::<std::net::IpAddr>() {
            // An IP literal: its only address, with its port, in the URL.
            Ok(_) => format!(
                "https://{}:{}{path_and_query}",
                pinned::url_host(&resolution.tls_name),
                resolution.addresses[0].port()
            ),
            // A name: no port in the URL, so each pinned address keeps its own.
            Err(_) => format!("https://{}{path_and_query}", resolution.tls_name),
        };
        let mut req = client
            .request(method, &url)
            .header(reqwest::header::HOST, &resolution.host_header)
            .header(reqwest::header::AUTHORIZATION, authorization);
        if body.is_some() {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(content);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                // The next request resolves again (the well-known answer stays cached).
                self.forget(destination);
                return Err(self.transport_error(dest, &e));
            }
        };
        let status = resp.status();
        let bytes = pinned::read_capped(resp, self.max_response_size)
            .await
            .map_err(|e| match e {
                pinned::ReadError::TooLarge(limit) => FederationError::TooLarge {
                    destination: dest.clone(),
                    limit,
                },
                pinned::ReadError::Http(e) => self.transport_error(dest.clone(), &e),
            })?;
        if !status.is_success() {
            return Err(FederationError::Status {
                destination: dest,
                status: status.as_u16(),
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| FederationError::NotJson {
            destination: dest,
            message: e.to_string(),
        })
    }

    fn transport_error(&self, destination: OwnedServerName, e: &reqwest::Error) -> FederationError {
        if e.is_timeout() {
            FederationError::Timeout {
                destination,
                timeout: self.timeout,
            }
        } else {
            FederationError::Connect {
                destination,
                message: pinned::chain(e),
            }
        }
    }

    /// Drops what is cached for `destination` (its resolution and pinned client).
    pub fn forget(&self, destination: &ServerName) {
        self.pinned.lock().expect("lock").remove(destination);
        self.discovery.forget(destination);
    }

    /// The resolution of `destination` and a client pinned to its allowed addresses.
    async fn client_for(
        &self,
        destination: &ServerName,
    ) -> Result<(Arc<Resolution>, reqwest::Client), FederationError> {
        let resolution = self
            .discovery
            .resolve(destination)
            .await
            .map_err(|source| FederationError::Discovery {
                destination: destination.to_owned(),
                source,
            })?;
        if let Some((r, c)) = self.pinned.lock().expect("lock").get(destination)
            && **r == *resolution
        {
            return Ok((r.clone(), c.clone()));
        }
        // The addresses connected to are exactly these: checked here, and the connector
        // resolves nothing else.
        let allowed: Vec<SocketAddr> = resolution
            .addresses
            .iter()
            .copied()
            .filter(|a| self.discovery.policy().allows(a.ip()))
            .collect();
        if allowed.is_empty() {
            return Err(FederationError::Blocked {
                destination: destination.to_owned(),
                addresses: resolution.addresses.clone(),
            });
        }
        let client = pinned::client(
            &resolution.tls_name,
            &allowed,
            self.discovery.tls(),
            self.timeout,
        )
        .map_err(|message| FederationError::Connect {
            destination: destination.to_owned(),
            message,
        })?;
        self.pinned
            .lock()
            .expect("lock")
            .insert(destination.to_owned(), (resolution.clone(), client.clone()));
        Ok((resolution, client))
    }
}
