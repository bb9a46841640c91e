//! GET /_matrix/client/*/sync — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3sync
//! The filters it names live in `filter.rs`.

use std::time::Duration;

use axum::extract::State;
use axum::response::IntoResponse;
use ruma::api::auth_scheme::AccessToken;
use ruma::api::client::filter::FilterDefinition;
use ruma::api::error::DeserializationError;
use ruma::api::metadata;
use serde::Serialize;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, uint_value};
use crate::api::types::{impl_incoming_request, impl_json_response, query};
use crate::service::SharedServices;
use crate::service::sync::{SyncFilter, SyncRequest, SyncResponse, Token};

/// Synapse caps long-polls; clients usually ask for 30 s.
const MAX_TIMEOUT: Duration = Duration::from_secs(180);

metadata! {
    method: GET,
    rate_limited: false,
    authentication: AccessToken,
    history: {
        1.0 => "/_matrix/client/r0/sync",
        1.1 => "/_matrix/client/v3/sync",
    }
}

/// The sync request. ruma's own type reads an inline filter that is not JSON as a bad query
/// parameter (M_INVALID_PARAM); Synapse answers M_NOT_JSON, and a filter that is JSON but not
/// a filter M_BAD_JSON, which the typed filter here gives through the extractor.
pub struct Request {
    pub filter: Option<Filter>,
    pub since: Option<String>,
    pub full_state: Option<String>,
    pub timeout: Option<String>,
}

/// A filter given inline, or the id of one stored with POST /user/{userId}/filter.
pub enum Filter {
    Definition(Box<FilterDefinition>),
    Id(String),
}

impl_incoming_request!(|req, args| {
    let mut q = query(&req);
    let filter = match q.remove("filter") {
        Some(f) if f.trim_start().starts_with('{') => Some(Filter::Definition(
            serde_json::from_str(&f).map_err(DeserializationError::Json)?,
        )),
        Some(id) => Some(Filter::Id(id)),
        None => None,
    };
    Ok(Request {
        filter,
        since: q.remove("since"),
        full_state: q.remove("full_state"),
        timeout: q.remove("timeout"),
    })
});

/// The sync response, in Synapse's shape (see `SyncResponse`).
#[derive(Serialize)]
#[serde(transparent)]
pub struct Response(SyncResponse);

impl_json_response!();

pub async fn sync_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<Request>,
) -> Result<axum::response::Response, ApiError> {
    let since = match req.since.as_deref() {
        Some(s) => {
            Some(Token::parse(s).ok_or_else(|| ApiError::invalid_param("Invalid since token"))?)
        }
        None => None,
    };
    let timeout = uint_value("timeout", req.timeout.as_deref())?.unwrap_or(0);
    let timeout = Duration::from_millis(timeout).min(MAX_TIMEOUT);
    let full_state = req.full_state.as_deref() == Some("true");
    let filter = match req.filter {
        None => SyncFilter::default(),
        Some(Filter::Definition(def)) => SyncFilter::from_json(
            &serde_json::to_value(&def).map_err(|e| ApiError::bad_json(e.to_string()))?,
        ),
        Some(Filter::Id(id)) => {
            let id: i64 = id
                .parse()
                .map_err(|_| ApiError::invalid_param("Invalid filter id"))?;
            let filter = services
                .filter(&auth.user_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("No such filter"))?;
            SyncFilter::from_json(&filter)
        }
    };
    let req = SyncRequest {
        since,
        timeout,
        full_state,
        filter,
    };
    let body = services.sync(&auth.user_id, &auth.device_id, &req).await?;
    // Serialised here, so the objects the answer was built from are freed before a large
    // answer gives their heap back.
    let response = RumaResponse(Response(body)).into_response();
    if axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some_and(|n| n >= TRIM_AFTER_BYTES)
    {
        crate::memory::after_large_response();
    }
    Ok(response)
}

/// Answers at least this large (an initial sync of a user in a few hundred rooms) are
/// followed by returning the freed heap to the kernel.
const TRIM_AFTER_BYTES: u64 = 1 << 20;
