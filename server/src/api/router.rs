//! All route registration, grouped by the listener resource that serves it (client,
//! federation, keys, health), plus the layers every response passes through: CORS headers,
//! OPTIONS preflight, the JSON body limit, tracing, and panic-to-500.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::error::ApiError;
use super::extract::JSON_BODY_LIMIT;
use super::{admin, client, federation, health, well_known};
use crate::config::Resource;
use crate::service::SharedServices;

/// Discovery, login and the shared-secret registration, then every group below.
fn client_routes() -> Router<SharedServices> {
    use ruma::api::client::discovery::{discover_homeserver, get_supported_versions};
    use ruma::api::client::session::{get_login_types, login, refresh_token};
    let mut r = Router::new();
    r = endpoint::<discover_homeserver::Request, _, _>(r, well_known::get_client_well_known_route);
    r = endpoint::<get_supported_versions::Request, _, _>(r, client::versions::get_versions_route);
    r = endpoint::<get_login_types::v3::Request, _, _>(r, client::login::get_login_types_route);
    r = endpoint::<login::v3::Request, _, _>(r, client::login::post_login_route);
    r = endpoint::<refresh_token::v3::Request, _, _>(r, client::refresh::post_refresh_route);
    // Synapse serves /refresh on r0 and on the plain unstable prefix too, which ruma's
    // history of it (v3, and MSC2918's unstable prefix) leaves out.
    for path in [
        "/_matrix/client/r0/refresh",
        "/_matrix/client/unstable/refresh",
    ] {
        r = r.route(
            path,
            axum::routing::post(client::refresh::post_refresh_route),
        );
    }
    r = endpoint::<ruma::api::client::account::whoami::v3::Request, _, _>(
        r,
        client::whoami::get_whoami_route,
    );
    r = endpoint::<admin::register::get::Request, _, _>(
        r,
        admin::register::get_register_nonce_route,
    );
    r = endpoint::<admin::register::post::Request, _, _>(r, admin::register::post_register_route);
    r.merge(room_routes())
        .merge(account_routes())
        .merge(directory_routes())
        .merge(e2ee_routes())
        .merge(media_routes())
        .merge(admin_routes())
        .merge(preview_and_email_routes())
}

/// Registers `handler` for the ruma endpoint `R`: its method, on every path of its history
/// (r0, v3, v1, unstable), read from ruma's metadata rather than written here.
pub(super) fn endpoint<R, H, T>(mut r: Router<SharedServices>, handler: H) -> Router<SharedServices>
where
    R: ruma::api::Metadata,
    H: axum::handler::Handler<T, SharedServices>,
    T: 'static,
{
    use ruma::api::path_builder::PathBuilder as _;
    let filter = axum::routing::MethodFilter::try_from(R::METHOD).expect("a routable method");
    let method = axum::routing::on(filter, handler);
    let mut seen = RUMA_PATHS.lock().expect("ruma paths");
    for path in R::PATH_BUILDER.all_paths() {
        seen.insert(path);
        r = r.route(path, method.clone());
    }
    r
}

/// Every path registered through `endpoint`, for tests that visit every route.
static RUMA_PATHS: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// The paths of the ruma endpoints the client router (and /openid/userinfo) serves (string
/// paths registered otherwise are literals in this file).
pub fn ruma_route_paths() -> Vec<&'static str> {
    drop(client_routes());
    drop(openid_routes());
    RUMA_PATHS
        .lock()
        .expect("ruma paths")
        .iter()
        .copied()
        .collect()
}

