//! X-Matrix request authentication
//! (https://spec.matrix.org/v1.16/server-server-api/#request-authentication), on ruma's
//! `XMatrix` type: the `Authorization` header for an outbound request (method, path and query,
//! origin, destination and the JSON content as canonical JSON, signed with our ed25519 key),
//! and the check of an inbound one against the origin's public key: the destination, when
//! present, must be us, and the signature must cover exactly this request. Nothing here is a
//! secret comparison (signatures are verified with the public key, not compared), so there is
//! nothing to compare in constant time. Fetching keys is the caller's (key lookup closure).

use std::collections::BTreeMap;
use std::future::Future;

use ruma::api::federation::authentication::{XMatrix, XMatrixParseError};
use ruma::serde::Base64;
use ruma::signatures::Ed25519KeyPair;
use ruma::{OwnedServerName, OwnedServerSigningKeyId, ServerName, ServerSigningKeyId};

use crate::keys::SigningKey;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or one without X-Matrix credentials.
    #[error("missing X-Matrix Authorization header")]
    Missing,
    #[error("malformed X-Matrix Authorization header: {0}")]
    Malformed(String),
    /// `destination` names another server.
    #[error("the request is for {found}, not for this server")]
    WrongDestination { found: OwnedServerName },
    /// The origin's key is not known (or could not be fetched).
    #[error("no key {key} for {origin}")]
    UnknownKey {
        origin: OwnedServerName,
        key: OwnedServerSigningKeyId,
    },
    /// The body of the request is not JSON, so it cannot have been signed.
    #[error("the request body is not JSON")]
    NotJson,
    #[error("invalid signature: {0}")]
    BadSignature(String),
    #[error("cannot sign the request: {0}")]
    Sign(String),
}

/// Who sent an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub origin: OwnedServerName,
    pub key: OwnedServerSigningKeyId,
}

fn request(
    method: &http::Method,
    path_and_query: &str,
    content: &[u8],
) -> Result<http::Request<Vec<u8>>, String> {
    http::Request::builder()
        .method(method.clone())
        .uri(path_and_query)
        .body(content.to_vec())
        .map_err(|e| format!("{path_and_query:?}: {e}"))
}

/// Signs a request as `origin` for `destination`. `path_and_query` is the request target as
/// sent (`/_matrix/federation/v1/...?...`); `content` the JSON body, empty when there is none.
pub fn sign_request(
    key: &SigningKey,
    origin: &ServerName,
    destination: &ServerName,
    method: &http::Method,
    path_and_query: &str,
    content: &[u8],
) -> Result<XMatrix, AuthError> {
    let req = request(method, path_and_query, content).map_err(AuthError::Sign)?;
    let obj = XMatrix::request_object(&req, origin, destination)
        .map_err(|e| AuthError::Sign(e.to_string()))?;
    let canonical = serde_json::to_vec(&obj).map_err(|e| AuthError::Sign(e.to_string()))?;
    let pair: &Ed25519KeyPair = key.pair();
    let sig = ruma::signatures::KeyPair::sign(pair, &canonical);
    let key_id = OwnedServerSigningKeyId::try_from(key.key_id().as_str())
        .map_err(|e| AuthError::Sign(e.to_string()))?;
    Ok(XMatrix::new(
        origin.to_owned(),
        destination.to_owned(),
        key_id,
        Base64::new(sig.as_bytes().to_vec()),
    ))
}

/// The `Authorization` header value: `X-Matrix origin=…,destination=…,key="…",sig="…"`
/// (ruma writes the parameters in its own order and quotes where needed).
pub fn authorization_header(
    key: &SigningKey,
    origin: &ServerName,
    destination: &ServerName,
    method: &http::Method,
    path_and_query: &str,
    content: &[u8],
) -> Result<http::HeaderValue, AuthError> {
    let x = sign_request(key, origin, destination, method, path_and_query, content)?;
    Ok(http::HeaderValue::from(&x))
}

