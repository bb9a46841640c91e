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

/// Both the current and the r0 prefix, for clients that still call r0.
pub(super) fn client_paths(path: &str) -> [String; 2] {
    [
        format!("/_matrix/client/v3{path}"),
        format!("/_matrix/client/r0{path}"),
    ]
}

fn client_routes() -> Router<SharedServices> {
    let mut r = endpoint::<ruma::api::client::discovery::discover_homeserver::Request, _, _>(
        Router::new(),
        well_known::get_client_well_known_route,
    )
    .route(
        "/_synapse/admin/v1/register",
        get(admin::register::get_register_nonce_route).post(admin::register::post_register_route),
    );
    for p in client_paths("/login") {
        r = r.route(
            &p,
            get(client::login::get_login_types_route).post(client::login::post_login_route),
        );
    }
    r = endpoint::<ruma::api::client::discovery::get_supported_versions::Request, _, _>(
        r,
        client::versions::get_versions_route,
    );
    for p in client_paths("/account/whoami") {
        r = r.route(&p, get(client::whoami::get_whoami_route));
    }
    r.merge(room_routes())
        .merge(super::routes_accounts::routes())
        .merge(super::routes_directory::routes())
        .merge(super::routes_e2ee::routes())
        .merge(super::routes_media::routes())
        .merge(super::routes_admin::routes())
        .merge(super::routes_previews_email::routes())
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
/// paths registered otherwise are literals in this file and the routes_*.rs files).
pub fn ruma_route_paths() -> Vec<&'static str> {
    drop(client_routes());
    drop(super::routes_admin::openid_routes());
    RUMA_PATHS
        .lock()
        .expect("ruma paths")
        .iter()
        .copied()
        .collect()
}

/// Registers `path` under both /v3 and /r0.
pub(super) fn both(
    mut r: Router<SharedServices>,
    path: &str,
    method: axum::routing::MethodRouter<SharedServices>,
) -> Router<SharedServices> {
    for p in client_paths(path) {
        r = r.route(&p, method.clone());
    }
    r
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
    r = endpoint::<membership::invite_user::Request, _, _>(r, membership::invite_route);
    r = endpoint::<leave_room::v3::Request, _, _>(r, membership::leave_route);
    r = endpoint::<kick_user::v3::Request, _, _>(r, membership::kick_route);
    r = endpoint::<ban_user::v3::Request, _, _>(r, membership::ban_route);
    r = endpoint::<unban_user::v3::Request, _, _>(r, membership::unban_route);
    r = endpoint::<forget_room::v3::Request, _, _>(r, membership::forget_route);
    r = endpoint::<joined_rooms::v3::Request, _, _>(r, membership::joined_rooms_route);
    r = endpoint::<get_member_events::v3::Request, _, _>(r, membership::members_route);
    r = endpoint::<joined_members::v3::Request, _, _>(r, membership::joined_members_route);
    r = endpoint::<send_message_event::v3::Request, _, _>(r, send::send_route);
    r = endpoint::<redact_event::v3::Request, _, _>(r, send::redact_route);
    r = endpoint::<get_state_events::v3::Request, _, _>(r, state::get_state_route);
    r = endpoint::<get_state_event_for_key::v3::Request, _, _>(r, state::get_state_event_route);
    r = endpoint::<send_state_event::v3::Request, _, _>(r, state::put_state_event_route);
    // The empty state key, with or without the trailing slash (ruma's types accept both).
    for path in [
        "/rooms/{room_id}/state/{event_type}",
        "/rooms/{room_id}/state/{event_type}/",
    ] {
        r = both(
            r,
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

fn federation_routes() -> Router<SharedServices> {
    endpoint::<ruma::api::federation::discovery::get_server_version::v1::Request, _, _>(
        Router::new(),
        federation::version::get_server_version_route,
    )
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
    }
    if resources.contains(&Resource::Federation) || resources.contains(&Resource::Openid) {
        r = r.merge(super::routes_admin::openid_routes());
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