fn room_routes() -> Router<SharedServices> {
    use client::rooms::{create, events, membership, messages, relations, send, state};
    use client::{account_data, capabilities, ephemeral, filter, profile, sync, tags};
    use ruma::api::client::config::{
        get_global_account_data, get_room_account_data, set_global_account_data,
        set_room_account_data,
    };
    use ruma::api::client::context::get_context;
    use ruma::api::client::discovery::get_capabilities;
    use ruma::api::client::membership::{
        ban_user, forget_room, get_member_events, join_room_by_id, join_room_by_id_or_alias,
        joined_members, joined_rooms, kick_user, leave_room, unban_user,
    };
    use ruma::api::client::message::{get_message_events, send_message_event};
    use ruma::api::client::profile::get_profile;
    use ruma::api::client::push::get_notifications;
    use ruma::api::client::redact::redact_event;
    use ruma::api::client::relations::{
        get_relating_events, get_relating_events_with_rel_type,
        get_relating_events_with_rel_type_and_event_type,
    };
    use ruma::api::client::room::get_room_event;
    use ruma::api::client::state::{get_state_event_for_key, get_state_events, send_state_event};
    use ruma::api::client::thirdparty::get_protocols;
    use ruma::api::client::voip::get_turn_server_info;
    let mut r = Router::new();
    r = endpoint::<get_capabilities::v3::Request, _, _>(r, capabilities::get_capabilities_route);
    r = endpoint::<ruma::api::client::room::create_room::v3::Request, _, _>(
        r,
        create::create_room_route,
    );
    r = endpoint::<join_room_by_id_or_alias::v3::Request, _, _>(
        r,
        membership::join_by_id_or_alias_route,
    );
    r = endpoint::<join_room_by_id::v3::Request, _, _>(r, membership::join_by_id_route);
    r = endpoint::<ruma::api::client::knock::knock_room::v3::Request, _, _>(
        r,
        membership::knock_route,
    );
    r = endpoint::<membership::invite_user::Request, _, _>(r, membership::invite_route);
    r = endpoint::<leave_room::v3::Request, _, _>(r, membership::leave_route);
    r = endpoint::<kick_user::v3::Request, _, _>(r, membership::kick_route);
    r = endpoint::<ban_user::v3::Request, _, _>(r, membership::ban_route);
    r = endpoint::<unban_user::v3::Request, _, _>(r, membership::unban_route);
    r = endpoint::<forget_room::v3::Request, _, _>(r, membership::forget_route);
    r = endpoint::<joined_rooms::v3::Request, _, _>(r, membership::joined_rooms_route);
    r = endpoint::<get_member_events::v3::Request, _, _>(r, membership::members_route);
    r = endpoint::<joined_members::v3::Request, _, _>(r, membership::joined_members_route);
    // Reporting content, rooms and users to the server's administrators.
    r = endpoint::<ruma::api::client::room::report_content::v3::Request, _, _>(
        r,
        client::report::report_event_route,
    );
    r = endpoint::<ruma::api::client::room::report_room::v3::Request, _, _>(
        r,
        client::report::report_room_route,
    );
    r = endpoint::<ruma::api::client::reporting::report_user::v3::Request, _, _>(
        r,
        client::report::report_user_route,
    );
    // Spaces and room previews.
    r = endpoint::<ruma::api::client::space::get_hierarchy::v1::Request, _, _>(
        r,
        client::hierarchy::get_hierarchy_route,
    );
    r = endpoint::<ruma::api::client::room::get_summary::v1::Request, _, _>(
        r,
        client::room_summary::get_room_summary_route,
    );
    r = endpoint::<send_message_event::v3::Request, _, _>(r, send::send_route);
    r = endpoint::<redact_event::v3::Request, _, _>(r, send::redact_route);
    r = endpoint::<get_state_events::v3::Request, _, _>(r, state::get_state_route);
    r = endpoint::<get_state_event_for_key::v3::Request, _, _>(r, state::get_state_event_route);
    r = endpoint::<send_state_event::v3::Request, _, _>(r, state::put_state_event_route);
    // The empty state key, with or without the trailing slash: ruma's types read both, but a
    // router cannot match an empty `{state_key}` segment, so those paths are written out.
    for path in [
        "/_matrix/client/v3/rooms/{room_id}/state/{event_type}",
        "/_matrix/client/v3/rooms/{room_id}/state/{event_type}/",
        "/_matrix/client/r0/rooms/{room_id}/state/{event_type}",
        "/_matrix/client/r0/rooms/{room_id}/state/{event_type}/",
    ] {
        r = r.route(
            path,
            get(state::get_state_event_route).put(state::put_state_event_route),
        );
    }
    r = endpoint::<get_room_event::v3::Request, _, _>(r, events::get_event_route);
    r = endpoint::<get_context::v3::Request, _, _>(r, events::get_context_route);
    r = endpoint::<get_message_events::v3::Request, _, _>(r, messages::get_messages_route);
    r = endpoint::<get_relating_events::v1::Request, _, _>(r, relations::get_relations_route);
    r = endpoint::<get_relating_events_with_rel_type::v1::Request, _, _>(
        r,
        relations::get_relations_by_type_route,
    );
    r = endpoint::<get_relating_events_with_rel_type_and_event_type::v1::Request, _, _>(
        r,
        relations::get_relations_by_type_and_kind_route,
    );
    r = endpoint::<sync::Request, _, _>(r, sync::sync_route);
    r = endpoint::<client::sliding_sync::Request, _, _>(
        r,
        client::sliding_sync::sliding_sync_route,
    );
    r = endpoint::<get_notifications::v3::Request, _, _>(
        r,
        client::notifications::get_notifications_route,
    );
    r = endpoint::<filter::create_filter::Request, _, _>(r, filter::create_filter_route);
    r = endpoint::<filter::get_filter::Request, _, _>(r, filter::get_filter_route);
    r = endpoint::<ephemeral::create_typing_event::Request, _, _>(r, ephemeral::typing_route);
    r = endpoint::<ruma::api::client::receipt::create_receipt::v3::Request, _, _>(
        r,
        ephemeral::receipt_route,
    );
    r = endpoint::<ruma::api::client::read_marker::set_read_marker::v3::Request, _, _>(
        r,
        ephemeral::read_markers_route,
    );
    r = endpoint::<get_global_account_data::v3::Request, _, _>(r, account_data::get_global_route);
    r = endpoint::<set_global_account_data::v3::Request, _, _>(r, account_data::put_global_route);
    r = endpoint::<get_room_account_data::v3::Request, _, _>(r, account_data::get_room_route);
    r = endpoint::<set_room_account_data::v3::Request, _, _>(r, account_data::put_room_route);
    r = endpoint::<get_turn_server_info::v3::Request, _, _>(r, client::voip::get_turn_server_route);
    r = endpoint::<tags::get_tags::Request, _, _>(r, tags::get_tags_route);
    r = endpoint::<tags::create_tag::Request, _, _>(r, tags::put_tag_route);
    r = endpoint::<tags::delete_tag::Request, _, _>(r, tags::delete_tag_route);
    r = endpoint::<ruma::api::client::user_directory::search_users::v3::Request, _, _>(
        r,
        client::user_directory::search_user_directory_route,
    );
    r = endpoint::<get_protocols::v3::Request, _, _>(r, client::thirdparty::get_protocols_route);
    r = endpoint::<get_profile::v3::Request, _, _>(r, profile::get_profile_route);
    r = endpoint::<profile::get_profile_field::Request, _, _>(r, profile::get_profile_field_route);
    r = endpoint::<profile::set_profile_field::Request, _, _>(r, profile::put_profile_field_route);
    r
}

