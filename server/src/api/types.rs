//! What our own endpoint types share — for Synapse's admin API, which ruma has no types for,
//! and for the client endpoints where ruma's type would answer differently from Synapse (each
//! says why): a JSON response body, and macros that implement ruma's `IncomingRequest` and
//! `OutgoingResponse` for a `Request`/`Response` pair, so that they work with `Ruma<R>`,
//! `RumaResponse<R>` and `endpoint::<R, _, _>`.
//!
//! Each endpoint's `Metadata` comes from ruma's own `metadata!` macro. Its `#[request]` and
//! `#[response]` attribute macros cannot be used from this crate: they emit the server-side
//! impls under `#[cfg(feature = "server")]` of the *calling* crate, and matrixd has no such
//! feature, so the two impls are written here instead.

use std::collections::HashMap;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::ops::Deref;

use bytes::BufMut;
use http::HeaderValue;
use ruma::api::OutgoingBody;
use ruma::api::error::{DeserializationError, IntoHttpError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A JSON response body, already serialized.
pub struct JsonBody(pub Vec<u8>);

impl OutgoingBody for JsonBody {
    type Error = Infallible;

    fn content_type(&self) -> Option<HeaderValue> {
        Some(HeaderValue::from_static("application/json"))
    }

    fn try_into_buf<T: Default + BufMut + AsRef<[u8]>>(self) -> Result<T, Infallible> {
        let mut buf = T::default();
        buf.put_slice(&self.0);
        Ok(buf)
    }
}

/// `body` as a JSON response with `status`.
pub fn json_response<T: Serialize>(
    status: http::StatusCode,
    body: &T,
) -> Result<http::Response<JsonBody>, IntoHttpError> {
    Ok(http::Response::builder()
        .status(status)
        .body(JsonBody(serde_json::to_vec(body)?))?)
}

/// The query string as key → value (the last one wins, as `QueryMap`). Parameters stay
/// strings: the handlers parse them with Synapse's rules and errcodes (`super::extract`).
pub fn query(req: &http::Request<&[u8]>) -> HashMap<String, String> {
    req.uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// The `i`th path argument (already percent-decoded by the extractor).
pub fn path_arg(args: &[&str], i: usize) -> String {
    args.get(i).copied().unwrap_or_default().to_owned()
}

/// A JSON body; an empty one is not JSON (M_NOT_JSON), as Synapse's
/// `parse_json_object_from_request`. Read as a JSON value first, so a repeated key is the last
/// one (as in Synapse), not a "duplicate field" error.
pub fn json_body<T: DeserializeOwned>(
    req: &http::Request<&[u8]>,
) -> Result<T, DeserializationError> {
    let value: Value = serde_json::from_slice(req.body())?;
    Ok(serde_json::from_value(value)?)
}

/// A JSON body that may be empty (then `{}`), as Synapse's `allow_empty_body=True`.
pub fn optional_json_body<T: DeserializeOwned>(
    req: &http::Request<&[u8]>,
) -> Result<T, DeserializationError> {
    let body: &[u8] = if req.body().is_empty() {
        b"{}"
    } else {
        req.body()
    };
    let value: Value = serde_json::from_slice(body)?;
    Ok(serde_json::from_value(value)?)
}

/// For `#[serde(default, deserialize_with = "present")]` on an `Option<Value>` field: absent is
/// `None`, any value — `null` too — is `Some`. Synapse checks these fields by hand, and tells an
/// absent field from a `null` one.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `impl IncomingRequest for Request` (answered by `Response`): `$req` is the
/// `http::Request<&[u8]>`, `$args` the percent-decoded path arguments.
macro_rules! impl_incoming_request {
    (|$req:ident, $args:ident| $parse:expr) => {
        impl ::ruma::api::IncomingRequest for Request {
            type EndpointError = ::ruma::api::error::Error;
            type OutgoingResponse = Response;

            #[allow(unused_variables)]
            fn try_from_http_request_inner(
                $req: ::http::Request<&[u8]>,
                $args: &[&str],
            ) -> Result<Self, ::ruma::api::error::DeserializationError> {
                $parse
            }
        }
    };
}
pub(crate) use impl_incoming_request;

/// `impl OutgoingResponse for Response`: its `Serialize` form as a 200 JSON body.
macro_rules! impl_json_response {
    () => {
        impl ::ruma::api::OutgoingResponse for Response {
            type Body = $crate::api::types::JsonBody;

            fn try_into_http_response_inner(
                self,
            ) -> Result<::http::Response<Self::Body>, ::ruma::api::error::IntoHttpError> {
                $crate::api::types::json_response(::http::StatusCode::OK, &self)
            }
        }
    };
}
pub(crate) use impl_json_response;

/// Our own reading `T` of a request, served on the method and every path of ruma's endpoint
/// `R` (`endpoint::<OnPathsOf<R, T>, _, _>`): for endpoints whose paths ruma knows but whose
/// parsing would answer differently from Synapse (each `T` says why).
pub struct OnPathsOf<R, T>(pub T, PhantomData<fn() -> R>);

/// How `T` reads a request; the path arguments are already percent-decoded.
pub trait FromHttp: Sized {
    fn from_http(req: &http::Request<&[u8]>, args: &[&str]) -> Result<Self, DeserializationError>;
}

impl<R: ruma::api::Metadata, T> ruma::api::Metadata for OnPathsOf<R, T> {
    const METHOD: http::Method = R::METHOD;
    const RATE_LIMITED: bool = R::RATE_LIMITED;
    type Authentication = R::Authentication;
    type PathBuilder = R::PathBuilder;
    const PATH_BUILDER: R::PathBuilder = R::PATH_BUILDER;
}

impl<R: ruma::api::IncomingRequest, T: FromHttp> ruma::api::IncomingRequest for OnPathsOf<R, T> {
    type EndpointError = R::EndpointError;
    /// Not used: the handlers answer with their own response types.
    type OutgoingResponse = R::OutgoingResponse;

    fn try_from_http_request_inner(
        req: http::Request<&[u8]>,
        args: &[&str],
    ) -> Result<Self, DeserializationError> {
        T::from_http(&req, args).map(|t| OnPathsOf(t, PhantomData))
    }
}

impl<R, T> OnPathsOf<R, T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<R, T> Deref for OnPathsOf<R, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
