//! Extractors: typed ruma requests, plain JSON bodies and access-token auth, all rejecting with
//! Matrix errors (M_NOT_JSON, M_BAD_JSON, M_TOO_LARGE, M_MISSING_TOKEN, M_UNKNOWN_TOKEN).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use ruma::api::error::{DeserializationError, FromHttpRequestError};
use ruma::api::{IncomingRequest, OutgoingResponse};
use ruma::api::{IncomingRequestExt as _, OutgoingResponseExt as _};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::service::SharedServices;
pub use crate::service::raw::{raw, raws};

/// The body limit for JSON requests (media uploads get their own).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

async fn body_bytes(req: Request) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, &()).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(inner) if inner.body_text().contains("length limit") => {
            ApiError::too_large(JSON_BODY_LIMIT)
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::too_large(JSON_BODY_LIMIT)
        }
        other => ApiError::unknown(other.status(), other.body_text()),
    })
}

fn json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::not_json(),
        // As Synapse: a required field that is absent is M_MISSING_PARAM.
        Category::Data if e.to_string().starts_with("missing field") => ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            format!("Invalid request body: {e}"),
        ),
        Category::Data => ApiError::bad_json(format!("Invalid request body: {e}")),
    }
}

/// A body that must be a JSON object: not JSON is M_NOT_JSON, JSON that is not an object (an
/// array, a string) is M_BAD_JSON, as in Synapse.
fn json_object(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::not_json())?;
    if !value.is_object() {
        return Err(ApiError::bad_json("Content must be a JSON object."));
    }
    Ok(value)
}

/// A JSON body deserialized into `T`.
pub struct MatrixJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for MatrixJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req).await?;
        // Parse as JSON first, so "not JSON" and "JSON of the wrong shape" stay distinct.
        let value = json_object(&bytes)?;
        serde_json::from_value(value)
            .map(MatrixJson)
            .map_err(|e| json_error(&e))
    }
}

/// The endpoints where Synapse takes a missing body as `{}` (membership changes that need no
/// field, logout, receipts, redactions, the public room list, the admin API's deactivation,
/// cross-signing key upload), plus the UIA endpoints below; elsewhere an empty body is
/// M_NOT_JSON, as in Synapse.
fn empty_body_allowed(path: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "/join",
        "/leave",
        "/forget",
        "/logout",
        "/logout/all",
        "/publicRooms",
        "/keys/device_signing/upload",
    ];
    ENDINGS.iter().any(|e| path.ends_with(e))
        || path.contains("/join/")
        || path.contains("/receipt/")
        || path.contains("/redact/")
        || path.starts_with("/_synapse/admin/v1/deactivate/")
        || (path.starts_with("/_matrix/client/") && UIA_ENDINGS.iter().any(|e| path.ends_with(e)))
}

/// Client endpoints behind user-interactive auth where Synapse takes no body as `{}`. Not
/// /register nor /account/deactivate: Synapse answers those M_NOT_JSON.
const UIA_ENDINGS: &[&str] = &["/delete_devices"];

/// A request parsed with ruma's endpoint types.
pub struct Ruma<T>(pub T);

impl<S: Send + Sync, T: IncomingRequest> FromRequest<S> for Ruma<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let args = path_args(&mut parts, state).await?;
        let bytes = body_bytes(Request::from_parts(parts.clone(), body)).await?;
        parse_ruma(parts, bytes, &args).map(Ruma)
    }
}

/// A federation request from another server, parsed with ruma's type `T`: its X-Matrix
/// `Authorization` header names the origin, us as destination (when given) and a key of the
/// origin's whose signature covers this method, target and body; the origin is one
/// federation_domain_whitelist allows (403 otherwise, as Synapse, before any key is fetched),
/// and admitted by rc_federation (it may wait; 429 past reject_limit).
pub struct Federation<T> {
    pub origin: ruma::OwnedServerName,
    pub request: T,
    /// The origin's rc_federation slot, held while the request is handled.
    pub slot: tokio::sync::OwnedSemaphorePermit,
}

