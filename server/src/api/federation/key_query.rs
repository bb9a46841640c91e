//! POST /_matrix/key/v2/query — https://spec.matrix.org/v1.16/server-server-api/#post_matrixkeyv2query
//! Other servers' keys through us as a notary; unauthenticated, as the spec says. Answers 200
//! with what we have or could fetch (a server we cannot reach yields nothing), as Synapse.

use std::collections::BTreeMap;

use axum::extract::State;
use ruma::api::error::DeserializationError;
use ruma::api::federation::discovery::get_remote_server_keys_batch::v2 as batch;
use serde::Deserialize;

use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{FromHttp, OnPathsOf, json_body};
use crate::service::SharedServices;
use crate::service::federation::Wanted;

/// The request on ruma's method and path.
pub type Request = OnPathsOf<batch::Request, Query>;

/// The keys of the notary's answer, with their signatures: ruma's.
pub use batch::Response;

/// Ours rather than ruma's request: ruma parses every server name and key id, so one bad name
/// would refuse the whole query; Synapse skips it and answers for the others, and so does the
/// service.
#[derive(Deserialize)]
pub struct Query {
    /// Server name → key id → criteria; no key ids asks for every key of the server.
    pub server_keys: BTreeMap<String, BTreeMap<String, Criteria>>,
}

#[derive(Deserialize)]
pub struct Criteria {
    /// The key must stay valid until then (ms); absent: now.
    #[serde(default)]
    pub minimum_valid_until_ts: Option<i64>,
}

impl FromHttp for Query {
    fn from_http(req: &http::Request<&[u8]>, _: &[&str]) -> Result<Self, DeserializationError> {
        json_body(req)
    }
}

pub async fn post_key_query_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<Request>,
) -> RumaResponse<Response> {
    let query = req
        .into_inner()
        .server_keys
        .into_iter()
        .map(|(server, keys)| {
            let wanted = if keys.is_empty() {
                Wanted::EveryKey(None)
            } else {
                Wanted::Keys(
                    keys.into_iter()
                        .map(|(id, c)| (id, c.minimum_valid_until_ts))
                        .collect(),
                )
            };
            (server, wanted)
        })
        .collect();
    RumaResponse(Response::new(s.notary_key_query(query).await))
}
