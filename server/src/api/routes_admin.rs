//! Route registration for the Synapse-compatible admin API, OpenID tokens and metrics.

use axum::Router;
use axum::routing::{get, post};

use super::admin::{deactivate, reset_password, server_version, user, user_admin, users};
use super::client::whois;
use super::router::both;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new()
        .route("/_synapse/admin/v1/server_version", get(server_version::get_server_version_route))
        .route("/_synapse/admin/v2/users", get(users::get_users_route))
        .route("/_synapse/admin/v2/users/{user_id}", get(user::get_user_route).put(user::put_user_route))
        .route("/_synapse/admin/v1/deactivate/{user_id}", post(deactivate::post_deactivate_route))
        .route(
            "/_synapse/admin/v1/users/{user_id}/admin",
            get(user_admin::get_user_admin_route).put(user_admin::put_user_admin_route),
        )
        .route("/_synapse/admin/v1/reset_password/{user_id}", post(reset_password::post_reset_password_route))
        .route("/_synapse/admin/v1/whois/{user_id}", get(whois::get_whois_route));
    r = both(r, "/admin/whois/{user_id}", get(whois::get_whois_route));
    r
}
