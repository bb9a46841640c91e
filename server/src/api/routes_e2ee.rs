//! Route registration for end-to-end encryption plumbing: device and one-time keys,
//! cross-signing, to-device messages and room key backup.

use axum::Router;
use axum::routing::{get, post, put};

use super::client::keys::{
    changes, claim, device_signing_upload, query, room_keys_keys, room_keys_version,
    room_keys_version_id, send_to_device, signatures_upload, upload,
};
use super::router::both;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new();
    r = both(r, "/keys/upload", post(upload::post_keys_upload_route));
    r = both(r, "/keys/query", post(query::post_keys_query_route));
    r = both(r, "/keys/claim", post(claim::post_keys_claim_route));
    r = both(r, "/keys/changes", get(changes::get_keys_changes_route));
    r = both(
        r,
        "/keys/signatures/upload",
        post(signatures_upload::post_signatures_upload_route),
    );
    r = both(
        r,
        "/sendToDevice/{event_type}/{txn_id}",
        put(send_to_device::put_send_to_device_route),
    );
    // Synapse serves this one on v3 only.
    r = r.route(
        "/_matrix/client/v3/keys/device_signing/upload",
        post(device_signing_upload::post_device_signing_upload_route),
    );
    r = both(
        r,
        "/room_keys/version",
        post(room_keys_version::post_room_keys_version_route)
            .get(room_keys_version::get_room_keys_version_route),
    );
    r = both(
        r,
        "/room_keys/version/{version}",
        get(room_keys_version_id::get_room_keys_version_id_route)
            .put(room_keys_version_id::put_room_keys_version_id_route)
            .delete(room_keys_version_id::delete_room_keys_version_id_route),
    );
    let keys = || {
        put(room_keys_keys::put_room_keys_route)
            .get(room_keys_keys::get_room_keys_route)
            .delete(room_keys_keys::delete_room_keys_route)
    };
    r = both(r, "/room_keys/keys", keys());
    r = both(r, "/room_keys/keys/{room_id}", keys());
    r = both(r, "/room_keys/keys/{room_id}/{session_id}", keys());
    r
}
