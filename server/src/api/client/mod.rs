//! Client-server API endpoints, one per file.

pub mod login;
pub mod versions;
pub mod whoami;
