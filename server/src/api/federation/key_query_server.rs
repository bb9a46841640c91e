//! GET /_matrix/key/v2/query/{serverName} — https://spec.matrix.org/v1.16/server-server-api/#get_matrixkeyv2queryservername
//! One server's keys through us as a notary; unauthenticated, as the spec says. Every key of
//! the server valid until `minimum_valid_until_ts` (ruma makes an absent one "now"), 200 with
//! what we have or could fetch, as Synapse.

use axum::extract::State;
use ruma::api::federation::discovery::get_remote_server_keys::v2::{Request, Response};

use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::federation::Wanted;

pub async fn get_key_query_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<Request>,
) -> RumaResponse<Response> {
    let until = i64::from(req.minimum_valid_until_ts.get());
    let query = vec![(req.server_name.to_string(), Wanted::EveryKey(Some(until)))];
    RumaResponse(Response::new(s.notary_key_query(query).await))
}
