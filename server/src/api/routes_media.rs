//! Route registration for the media repository.

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
