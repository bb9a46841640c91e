//! Route registration for URL previews and email (3PID and password reset).

use axum::Router;
use axum::routing::get;

use super::media::preview_url;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    Router::new()
        .route("/_matrix/client/v1/media/preview_url", get(preview_url::get_preview_url_route))
        .route("/_matrix/media/v3/preview_url", get(preview_url::get_preview_url_route))
        .route("/_matrix/media/r0/preview_url", get(preview_url::get_preview_url_route))
        .route("/_matrix/media/v1/preview_url", get(preview_url::get_preview_url_route))
}
