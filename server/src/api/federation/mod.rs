//! Federation and key endpoints, one per file.

pub mod key_server;
pub mod openid_userinfo;
pub mod version;
