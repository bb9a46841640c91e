//! Federation and key endpoints, one per file.

pub mod key_server;
pub mod version;
