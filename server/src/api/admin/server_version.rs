//! GET /_synapse/admin/v1/server_version — https://element-hq.github.io/synapse/latest/admin_api/version_api.html
//! (no authentication, as in Synapse).

use ruma::api::auth_scheme::NoAuthentication;
use ruma::api::metadata;
use serde::Serialize;

use crate::api::extract::{Ruma, RumaResponse};
use crate::api::types::{impl_incoming_request, impl_json_response};

metadata! {
    method: GET,
    rate_limited: false,
    authentication: NoAuthentication,
    path: "/_synapse/admin/v1/server_version",
}

pub struct Request {}

impl_incoming_request!(|req, args| Ok(Request {}));

#[derive(Serialize)]
pub struct Response {
    pub server_version: &'static str,
}

impl_json_response!();

pub async fn get_server_version_route(Ruma(_): Ruma<Request>) -> RumaResponse<Response> {
    RumaResponse(Response {
        server_version: env!("CARGO_PKG_VERSION"),
    })
}
