//! Route registration for accounts: registration with user-interactive auth, logout,
//! password, deactivation, devices; push rules and presence.

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
