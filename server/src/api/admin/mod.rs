//! Synapse-compatible admin endpoints, one per file.

pub mod deactivate;
pub mod error;
pub mod event_reports;
pub mod extract;
pub mod register;
pub mod registration_token;
pub mod registration_token_new;
pub mod registration_tokens;
pub mod reset_password;
pub mod room;
pub mod room_delete_status;
pub mod room_delete_v2;
pub mod room_members;
pub mod rooms;
pub mod server_version;
pub mod user;
pub mod user_admin;
pub mod users;
