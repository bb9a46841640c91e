//! Route registration for the media repository. Uploads have no JSON body limit: they are
//! streamed and capped at max_upload_size by the service.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use super::media::{config, create, download, thumbnail, upload};
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let uploads = Router::new()
        .route("/_matrix/media/v3/upload", post(upload::post_upload_route))
        .route("/_matrix/media/r0/upload", post(upload::post_upload_route))
        .route(
            "/_matrix/media/v3/upload/{server_name}/{media_id}",
            put(upload::put_upload_route),
        )
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(uploads)
        .route("/_matrix/media/v1/create", post(create::create_media_route))
        .route(
            "/_matrix/client/v1/media/config",
            get(config::get_media_config_route),
        )
        .route(
            "/_matrix/media/v3/config",
            get(config::get_media_config_route),
        )
        .route(
            "/_matrix/media/r0/config",
            get(config::get_media_config_route),
        )
        .route(
            "/_matrix/client/v1/media/download/{server_name}/{media_id}",
            get(download::get_download_route),
        )
        .route(
            "/_matrix/client/v1/media/download/{server_name}/{media_id}/{file_name}",
            get(download::get_download_named_route),
        )
        .route(
            "/_matrix/media/v3/download/{server_name}/{media_id}",
            get(download::get_legacy_download_route),
        )
        .route(
            "/_matrix/media/v3/download/{server_name}/{media_id}/{file_name}",
            get(download::get_legacy_download_named_route),
        )
        .route(
            "/_matrix/media/r0/download/{server_name}/{media_id}",
            get(download::get_legacy_download_route),
        )
        .route(
            "/_matrix/media/r0/download/{server_name}/{media_id}/{file_name}",
            get(download::get_legacy_download_named_route),
        )
        .route(
            "/_matrix/client/v1/media/thumbnail/{server_name}/{media_id}",
            get(thumbnail::get_thumbnail_route),
        )
        .route(
            "/_matrix/media/v3/thumbnail/{server_name}/{media_id}",
            get(thumbnail::get_legacy_thumbnail_route),
        )
        .route(
            "/_matrix/media/r0/thumbnail/{server_name}/{media_id}",
            get(thumbnail::get_legacy_thumbnail_route),
        )
}
