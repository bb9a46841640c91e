//! Federation and key endpoints, one per file (or one family).

pub mod backfill;
pub mod event;
pub mod event_auth;
pub mod hierarchy;
pub mod invite;
pub mod key_query;
pub mod key_query_server;
pub mod key_server;
pub mod media;
pub mod membership;
pub mod missing_events;
pub mod openid_userinfo;
pub mod public_rooms;
pub mod query;
pub mod send;
pub mod state;
pub mod user_keys;
pub mod version;

/// This server's name, as the `origin` of an answer.
fn our_name(
    services: &crate::service::Services,
) -> Result<ruma::OwnedServerName, crate::api::ApiError> {
    ruma::OwnedServerName::try_from(services.config.server_name.as_str()).map_err(|e| {
        tracing::error!(error = %e, "server_name is not a server name");
        crate::api::ApiError::internal()
    })
}

/// Now, as an answer's `origin_server_ts`.
fn now() -> ruma::MilliSecondsSinceUnixEpoch {
    ruma::MilliSecondsSinceUnixEpoch::now()
}
