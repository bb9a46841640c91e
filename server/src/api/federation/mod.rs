//! Federation and key endpoints, one per file.

pub mod invite;
pub mod key_query;
pub mod key_query_server;
pub mod key_server;
pub mod membership;
pub mod openid_userinfo;
pub mod public_rooms;
pub mod query;
pub mod send;
pub mod version;
