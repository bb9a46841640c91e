//! GET /_synapse/metrics and /metrics — Prometheus text format, on `type: metrics` listeners
//! (https://element-hq.github.io/synapse/latest/metrics-howto.html); and the middleware that
//! records every request by its route template (axum's MatchedPath), never the raw path.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::service::SharedServices;
use crate::service::metrics::metrics;

/// Records the method, route template, status and latency of every request.
pub async fn record_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    metrics().record_request(
        &method,
        &endpoint,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

pub async fn get_metrics_route(State(s): State<SharedServices>) -> impl IntoResponse {
    let (open, idle) = s.db_pool_stats();
    let body = metrics().render(open, idle);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
}

/// The router of a `type: metrics` listener.
pub fn router(services: SharedServices) -> axum::Router {
    Router::new()
        .route("/_synapse/metrics", get(get_metrics_route))
        .route("/metrics", get(get_metrics_route))
        .with_state(services)
}
