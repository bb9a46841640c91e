//! Route registration for the room directory: aliases and the public room list.

use axum::Router;
use ruma::api::client::alias::{create_alias, delete_alias, get_alias};
use ruma::api::client::directory::{
    get_public_rooms, get_public_rooms_filtered, get_room_visibility,
};
use ruma::api::client::room::aliases as room_aliases;

use super::client::directory::{aliases, public_rooms};
use super::router::endpoint;
use crate::service::SharedServices;

pub fn routes() -> Router<SharedServices> {
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
