//! GET /health — Synapse's liveness probe: `OK` as plain text.

pub async fn get_health_route() -> &'static str {
    "OK"
}
