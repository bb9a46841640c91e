//! Room endpoints of the client-server API, one group of verbs per file.

pub mod create;
pub mod events;
pub mod membership;
pub mod messages;
pub mod relations;
pub mod send;
pub mod state;
