//! Route registration for the room directory: aliases and the public room list.

use axum::Router;
use axum::routing::{get, put};

use super::client::directory::{aliases, public_rooms};
use super::router::both;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
    let mut r = Router::new();
    r = both(
        r,
        "/directory/room/{alias}",
        put(aliases::put_alias_route)
            .get(aliases::get_alias_route)
            .delete(aliases::delete_alias_route),
    );
    r = both(
        r,
        "/rooms/{room_id}/aliases",
        get(aliases::get_room_aliases_route),
    );
    r = both(
        r,
        "/directory/list/room/{room_id}",
        get(public_rooms::get_visibility_route).put(public_rooms::put_visibility_route),
    );
    r = both(
        r,
        "/publicRooms",
        get(public_rooms::get_public_rooms_route).post(public_rooms::post_public_rooms_route),
    );
    r
}
