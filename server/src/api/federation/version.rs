//! GET /_matrix/federation/v1/version — https://spec.matrix.org/v1.12/server-server-api/#get_matrixfederationv1version

use ruma::api::federation::discovery::get_server_version::v1::{Request, Response, Server};

use crate::api::extract::{Ruma, RumaResponse};

pub async fn get_server_version_route(Ruma(_): Ruma<Request>) -> RumaResponse<Response> {
    let mut server = Server::new();
    server.name = Some("matrixd".to_owned());
    server.version = Some(env!("CARGO_PKG_VERSION").to_owned());
    let mut res = Response::new();
    res.server = Some(server);
    RumaResponse(res)
}