impl<T: IncomingRequest> FromRequest<SharedServices> for Federation<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, services: &SharedServices) -> Result<Self, ApiError> {
        use crate::service::federation::auth;
        let (mut parts, body) = req.into_parts();
        let args = path_args(&mut parts, services).await?;
        // Synapse reads the first X-Matrix credentials among the Authorization headers.
        let authorization = parts
            .headers
            .get_all(http::header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| {
                let scheme = ruma::api::federation::authentication::XMatrix::AUTH_SCHEME;
                v.trim_start()
                    .get(..scheme.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            })
            .map(str::to_string);
        let claimed = auth::parse_header(authorization.as_deref().unwrap_or(""))?;
        if !services.federation.allows(&claimed.origin) {
            return Err(ApiError::forbidden(format!(
                "Federation denied with {}.",
                claimed.origin
            )));
        }
        let bytes = body_bytes(Request::from_parts(parts.clone(), body)).await?;
        let target = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |p| p.as_str())
            .to_string();
        let who = services
            .authenticate_federation_request(
                authorization.as_deref(),
                &parts.method,
                &target,
                &bytes,
            )
            .await?;
        services.heard_from(&who.origin);
        let slot = services
            .federation_limiter
            .admit(&who.origin, &services.config.rate_limits.federation)
            .await
            .map_err(|r| ApiError::limit_exceeded(r.0))?;
        let request = parse_ruma(parts, bytes, &args)?;
        Ok(Federation {
            origin: who.origin,
            request,
            slot,
        })
    }
}

/// The values of the route's path parameters, in order.
async fn path_args<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Vec<String>, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::invalid_param(e.body_text()))?;
    Ok(params.iter().map(|(_, v)| v.to_string()).collect())
}

/// Parses a request with ruma's type `T`, refusing what does not fit with Synapse's errors.
fn parse_ruma<T: IncomingRequest>(
    parts: Parts,
    mut bytes: Bytes,
    args: &[String],
) -> Result<T, ApiError> {
    let has_body = T::METHOD == http::Method::POST || T::METHOD == http::Method::PUT;
    if has_body && bytes.iter().all(u8::is_ascii_whitespace) {
        // Where Synapse takes no body as `{}`, so do we (ruma's types differ on it);
        // elsewhere it is not JSON, as in Synapse.
        if !empty_body_allowed(parts.uri.path()) {
            return Err(ApiError::not_json());
        }
        bytes = Bytes::from_static(b"{}");
    }
    let http_req = http::Request::from_parts(parts, bytes.as_ref());
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let body_start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if has_body
        && let Some(first) = body_start
        && *first != b'{'
    {
        // ruma's types assume a JSON object where they expect a body: anything else is
        // refused as Synapse does (a body that starts like an object but is not JSON is
        // M_NOT_JSON from ruma's parser below), without parsing the body twice.
        return Err(match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(_) => ApiError::bad_json("Content must be a JSON object."),
            Err(_) => ApiError::not_json(),
        });
    }
    // A deserializer that panics on some input (ruma's login type reads `type` by
    // indexing) must still give the client a 400, never drop the request.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        T::try_from_http_request(http_req, &arg_refs)
    }))
    .map_err(|_| ApiError::bad_json("Invalid request body"))?;
    parsed.map_err(|e| match e {
        FromHttpRequestError::MethodMismatch { .. } => ApiError::method_not_allowed(),
        FromHttpRequestError::Deserialization(DeserializationError::Json(j)) => json_error(&j),
        FromHttpRequestError::Deserialization(DeserializationError::Query(q)) => {
            let text = q.to_string();
            match text.strip_prefix("missing field ") {
                Some(field) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "M_MISSING_PARAM",
                    format!("Missing parameter: {}", field.trim_matches('`')),
                ),
                None => ApiError::invalid_param(format!("Invalid query parameter: {text}")),
            }
        }
        FromHttpRequestError::Deserialization(other) => ApiError::invalid_param(other.to_string()),
        other => ApiError::bad_json(other.to_string()),
    })
}

/// A stream position from a pagination token (`from`, `to`, `at`): M_INVALID_PARAM if bad.
pub fn position(token: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    token
        .map(|t| {
            crate::service::sync::Token::parse(t)
                .map(|t| t.pos)
                .ok_or_else(|| ApiError::invalid_param(format!("Invalid {name} token")))
        })
        .transpose()
}

/// A ruma response, serialized by ruma.
pub struct RumaResponse<T>(pub T);

impl<T: OutgoingResponse> IntoResponse for RumaResponse<T> {
    fn into_response(self) -> Response {
        match self.0.try_into_http_response::<BytesMut>() {
            Ok(res) => res
                .map(|b| axum::body::Body::from(b.freeze()))
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "could not serialize a response");
                ApiError::internal().into_response()
            }
        }
    }
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user_id: String,
    pub device_id: String,
}

/// Where a request's access token is, if it has one.
enum Token {
    Found(String),
    Missing,
    /// An Authorization header other than `Bearer <token>` (one space, one token).
    BadHeader,
}

