//! The checks, one module per group. Each check is `fn(&Ctx) -> Outcome`, observes only, and
//! turns every error into an outcome with a one-line fix.

pub mod client;
pub mod config;
pub mod database;
pub mod email;
pub mod federation;
pub mod nginx;
pub mod service;
pub mod system;
pub mod tls;
pub mod turn;
