//! Route registration for the Synapse-compatible admin API, OpenID tokens and metrics.

use axum::Router;
use axum::routing::{delete, get, post};

use super::admin::{
    deactivate, registration_token, registration_token_new, registration_tokens, reset_password,
    server_version, user, user_admin, users,
};
use super::admin::{room, room_delete_status, room_delete_v2, room_members, rooms};
use super::client::{openid_request_token, whois};
use super::federation::openid_userinfo;
use super::router::both;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new()
        .route(
            "/_synapse/admin/v1/server_version",
            get(server_version::get_server_version_route),
        )
        .route("/_synapse/admin/v2/users", get(users::get_users_route))
        .route(
            "/_synapse/admin/v2/users/{user_id}",
            get(user::get_user_route).put(user::put_user_route),
        )
        .route(
            "/_synapse/admin/v1/deactivate/{user_id}",
            post(deactivate::post_deactivate_route),
        )
        .route(
            "/_synapse/admin/v1/users/{user_id}/admin",
            get(user_admin::get_user_admin_route).put(user_admin::put_user_admin_route),
        )
        .route(
            "/_synapse/admin/v1/reset_password/{user_id}",
            post(reset_password::post_reset_password_route),
        )
        .route(
            "/_synapse/admin/v1/whois/{user_id}",
            get(whois::get_whois_route),
        )
        .route(
            "/_synapse/admin/v1/registration_tokens",
            get(registration_tokens::get_registration_tokens_route),
        )
        .route(
            "/_synapse/admin/v1/registration_tokens/new",
            post(registration_token_new::post_new_registration_token_route),
        )
        .route(
            "/_synapse/admin/v1/registration_tokens/{token}",
            get(registration_token::get_registration_token_route)
                .put(registration_token::put_registration_token_route)
                .delete(registration_token::delete_registration_token_route),
        )
        .route("/_synapse/admin/v1/rooms", get(rooms::get_rooms_route))
        .route(
            "/_synapse/admin/v1/rooms/{room_id}",
            get(room::get_room_route).delete(room::delete_room_route),
        )
        .route(
            "/_synapse/admin/v1/rooms/{room_id}/members",
            get(room_members::get_room_members_route),
        )
        .route(
            "/_synapse/admin/v2/rooms/{room_id}",
            delete(room_delete_v2::delete_room_v2_route),
        )
        .route(
            "/_synapse/admin/v2/rooms/{room_id}/delete_status",
            get(room_delete_status::get_room_delete_status_route),
        )
        .route(
            "/_synapse/admin/v2/rooms/delete_status/{delete_id}",
            get(room_delete_status::get_delete_status_route),
        );
    r = both(r, "/admin/whois/{user_id}", get(whois::get_whois_route));
    r = both(
        r,
        "/user/{user_id}/openid/request_token",
        post(openid_request_token::post_openid_request_token_route),
    );
    r
}

/// `/openid/userinfo`, on listeners with the federation or the openid resource.
pub fn openid_routes() -> Router<SharedServices> {
    Router::new().route(
        "/_matrix/federation/v1/openid/userinfo",
        get(openid_userinfo::get_openid_userinfo_route),
    )
}
