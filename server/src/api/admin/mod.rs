//! Synapse-compatible admin endpoints, one per file.

pub mod deactivate;
pub mod error;
pub mod extract;
pub mod register;
pub mod reset_password;
pub mod server_version;
pub mod user;
pub mod user_admin;
pub mod users;
