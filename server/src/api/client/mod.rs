//! Client-server API endpoints.

pub mod account_data;
pub mod capabilities;
pub mod directory;
pub mod ephemeral;
pub mod login;
pub mod profile;
pub mod rooms;
pub mod sync;
pub mod versions;
pub mod whoami;
pub mod deactivate;
pub mod delete_devices;
pub mod device;
pub mod devices;
pub mod logout;
pub mod logout_all;
pub mod password;
pub mod register;
pub mod register_available;
pub mod registration_token_validity;
pub mod uia;
pub mod presence;
pub mod push_rule;
pub mod push_rule_actions;
pub mod push_rule_enabled;
pub mod push_rules;