/// Accounts: registration with user-interactive auth, logout,
/// password, deactivation, devices; push rules, pushers and presence.
fn account_routes() -> Router<SharedServices> {
    use super::client::{
        deactivate, delete_devices, device, devices, logout, logout_all, password, register,
        register_available,
    };
    use super::client::{
        presence, push_rule, push_rule_actions, push_rule_enabled, push_rules, pushers,
        registration_token_validity,
    };
    use ruma::api::client::device::{get_device, get_devices, update_device};
    use ruma::api::client::presence::get_presence;
    use ruma::api::client::push::{
        delete_pushrule, get_pushers, get_pushrule, get_pushrule_actions, get_pushrule_enabled,
        get_pushrules_all, get_pushrules_global_scope, set_pusher,
    };
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
    r = endpoint::<get_pushers::v3::Request, _, _>(r, pushers::get_pushers_route);
    r = endpoint::<set_pusher::v3::Request, _, _>(r, pushers::set_pusher_route);
    r = endpoint::<get_presence::v3::Request, _, _>(r, presence::get_presence_route);
    r = endpoint::<presence::put::Request, _, _>(r, presence::put_presence_route);
    r
}

/// The room directory: aliases and the public room list.
fn directory_routes() -> Router<SharedServices> {
    use super::client::directory::{aliases, public_rooms};
    use ruma::api::client::alias::{create_alias, delete_alias, get_alias};
    use ruma::api::client::directory::{
        get_public_rooms, get_public_rooms_filtered, get_room_visibility,
    };
    use ruma::api::client::room::aliases as room_aliases;
    let mut r = Router::new();
    r = endpoint::<create_alias::v3::Request, _, _>(r, aliases::put_alias_route);
    r = endpoint::<get_alias::v3::Request, _, _>(r, aliases::get_alias_route);
    r = endpoint::<delete_alias::v3::Request, _, _>(r, aliases::delete_alias_route);
    r = endpoint::<room_aliases::v3::Request, _, _>(r, aliases::get_room_aliases_route);
    r = endpoint::<get_room_visibility::v3::Request, _, _>(r, public_rooms::get_visibility_route);
    r = endpoint::<public_rooms::set_room_visibility::Request, _, _>(
        r,
        public_rooms::put_visibility_route,
    );
    r = endpoint::<get_public_rooms::v3::Request, _, _>(r, public_rooms::get_public_rooms_route);
    r = endpoint::<get_public_rooms_filtered::v3::Request, _, _>(
        r,
        public_rooms::post_public_rooms_route,
    );
    r
}

