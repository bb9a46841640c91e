//! Route registration for URL previews and email (3PID and password reset).

use axum::Router;
use axum::routing::get;
use ruma::api::client::account::get_3pids;
use ruma::api::client::authenticated_media::get_media_preview;
#[allow(deprecated)]
use ruma::api::client::media::get_media_preview as legacy_get_media_preview;

use super::client::{
    add_threepid_submit_token, password_email_request_token, password_reset_submit_token,
    threepid_add, threepid_email_request_token, threepids,
};
use super::media::preview_url::{self, PreviewRequest};
use super::router::endpoint;
use crate::service::SharedServices;

#[allow(deprecated)]
pub fn routes() -> Router<SharedServices> {
    type Preview = PreviewRequest<get_media_preview::v1::Request>;
    type LegacyPreview = PreviewRequest<legacy_get_media_preview::v3::Request>;
    let mut r = Router::new();
    r = endpoint::<Preview, _, _>(
        r,
        preview_url::get_preview_url_route::<get_media_preview::v1::Request>,
    );
    r = endpoint::<LegacyPreview, _, _>(
        r,
        preview_url::get_preview_url_route::<legacy_get_media_preview::v3::Request>,
    );
    // Synapse also serves the legacy preview on /_matrix/media/v1, which is not in ruma's
    // history of the endpoint.
    r = r.route(
        "/_matrix/media/v1/preview_url",
        get(preview_url::get_preview_url_route::<legacy_get_media_preview::v3::Request>),
    );
    // The pages the mailed links land on answer HTML (and the reset form posts a url-encoded
    // body), not Matrix JSON: they stay plain handlers on Synapse's literal paths.
    r = r
        .route(
            "/_matrix/client/unstable/add_threepid/email/submit_token",
            get(add_threepid_submit_token::get_add_threepid_submit_token_route),
        )
        .route(
            "/_synapse/client/password_reset/email/submit_token",
            get(password_reset_submit_token::get_password_reset_submit_token_route)
                .post(password_reset_submit_token::post_password_reset_submit_token_route),
        );
    r = endpoint::<threepid_email_request_token::Request, _, _>(
        r,
        threepid_email_request_token::post_threepid_email_request_token_route,
    );
    r = endpoint::<password_email_request_token::Request, _, _>(
        r,
        password_email_request_token::post_password_email_request_token_route,
    );
    r = endpoint::<threepid_add::Request, _, _>(r, threepid_add::post_threepid_add_route);
    r = endpoint::<get_3pids::v3::Request, _, _>(r, threepids::get_threepids_route);
    r
}
