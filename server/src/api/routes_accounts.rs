//! Route registration for accounts: registration with user-interactive auth, logout,
//! password, deactivation, devices; push rules and presence.

use axum::Router;
use axum::routing::{get, post};

use super::client::{
    deactivate, delete_devices, device, devices, logout, logout_all, password, register,
    register_available,
};
use super::client::{
    presence, push_rule, push_rule_actions, push_rule_enabled, push_rules,
    registration_token_validity,
};
use super::router::{both, endpoint};
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new();
    r = both(r, "/register", post(register::post_register_route));
    r = both(
        r,
        "/register/available",
        get(register_available::get_register_available_route),
    );
    // The spec puts this one under v1 only, as Synapse serves it.
    r = r.route(
        "/_matrix/client/v1/register/m.login.registration_token/validity",
        get(registration_token_validity::get_registration_token_validity_route),
    );
    r = endpoint::<ruma::api::client::session::logout::v3::Request, _, _>(
        r,
        logout::post_logout_route,
    );
    r = endpoint::<ruma::api::client::session::logout_all::v3::Request, _, _>(
        r,
        logout_all::post_logout_all_route,
    );
    r = both(r, "/account/password", post(password::post_password_route));
    r = both(
        r,
        "/account/deactivate",
        post(deactivate::post_deactivate_route),
    );
    r = both(r, "/devices", get(devices::get_devices_route));
    r = both(
        r,
        "/devices/{device_id}",
        get(device::get_device_route)
            .put(device::put_device_route)
            .delete(device::delete_device_route),
    );
    r = both(
        r,
        "/delete_devices",
        post(delete_devices::post_delete_devices_route),
    );
    r = both(r, "/pushrules/", get(push_rules::get_push_rules_route));
    r = both(
        r,
        "/pushrules/global/",
        get(push_rules::get_global_push_rules_route),
    );
    r = both(
        r,
        "/pushrules/global/{kind}/",
        get(push_rules::get_push_rules_of_kind_route),
    );
    r = both(
        r,
        "/pushrules/global/{kind}/{rule_id}",
        get(push_rule::get_push_rule_route)
            .put(push_rule::put_push_rule_route)
            .delete(push_rule::delete_push_rule_route),
    );
    r = both(
        r,
        "/pushrules/global/{kind}/{rule_id}/enabled",
        get(push_rule_enabled::get_push_rule_enabled_route)
            .put(push_rule_enabled::put_push_rule_enabled_route),
    );
    r = both(
        r,
        "/pushrules/global/{kind}/{rule_id}/actions",
        get(push_rule_actions::get_push_rule_actions_route)
            .put(push_rule_actions::put_push_rule_actions_route),
    );
    r = both(
        r,
        "/presence/{user_id}/status",
        get(presence::get_presence_route).put(presence::put_presence_route),
    );
    r
}