/// End-to-end encryption plumbing: device and one-time keys,
/// cross-signing, to-device messages and room key backup.
fn e2ee_routes() -> Router<SharedServices> {
    use super::client::keys::{
        changes, claim, device_signing_upload, query, send_to_device, signatures_upload, upload,
    };
    use ruma::api::client::keys::upload_keys;
    use ruma::api::client::to_device::send_event_to_device;
    let mut r = Router::new();
    r = endpoint::<upload_keys::v3::Request, _, _>(r, upload::post_keys_upload_route);
    r = endpoint::<query::get_keys::Request, _, _>(r, query::post_keys_query_route);
    r = endpoint::<claim::claim_keys::Request, _, _>(r, claim::post_keys_claim_route);
    r = endpoint::<changes::get_key_changes::Request, _, _>(r, changes::get_keys_changes_route);
    r = endpoint::<signatures_upload::upload_signatures::Request, _, _>(
        r,
        signatures_upload::post_signatures_upload_route,
    );
    r = endpoint::<send_event_to_device::v3::Request, _, _>(
        r,
        send_to_device::put_send_to_device_route,
    );
    r = endpoint::<device_signing_upload::upload_signing_keys::Request, _, _>(
        r,
        device_signing_upload::post_device_signing_upload_route,
    );
    r = backup_routes(r);
    r
}

