//! HTTP: routing, extraction, status codes and the Matrix error body. Handlers are thin: parse,
//! authorise, call a service, map the error.

pub mod admin;
pub mod client;
pub mod error;
pub mod extract;
pub mod federation;
pub mod health;
pub mod media;
pub mod metrics;
pub mod router;
mod routes_accounts;
mod routes_admin;
mod routes_directory;
mod routes_e2ee;
mod routes_media;
mod routes_previews_email;
pub mod well_known;

pub use error::ApiError;
pub use router::app;
