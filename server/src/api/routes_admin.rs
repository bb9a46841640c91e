//! Route registration for the Synapse-compatible admin API, OpenID tokens and metrics.

use axum::Router;

use super::admin::{
    deactivate, registration_token, registration_token_new, registration_tokens, reset_password,
    server_version, user, user_admin, users,
};
use super::admin::{room, room_delete_status, room_delete_v2, room_members, rooms};
use super::client::{openid_request_token, whois};
use super::federation::openid_userinfo;
use super::router::endpoint;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new();
    // Our own endpoint types (ruma has none for Synapse's admin API): each path and method is
    // in the type's metadata, beside its handler.
    r = endpoint::<server_version::Request, _, _>(r, server_version::get_server_version_route);
    r = endpoint::<users::Request, _, _>(r, users::get_users_route);
    r = endpoint::<user::get::Request, _, _>(r, user::get_user_route);
    r = endpoint::<user::put::Request, _, _>(r, user::put_user_route);
    r = endpoint::<deactivate::Request, _, _>(r, deactivate::post_deactivate_route);
    r = endpoint::<user_admin::get::Request, _, _>(r, user_admin::get_user_admin_route);
    r = endpoint::<user_admin::put::Request, _, _>(r, user_admin::put_user_admin_route);
    r = endpoint::<reset_password::Request, _, _>(r, reset_password::post_reset_password_route);
    r = endpoint::<registration_tokens::Request, _, _>(
        r,
        registration_tokens::get_registration_tokens_route,
    );
    r = endpoint::<registration_token_new::Request, _, _>(
        r,
        registration_token_new::post_new_registration_token_route,
    );
    r = endpoint::<registration_token::get::Request, _, _>(
        r,
        registration_token::get_registration_token_route,
    );
    r = endpoint::<registration_token::put::Request, _, _>(
        r,
        registration_token::put_registration_token_route,
    );
    r = endpoint::<registration_token::delete::Request, _, _>(
        r,
        registration_token::delete_registration_token_route,
    );
    r = endpoint::<rooms::Request, _, _>(r, rooms::get_rooms_route);
    r = endpoint::<room::get::Request, _, _>(r, room::get_room_route);
    r = endpoint::<room::delete::Request, _, _>(r, room::delete_room_route);
    r = endpoint::<room_members::Request, _, _>(r, room_members::get_room_members_route);
    r = endpoint::<room_delete_v2::Request, _, _>(r, room_delete_v2::delete_room_v2_route);
    r = endpoint::<room_delete_status::by_room::Request, _, _>(
        r,
        room_delete_status::get_room_delete_status_route,
    );
    r = endpoint::<room_delete_status::by_id::Request, _, _>(
        r,
        room_delete_status::get_delete_status_route,
    );
    // whois is the client API's endpoint (api/client/whois.rs), also on Synapse's admin path.
    r = endpoint::<whois::get_user_info::Request, _, _>(r, whois::get_whois_route);
    r = endpoint::<whois::synapse_whois::Request, _, _>(r, whois::get_synapse_whois_route);
    r = endpoint::<openid_request_token::request_openid_token::Request, _, _>(
        r,
        openid_request_token::post_openid_request_token_route,
    );
    r
}

/// `/openid/userinfo`, on listeners with the federation or the openid resource.
pub fn openid_routes() -> Router<SharedServices> {
    endpoint::<openid_userinfo::get_openid_userinfo::Request, _, _>(
        Router::new(),
        openid_userinfo::get_openid_userinfo_route,
    )
}