/// Room key backup: versions and the keys in them.
fn backup_routes(mut r: Router<SharedServices>) -> Router<SharedServices> {
    use super::client::keys::{room_keys_keys, room_keys_version, room_keys_version_id};
    use axum::routing::{post, put};
    use ruma::api::client::backup::{
        add_backup_keys, add_backup_keys_for_room, add_backup_keys_for_session,
        create_backup_version, delete_backup_keys, delete_backup_keys_for_room,
        delete_backup_keys_for_session, delete_backup_version, get_backup_info, get_backup_keys,
        get_backup_keys_for_room, get_backup_keys_for_session, get_latest_backup_info,
        update_backup_version,
    };
    r = endpoint::<create_backup_version::v3::Request, _, _>(
        r,
        room_keys_version::post_room_keys_version_route,
    );
    r = endpoint::<get_latest_backup_info::v3::Request, _, _>(
        r,
        room_keys_version::get_room_keys_version_route,
    );
    r = endpoint::<get_backup_info::v3::Request, _, _>(
        r,
        room_keys_version_id::get_room_keys_version_id_route,
    );
    r = endpoint::<update_backup_version::v3::Request, _, _>(
        r,
        room_keys_version_id::put_room_keys_version_id_route,
    );
    r = endpoint::<delete_backup_version::v3::Request, _, _>(
        r,
        room_keys_version_id::delete_room_keys_version_id_route,
    );
    r = endpoint::<add_backup_keys::v3::Request, _, _>(r, room_keys_keys::put_room_keys_route);
    r = endpoint::<add_backup_keys_for_room::v3::Request, _, _>(
        r,
        room_keys_keys::put_room_keys_for_room_route,
    );
    r = endpoint::<add_backup_keys_for_session::v3::Request, _, _>(
        r,
        room_keys_keys::put_room_keys_for_session_route,
    );
    r = endpoint::<get_backup_keys::v3::Request, _, _>(r, room_keys_keys::get_room_keys_route);
    r = endpoint::<get_backup_keys_for_room::v3::Request, _, _>(
        r,
        room_keys_keys::get_room_keys_for_room_route,
    );
    r = endpoint::<get_backup_keys_for_session::v3::Request, _, _>(
        r,
        room_keys_keys::get_room_keys_for_session_route,
    );
    r = endpoint::<delete_backup_keys::v3::Request, _, _>(
        r,
        room_keys_keys::delete_room_keys_route,
    );
    r = endpoint::<delete_backup_keys_for_room::v3::Request, _, _>(
        r,
        room_keys_keys::delete_room_keys_for_room_route,
    );
    r = endpoint::<delete_backup_keys_for_session::v3::Request, _, _>(
        r,
        room_keys_keys::delete_room_keys_for_session_route,
    );
    // Synapse serves these on r0 too, which ruma's history of them leaves out.
    r = r.route(
        "/_matrix/client/r0/room_keys/version",
        post(room_keys_version::post_room_keys_version_route),
    );
    r = r.route(
        "/_matrix/client/r0/room_keys/version/{version}",
        get(room_keys_version_id::get_room_keys_version_id_route)
            .put(room_keys_version_id::put_room_keys_version_id_route),
    );
    r = r.route(
        "/_matrix/client/r0/room_keys/keys",
        put(room_keys_keys::put_room_keys_route),
    );
    r
}

