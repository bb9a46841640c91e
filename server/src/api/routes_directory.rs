//! Route registration for the room directory: aliases and the public room list.

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
