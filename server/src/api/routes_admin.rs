//! Route registration for the Synapse-compatible admin API, OpenID tokens and metrics.

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