/// The media repository, each on the paths of its ruma endpoint.
/// Uploads have no JSON body limit: they are streamed and capped at max_upload_size by the
/// service.
#[allow(deprecated)]
fn media_routes() -> Router<SharedServices> {
    use super::media::{MediaGet, config, create, download, thumbnail, upload};
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

/// The Synapse-compatible admin API, whois and OpenID tokens.
fn admin_routes() -> Router<SharedServices> {
    use super::admin::{
        deactivate, registration_token, registration_token_new, registration_tokens,
        reset_password, server_version, user, user_admin, users,
    };
    use super::admin::{room, room_delete_status, room_delete_v2, room_members, rooms};
    use super::client::{openid_request_token, whois};
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
    r = endpoint::<admin::event_reports::list::Request, _, _>(
        r,
        admin::event_reports::get_event_reports_route,
    );
    r = endpoint::<admin::event_reports::one::get::Request, _, _>(
        r,
        admin::event_reports::get_event_report_route,
    );
    r = endpoint::<admin::event_reports::one::delete::Request, _, _>(
        r,
        admin::event_reports::delete_event_report_route,
    );
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
fn openid_routes() -> Router<SharedServices> {
    use super::federation::openid_userinfo;
    endpoint::<openid_userinfo::get_openid_userinfo::Request, _, _>(
        Router::new(),
        openid_userinfo::get_openid_userinfo_route,
    )
}

/// URL previews and email (3PID and password reset).
#[allow(deprecated)]
fn preview_and_email_routes() -> Router<SharedServices> {
    use super::client::{
        add_threepid_submit_token, password_email_request_token, password_reset_submit_token,
        threepid_add, threepid_email_request_token, threepids,
    };
    use super::media::preview_url::{self, PreviewRequest};
    use axum::routing::get;
    use ruma::api::client::account::get_3pids;
    use ruma::api::client::authenticated_media::get_media_preview;
    #[allow(deprecated)]
    use ruma::api::client::media::get_media_preview as legacy_get_media_preview;
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

fn federation_routes() -> Router<SharedServices> {
    use ruma::api::federation::authorization::get_event_authorization;
    use ruma::api::federation::backfill::get_backfill;
    use ruma::api::federation::event::{
        get_event, get_missing_events, get_room_state, get_room_state_ids,
    };
    use ruma::api::federation::membership::{create_join_event, prepare_join_event};
    use ruma::api::federation::query::{get_profile_information, get_room_information};
    use ruma::api::federation::transactions::send_transaction_message;
    let mut r = Router::new();
    r = endpoint::<ruma::api::federation::discovery::get_server_version::v1::Request, _, _>(
        r,
        federation::version::get_server_version_route,
    );
    r = endpoint::<get_profile_information::v1::Request, _, _>(
        r,
        federation::query::get_query_profile_route,
    );
    r = endpoint::<get_room_information::v1::Request, _, _>(
        r,
        federation::query::get_query_directory_route,
    );
    r = endpoint::<prepare_join_event::v1::Request, _, _>(
        r,
        federation::membership::get_make_join_route,
    );
    r = endpoint::<create_join_event::v2::Request, _, _>(
        r,
        federation::membership::put_send_join_route,
    );
    r = endpoint::<ruma::api::federation::membership::prepare_leave_event::v1::Request, _, _>(
        r,
        federation::membership::get_make_leave_route,
    );
    r = endpoint::<ruma::api::federation::membership::create_leave_event::v2::Request, _, _>(
        r,
        federation::membership::put_send_leave_route,
    );
    r = endpoint::<ruma::api::federation::membership::prepare_knock_event::v1::Request, _, _>(
        r,
        federation::membership::get_make_knock_route,
    );
    r = endpoint::<ruma::api::federation::membership::create_knock_event::v1::Request, _, _>(
        r,
        federation::membership::put_send_knock_route,
    );
    r = endpoint::<ruma::api::federation::membership::create_invite::v2::Request, _, _>(
        r,
        federation::invite::put_invite_route,
    );
    r = endpoint::<ruma::api::federation::space::get_hierarchy::v1::Request, _, _>(
        r,
        federation::hierarchy::get_hierarchy_route,
    );
    r = endpoint::<ruma::api::federation::directory::get_public_rooms::v1::Request, _, _>(
        r,
        federation::public_rooms::get_public_rooms_route,
    );
    r = endpoint::<ruma::api::federation::directory::get_public_rooms_filtered::v1::Request, _, _>(
        r,
        federation::public_rooms::post_public_rooms_route,
    );
    r = endpoint::<send_transaction_message::v1::Request, _, _>(
        r,
        federation::send::put_send_transaction_route,
    );
    // Reading a room we share with the asking server.
    r = endpoint::<get_event::v1::Request, _, _>(r, federation::event::get_event_route);
    r = endpoint::<get_room_state::v1::Request, _, _>(r, federation::state::get_state_route);
    r = endpoint::<get_room_state_ids::v1::Request, _, _>(
        r,
        federation::state::get_state_ids_route,
    );
    r = endpoint::<get_event_authorization::v1::Request, _, _>(
        r,
        federation::event_auth::get_event_auth_route,
    );
    r = endpoint::<get_backfill::v1::Request, _, _>(r, federation::backfill::get_backfill_route);
    r = endpoint::<get_missing_events::v1::Request, _, _>(
        r,
        federation::missing_events::post_get_missing_events_route,
    );
    r = endpoint::<ruma::api::federation::device::get_devices::v1::Request, _, _>(
        r,
        federation::user_keys::get_user_devices_route,
    );
    r = endpoint::<ruma::api::federation::keys::get_keys::v1::Request, _, _>(
        r,
        federation::user_keys::post_user_keys_query_route,
    );
    r = endpoint::<ruma::api::federation::keys::claim_keys::v1::Request, _, _>(
        r,
        federation::user_keys::post_user_keys_claim_route,
    );
    r.merge(federation_media_routes())
}

/// Our media, to other servers: the authenticated federation endpoints.
fn federation_media_routes() -> Router<SharedServices> {
    use ruma::api::federation::authenticated_media::{get_content, get_content_thumbnail};
    let mut r = Router::new();
    r = endpoint::<get_content::v1::Request, _, _>(
        r,
        federation::media::get_federation_media_download_route,
    );
    r = endpoint::<get_content_thumbnail::v1::Request, _, _>(
        r,
        federation::media::get_federation_media_thumbnail_route,
    );
    r
}

/// The legacy unauthenticated downloads and thumbnails of our media, which servers that do not
/// know the federation media endpoints fetch: on federation listeners that do not serve the
/// client API (which has them already).
#[allow(deprecated)]
fn legacy_media_download_routes() -> Router<SharedServices> {
    use super::media::{MediaGet, download, thumbnail};
    use ruma::api::client::media::{
        get_content as legacy_get_content,
        get_content_as_filename as legacy_get_content_as_filename,
        get_content_thumbnail as legacy_get_content_thumbnail,
    };
    let mut r = Router::new();
    r = endpoint::<MediaGet<legacy_get_content::v3::Request>, _, _>(
        r,
        download::get_legacy_download_route,
    );
    r = endpoint::<MediaGet<legacy_get_content_as_filename::v3::Request>, _, _>(
        r,
        download::get_legacy_download_named_route,
    );
    r = endpoint::<MediaGet<legacy_get_content_thumbnail::v3::Request>, _, _>(
        r,
        thumbnail::get_legacy_thumbnail_route,
    );
    r
}

fn key_routes() -> Router<SharedServices> {
    endpoint::<ruma::api::federation::discovery::get_server_keys::v2::Request, _, _>(
        Router::new(),
        federation::key_server::get_server_keys_route,
    )
    // The deprecated form with a key id, which Synapse still answers with every key; it is
    // not in ruma's path for the endpoint.
    .route(
        "/_matrix/key/v2/server/{key_id}",
        get(federation::key_server::get_server_keys_route),
    )
    .merge(notary_routes())
}

/// Other servers' keys through us as a notary, served wherever our own keys are.
fn notary_routes() -> Router<SharedServices> {
    use federation::{key_query, key_query_server};
    use ruma::api::federation::discovery::get_remote_server_keys;
    let mut r = Router::new();
    r = endpoint::<key_query::Request, _, _>(r, key_query::post_key_query_route);
    r = endpoint::<get_remote_server_keys::v2::Request, _, _>(
        r,
        key_query_server::get_key_query_route,
    );
    r
}

/// The router for a configured listener: its resources, and whether to trust X-Forwarded-For.
pub fn app_for_listener(services: SharedServices, listener: &crate::config::Listener) -> Router {
    app(services, &listener.resources).layer(axum::Extension(super::extract::ListenerInfo {
        x_forwarded: listener.x_forwarded,
    }))
}

/// The router for one listener serving `resources`.
pub fn app(services: SharedServices, resources: &[Resource]) -> Router {
    let mut r = Router::new().route("/health", get(health::get_health_route));
    if resources.contains(&Resource::Client) {
        r = r.merge(client_routes());
    }
    if resources.contains(&Resource::Federation) {
        r = r.merge(federation_routes());
        if !resources.contains(&Resource::Client) {
            r = r.merge(legacy_media_download_routes());
        }
    }
    if resources.contains(&Resource::Federation) || resources.contains(&Resource::Openid) {
        r = r.merge(openid_routes());
    }
    if resources.contains(&Resource::Federation) || resources.contains(&Resource::Keys) {
        r = r.merge(key_routes());
    }
    let cors = [
        ("access-control-allow-origin", "*"),
        (
            "access-control-allow-methods",
            "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        ),
        (
            "access-control-allow-headers",
            "X-Requested-With, Content-Type, Authorization, Date",
        ),
        ("access-control-expose-headers", "Synapse-Trace-Id, Server"),
    ];
    let mut app = r
        .fallback(|| async { ApiError::unrecognized() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn(answer_options))
        .layer(middleware::from_fn(super::metrics::record_request))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            ApiError::internal().into_response()
        }))
        .with_state(services);
    for (name, value) in cors {
        app = app.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    app.layer(TraceLayer::new_for_http())
}

/// Every OPTIONS request is a CORS preflight: answer it with no body, as Synapse does.
async fn answer_options(req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return StatusCode::NO_CONTENT.into_response();
    }
    next.run(req).await
}
