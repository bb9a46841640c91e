//! Route registration for URL previews and email (3PID and password reset).

use axum::Router;
use axum::routing::{get, post};

use super::client::{
    add_threepid_submit_token, password_email_request_token, password_reset_submit_token,
    threepid_add, threepid_email_request_token, threepids,
};
use super::media::preview_url;
use super::router::both;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new()
        .route(
            "/_matrix/client/v1/media/preview_url",
            get(preview_url::get_preview_url_route),
        )
        .route(
            "/_matrix/media/v3/preview_url",
            get(preview_url::get_preview_url_route),
        )
        .route(
            "/_matrix/media/r0/preview_url",
            get(preview_url::get_preview_url_route),
        )
        .route(
            "/_matrix/media/v1/preview_url",
            get(preview_url::get_preview_url_route),
        )
        .route(
            "/_matrix/client/unstable/add_threepid/email/submit_token",
            get(add_threepid_submit_token::get_add_threepid_submit_token_route),
        )
        .route(
            "/_synapse/client/password_reset/email/submit_token",
            get(password_reset_submit_token::get_password_reset_submit_token_route)
                .post(password_reset_submit_token::post_password_reset_submit_token_route),
        );
    r = both(
        r,
        "/account/3pid/email/requestToken",
        post(threepid_email_request_token::post_threepid_email_request_token_route),
    );
    r = both(
        r,
        "/account/password/email/requestToken",
        post(password_email_request_token::post_password_email_request_token_route),
    );
    r = both(
        r,
        "/account/3pid/add",
        post(threepid_add::post_threepid_add_route),
    );
    r = both(r, "/account/3pid", get(threepids::get_threepids_route));
    r
}