fn access_token(parts: &Parts) -> Token {
    if let Some(h) = parts.headers.get(http::header::AUTHORIZATION) {
        let parts: Option<Vec<&str>> = h.to_str().ok().map(|v| v.split(' ').collect());
        return match parts.as_deref() {
            Some(["Bearer", token]) if !token.is_empty() => Token::Found(token.to_string()),
            _ => Token::BadHeader,
        };
    }
    let Some(query) = parts.uri.query() else {
        return Token::Missing;
    };
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map_or(Token::Missing, |(_, v)| Token::Found(v.into_owned()))
}

impl FromRequestParts<SharedServices> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        services: &SharedServices,
    ) -> Result<Self, Self::Rejection> {
        Auth::from_parts(parts, services, false).await
    }
}

/// The authenticated user of a request whose access token may have expired: logging out, as
/// Synapse allows (`allow_expired=True`), so a client can end a session it cannot refresh.
#[derive(Debug, Clone)]
pub struct AuthAllowingExpired(pub Auth);

impl FromRequestParts<SharedServices> for AuthAllowingExpired {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        services: &SharedServices,
    ) -> Result<Self, Self::Rejection> {
        Auth::from_parts(parts, services, true)
            .await
            .map(AuthAllowingExpired)
    }
}

impl Auth {
    async fn from_parts(
        parts: &Parts,
        services: &SharedServices,
        allow_expired: bool,
    ) -> Result<Self, ApiError> {
        let token = match access_token(parts) {
            Token::Found(t) => t,
            Token::Missing => return Err(ApiError::missing_token()),
            // As Synapse: a malformed header is a missing token.
            Token::BadHeader => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "M_MISSING_TOKEN",
                    "Invalid Authorization header.",
                ));
            }
        };
        match services.authenticate(&token, allow_expired).await? {
            Some(row) => Ok(Auth {
                user_id: row.user_id,
                device_id: row.device_id,
            }),
            None => Err(ApiError::unknown_token()),
        }
    }
}

/// `Option<Auth>`: endpoints anyone may call (room summaries); a request without a token is
/// nobody's, one with a bad or unknown token is refused as `Auth` refuses it.
impl axum::extract::OptionalFromRequestParts<SharedServices> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        services: &SharedServices,
    ) -> Result<Option<Self>, Self::Rejection> {
        match access_token(parts) {
            Token::Missing => Ok(None),
            _ => <Auth as FromRequestParts<SharedServices>>::from_request_parts(parts, services)
                .await
                .map(Some),
        }
    }
}

/// Path parameters, percent-decoded; a bad one is a Matrix M_INVALID_PARAM.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Params(p.0))
            .map_err(|e| ApiError::invalid_param(e.body_text()))
    }
}

/// Query string as key → value (last one wins).
pub struct QueryMap(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let map = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(QueryMap(map))
    }
}

impl QueryMap {
    /// A non-negative integer parameter: absent is `None`; not an integer, negative, or past
    /// the spec's integer range (2^53 - 1, as ruma's typed requests) is 400 M_INVALID_PARAM.
    /// Callers clamp what is in range to their own maximum.
    pub fn uint(&self, name: &str) -> Result<Option<u64>, ApiError> {
        uint_param(&self.0, name)
    }
}

/// See [`QueryMap::uint`].
pub fn uint_param(
    q: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<Option<u64>, ApiError> {
    uint_value(name, q.get(name).map(String::as_str))
}

/// The query parameter `name`'s value `v` read as [`QueryMap::uint`] does.
pub fn uint_value(name: &str, v: Option<&str>) -> Result<Option<u64>, ApiError> {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    let Some(v) = v else {
        return Ok(None);
    };
    if let Ok(n) = v.strip_prefix('+').unwrap_or(v).parse::<u64>()
        && n <= MAX_SAFE
    {
        return Ok(Some(n));
    }
    let negative = v
        .strip_prefix('-')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    Err(ApiError::invalid_param(if negative {
        format!("Query parameter {name:?} must be a positive integer.")
    } else {
        format!("Query parameter {name:?} must be an integer no larger than {MAX_SAFE}.")
    }))
}

/// An optional JSON object body: empty means `{}` (several endpoints allow no body).
pub struct OptionalJson(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for OptionalJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(serde_json::json!({})));
        }
        Ok(OptionalJson(json_object(&bytes)?))
    }
}

/// Facts about the listener a request came in on.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListenerInfo {
    /// Trust X-Forwarded-For (the listener is behind a reverse proxy).
    pub x_forwarded: bool,
}

/// The client's address: the peer, or X-Forwarded-For's first entry behind a proxy.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl ClientIp {
    pub fn key(&self) -> String {
        self.0
            .map(|ip| ip.to_canonical().to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<ListenerInfo>()
            .copied()
            .unwrap_or_default();
        if info.x_forwarded {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return Ok(ClientIp(forwarded));
            }
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer))
    }
}
