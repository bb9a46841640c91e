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
