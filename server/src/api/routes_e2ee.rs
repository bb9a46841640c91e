//! Route registration for end-to-end encryption plumbing: device and one-time keys,
//! cross-signing, to-device messages and room key backup.

use axum::Router;
use axum::routing::{get, post, put};
use ruma::api::client::backup::{
    add_backup_keys, add_backup_keys_for_room, add_backup_keys_for_session, create_backup_version,
    delete_backup_keys, delete_backup_keys_for_room, delete_backup_keys_for_session,
    delete_backup_version, get_backup_info, get_backup_keys, get_backup_keys_for_room,
    get_backup_keys_for_session, get_latest_backup_info, update_backup_version,
};
use ruma::api::client::keys::upload_keys;
use ruma::api::client::to_device::send_event_to_device;

use super::client::keys::{
    changes, claim, device_signing_upload, query, room_keys_keys, room_keys_version,
    room_keys_version_id, send_to_device, signatures_upload, upload,
};
use super::router::endpoint;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
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
    // Synapse serves this one on v3 only (its own type's single path).
    r = endpoint::<device_signing_upload::upload_signing_keys::Request, _, _>(
        r,
        device_signing_upload::post_device_signing_upload_route,
    );
    r = backup_routes(r);
    r
}

/// Room key backup: versions and the keys in them.
fn backup_routes(mut r: Router<SharedServices>) -> Router<SharedServices> {
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
