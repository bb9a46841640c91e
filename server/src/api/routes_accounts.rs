//! Route registration for accounts: registration with user-interactive auth, logout,
//! password, deactivation, devices; push rules and presence.

use axum::Router;
use ruma::api::client::device::{get_device, get_devices, update_device};
use ruma::api::client::presence::get_presence;
use ruma::api::client::push::{
    delete_pushrule, get_pushrule, get_pushrule_actions, get_pushrule_enabled, get_pushrules_all,
    get_pushrules_global_scope,
};

use super::client::{
    deactivate, delete_devices, device, devices, logout, logout_all, password, register,
    register_available,
};
use super::client::{
    presence, push_rule, push_rule_actions, push_rule_enabled, push_rules,
    registration_token_validity,
};
use super::router::endpoint;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new();
    r = endpoint::<register::Request, _, _>(r, register::post_register_route);
    r = endpoint::<register_available::Request, _, _>(
        r,
        register_available::get_register_available_route,
    );
    // The spec puts this one under v1 only, as Synapse serves it.
    r = endpoint::<registration_token_validity::Request, _, _>(
        r,
        registration_token_validity::get_registration_token_validity_route,
    );
    r = endpoint::<ruma::api::client::session::logout::v3::Request, _, _>(
        r,
        logout::post_logout_route,
    );
    r = endpoint::<ruma::api::client::session::logout_all::v3::Request, _, _>(
        r,
        logout_all::post_logout_all_route,
    );
    r = endpoint::<password::Request, _, _>(r, password::post_password_route);
    r = endpoint::<deactivate::Request, _, _>(r, deactivate::post_deactivate_route);
    r = endpoint::<get_devices::v3::Request, _, _>(r, devices::get_devices_route);
    r = endpoint::<get_device::v3::Request, _, _>(r, device::get_device_route);
    r = endpoint::<update_device::v3::Request, _, _>(r, device::put_device_route);
    r = endpoint::<device::delete::Request, _, _>(r, device::delete_device_route);
    r = endpoint::<delete_devices::Request, _, _>(r, delete_devices::post_delete_devices_route);
    r = endpoint::<get_pushrules_all::v3::Request, _, _>(r, push_rules::get_push_rules_route);
    r = endpoint::<get_pushrules_global_scope::v3::Request, _, _>(
        r,
        push_rules::get_global_push_rules_route,
    );
    r = endpoint::<push_rules::of_kind::Request, _, _>(r, push_rules::get_push_rules_of_kind_route);
    r = endpoint::<get_pushrule::v3::Request, _, _>(r, push_rule::get_push_rule_route);
    r = endpoint::<push_rule::put::Request, _, _>(r, push_rule::put_push_rule_route);
    r = endpoint::<delete_pushrule::v3::Request, _, _>(r, push_rule::delete_push_rule_route);
    r = endpoint::<get_pushrule_enabled::v3::Request, _, _>(
        r,
        push_rule_enabled::get_push_rule_enabled_route,
    );
    r = endpoint::<push_rule_enabled::put::Request, _, _>(
        r,
        push_rule_enabled::put_push_rule_enabled_route,
    );
    r = endpoint::<get_pushrule_actions::v3::Request, _, _>(
        r,
        push_rule_actions::get_push_rule_actions_route,
    );
    r = endpoint::<push_rule_actions::put::Request, _, _>(
        r,
        push_rule_actions::put_push_rule_actions_route,
    );
    r = endpoint::<get_presence::v3::Request, _, _>(r, presence::get_presence_route);
    r = endpoint::<presence::put::Request, _, _>(r, presence::put_presence_route);
    r
}
