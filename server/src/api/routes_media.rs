//! Route registration for the media repository, each on the paths of its ruma endpoint.
//! Uploads have no JSON body limit: they are streamed and capped at max_upload_size by the
//! service.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use ruma::api::client::authenticated_media::{
    get_content, get_content_as_filename, get_content_thumbnail, get_media_config,
};
#[allow(deprecated)]
use ruma::api::client::media::{
    create_content, create_content_async, create_mxc_uri, get_content as legacy_get_content,
    get_content_as_filename as legacy_get_content_as_filename,
    get_content_thumbnail as legacy_get_content_thumbnail,
    get_media_config as legacy_get_media_config,
};

use super::media::{MediaGet, config, create, download, thumbnail, upload};
use super::router::endpoint;
use crate::service::SharedServices;

#[allow(deprecated)]
pub fn routes() -> Router<SharedServices> {
    let mut uploads = Router::new();
    uploads = endpoint::<create_content::v3::Request, _, _>(uploads, upload::post_upload_route);
    uploads =
        endpoint::<create_content_async::v3::Request, _, _>(uploads, upload::put_upload_route);
    let uploads = uploads.layer(DefaultBodyLimit::disable());
    let mut r = Router::new().merge(uploads);
    r = endpoint::<create_mxc_uri::v1::Request, _, _>(r, create::create_media_route);
    r = endpoint::<get_media_config::v1::Request, _, _>(r, config::get_media_config_route);
    r = endpoint::<legacy_get_media_config::v3::Request, _, _>(
        r,
        config::get_legacy_media_config_route,
    );
    r = endpoint::<MediaGet<get_content::v1::Request>, _, _>(r, download::get_download_route);
    r = endpoint::<MediaGet<get_content_as_filename::v1::Request>, _, _>(
        r,
        download::get_download_named_route,
    );
    r = endpoint::<MediaGet<legacy_get_content::v3::Request>, _, _>(
        r,
        download::get_legacy_download_route,
    );
    r = endpoint::<MediaGet<legacy_get_content_as_filename::v3::Request>, _, _>(
        r,
        download::get_legacy_download_named_route,
    );
    r = endpoint::<MediaGet<get_content_thumbnail::v1::Request>, _, _>(
        r,
        thumbnail::get_thumbnail_route,
    );
    r = endpoint::<MediaGet<legacy_get_content_thumbnail::v3::Request>, _, _>(
        r,
        thumbnail::get_legacy_thumbnail_route,
    );
    r
}
