//! Route registration for end-to-end encryption plumbing: device and one-time keys,
//! cross-signing, to-device messages and room key backup.

use axum::Router;

use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
}