/// Parses an `Authorization` header value: RFC 7235 syntax through ruma, and, as Synapse
/// accepts, unquoted values that are not RFC 7235 tokens (`origin=example.org:8448`).
pub fn parse_header(value: &str) -> Result<XMatrix, AuthError> {
    match XMatrix::parse(value) {
        Ok(x) => Ok(x),
        Err(XMatrixParseError::NotFound) => Err(AuthError::Missing),
        Err(XMatrixParseError::ParseStr(e)) => {
            let scheme = value.trim_start().split(' ').next().unwrap_or("");
            if !scheme.eq_ignore_ascii_case(XMatrix::AUTH_SCHEME) {
                return Err(AuthError::Missing);
            }
            lenient(value).ok_or(AuthError::Malformed(e))
        }
        Err(e) => Err(AuthError::Malformed(e.to_string())),
    }
}

/// Synapse's reading of the header (`_parse_auth_header`): `X-Matrix ` then `k=v` pairs split
/// on commas, a value's surrounding quotes removed.
fn lenient(value: &str) -> Option<XMatrix> {
    let (scheme, params) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case(XMatrix::AUTH_SCHEME) {
        return None;
    }
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for param in params.split(',') {
        let (k, v) = param.trim().split_once('=')?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
            .unwrap_or_else(|| v.to_string());
        if fields.insert(k.trim().to_ascii_lowercase(), v).is_some() {
            return None;
        }
    }
    let origin = OwnedServerName::try_from(fields.get("origin")?.as_str()).ok()?;
    let key = OwnedServerSigningKeyId::try_from(fields.get("key")?.as_str()).ok()?;
    let sig = Base64::parse(fields.get("sig")?).ok()?;
    let destination = match fields.get("destination") {
        Some(d) => Some(OwnedServerName::try_from(d.as_str()).ok()?),
        None => None,
    };
    let mut x = XMatrix::new(origin.clone(), origin, key, sig);
    x.destination = destination;
    Some(x)
}

/// Checks a parsed header against the request and the origin's public key `public_key`
/// (unpadded base64, as published): destination (when given) must be `us`, and the signature
/// must be valid over the canonical request object.
pub fn verify(
    x: &XMatrix,
    us: &ServerName,
    method: &http::Method,
    path_and_query: &str,
    content: &[u8],
    public_key: &str,
) -> Result<Authenticated, AuthError> {
    if let Some(d) = &x.destination
        && d.as_str() != us.as_str()
    {
        return Err(AuthError::WrongDestination { found: d.clone() });
    }
    if !content.is_empty() && serde_json::from_slice::<serde_json::Value>(content).is_err() {
        return Err(AuthError::NotJson);
    }
    let key = Base64::parse(public_key.trim_end_matches('='))
        .map_err(|e| AuthError::BadSignature(format!("the public key is not base64: {e}")))?;
    let map = BTreeMap::from([(
        x.origin.to_string(),
        BTreeMap::from([(x.key.to_string(), key)]),
    )]);
    let req = request(method, path_and_query, content).map_err(AuthError::Malformed)?;
    x.verify_http_request(&req, us, &map)
        .map_err(|e| AuthError::BadSignature(e.to_string()))?;
    Ok(Authenticated {
        origin: x.origin.clone(),
        key: x.key.clone(),
    })
}

/// Authenticates an inbound request from its `Authorization` header: parses it, asks
/// `lookup(origin, key id)` for the origin's public key (unpadded base64) and verifies.
pub async fn authenticate<F, Fut>(
    authorization: Option<&str>,
    us: &ServerName,
    method: &http::Method,
    path_and_query: &str,
    content: &[u8],
    lookup: F,
) -> Result<Authenticated, AuthError>
where
    F: FnOnce(OwnedServerName, OwnedServerSigningKeyId) -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let x = parse_header(authorization.ok_or(AuthError::Missing)?)?;
    if let Some(d) = &x.destination
        && d.as_str() != us.as_str()
    {
        return Err(AuthError::WrongDestination { found: d.clone() });
    }
    let key: &ServerSigningKeyId = &x.key;
    let public = lookup(x.origin.clone(), key.to_owned())
        .await
        .ok_or_else(|| AuthError::UnknownKey {
            origin: x.origin.clone(),
            key: x.key.clone(),
        })?;
    verify(&x, us, method, path_and_query, content, &public)
}
