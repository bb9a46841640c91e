//! Route registration for URL previews and email (3PID and password reset).

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
