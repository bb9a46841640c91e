//! The outbound federation HTTP client: discovery picks the addresses, Host header and TLS
//! name; every address is checked against the IP policy (ip_range_blacklist /
//! ip_range_whitelist) right before it is handed to the connector, which can reach nothing
//! else; TLS is verified per the federation TLS config; each request is signed with X-Matrix
//! (destination included), the response is capped in size and the whole exchange in time.
//! `get_json`/`request_json` take a path and JSON; `send` takes a typed ruma request.
//! One pinned HTTP client (and so one connection pool) is kept per destination while its
//! resolution stays the same.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ruma::api::federation::authentication::{ServerSignatures, XMatrixSigningInput};
use ruma::api::path_builder::SinglePath;
use ruma::api::{IncomingResponseExt as _, OutgoingRequest, OutgoingRequestExt as _};
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
    /// federation_domain_whitelist is set and does not list the destination.
    #[error("{destination}: not in federation_domain_whitelist")]
    Denied { destination: OwnedServerName },
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
    /// federation_domain_whitelist: when set, the only destinations requests go to.
    pub domain_whitelist: Option<Vec<String>>,
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
            domain_whitelist: None,
            pinned: Mutex::default(),
        }
    }

    pub fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// Whether federation_domain_whitelist (when set) lists `server`: Synapse compares the
    /// whole server name, port included.
    pub fn allows(&self, server: &ServerName) -> bool {
        self.domain_whitelist
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == server.as_str()))
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
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, authorization);
        if body.is_some() {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        let (_, _, bytes) = self
            .exchange(destination, method, path_and_query, headers, content)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| FederationError::NotJson {
            destination: destination.to_owned(),
            message: e.to_string(),
        })
    }

    /// Sends a typed ruma federation request (one authenticated with X-Matrix, which ruma's
    /// `ServerSignatures` scheme signs with our key and `destination`); its typed answer.
    pub async fn send<R>(
        &self,
        key: &SigningKey,
        destination: &ServerName,
        request: R,
    ) -> Result<R::IncomingResponse, FederationError>
    where
        R: OutgoingRequest<Authentication = ServerSignatures, PathBuilder = SinglePath>,
    {
        let signing =
            XMatrixSigningInput::new(self.origin.clone(), destination.to_owned(), key.pair());
        // The base URL only carries the path: the connection is discovery's.
        let req: http::Request<Vec<u8>> = request
            .try_into_http_request("https://destination.invalid", signing, ())
            .map_err(|e| AuthError::Sign(e.to_string()))?;
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let (parts, body) = req.into_parts();
        let (status, headers, bytes) = self
            .exchange(
                destination,
                parts.method,
                &path_and_query,
                parts.headers,
                body,
            )
            .await?;
        let mut response = http::Response::new(bytes.as_slice());
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        R::IncomingResponse::try_from_http_response(response).map_err(|e| {
            FederationError::NotJson {
                destination: destination.to_owned(),
                message: e.to_string(),
            }
        })
    }

    /// One exchange with `destination`: the request as given (already signed), the answer of
    /// a 2xx (any other status is `FederationError::Status`).
    async fn exchange(
        &self,
        destination: &ServerName,
        method: http::Method,
        path_and_query: &str,
        headers: http::HeaderMap,
        content: Vec<u8>,
    ) -> Result<(http::StatusCode, http::HeaderMap, Vec<u8>), FederationError> {
        let dest = destination.to_owned();
        if !self.allows(destination) {
            return Err(FederationError::Denied { destination: dest });
        }
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
            .headers(headers)
            .header(reqwest::header::HOST, &resolution.host_header);
        if !content.is_empty() {
            req = req.body(content);
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
        let headers = resp.headers().clone();
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
        Ok((status, headers, bytes))
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

impl FederationClient {
    /// GET `path_and_query` on `destination`, signed, with the answer's body left unread (for
    /// files, which the caller reads in pieces under its own cap). A non-2xx answer is
    /// `FederationError::Status` with its JSON body (read up to 64 KiB).
    pub async fn get_streaming(
        &self,
        key: &SigningKey,
        destination: &ServerName,
        path_and_query: &str,
    ) -> Result<reqwest::Response, FederationError> {
        let dest = destination.to_owned();
        if !self.allows(destination) {
            return Err(FederationError::Denied { destination: dest });
        }
        let method = http::Method::GET;
        let authorization = auth::authorization_header(
            key,
            &self.origin,
            destination,
            &method,
            path_and_query,
            &[],
        )?;
        let (resolution, client) = self.client_for(destination).await?;
        let url = match resolution.tls_name.parse::<std::net::IpAddr>() {
            Ok(_) => format!(
                "https://{}:{}{path_and_query}",
                pinned::url_host(&resolution.tls_name),
                resolution.addresses[0].port()
            ),
            Err(_) => format!("https://{}{path_and_query}", resolution.tls_name),
        };
        let resp = client
            .request(method, &url)
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::HOST, &resolution.host_header)
            .send()
            .await
            .map_err(|e| {
                self.forget(destination);
                self.transport_error(dest.clone(), &e)
            })?;
        let status = resp.status();
        if !status.is_success() {
            let body = pinned::read_capped(resp, 64 * 1024)
                .await
                .unwrap_or_default();
            return Err(FederationError::Status {
                destination: dest,
                status: status.as_u16(),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
        }
        Ok(resp)
    }

    /// A transport error while reading a streamed answer's body, as `get_json` reports it.
    pub fn body_error(&self, destination: &ServerName, e: &reqwest::Error) -> FederationError {
        self.transport_error(destination.to_owned(), e)
    }
}
