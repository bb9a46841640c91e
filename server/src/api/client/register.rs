//! POST /_matrix/client/*/register — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3register
//! Open registration behind user-interactive auth; guests are not supported.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::uia::{UiaReject, has_access_token};
use crate::api::ApiError;
use crate::api::extract::{ClientIp, OptionalJson, QueryMap};
use crate::service::SharedServices;
use crate::service::ratelimit::Kind;

pub async fn post_register_route(
    State(s): State<SharedServices>,
    ip: ClientIp,
    headers: HeaderMap,
    QueryMap(q): QueryMap,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, UiaReject> {
    match q.get("kind").map(String::as_str).unwrap_or("user") {
        "user" => {}
        "guest" => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "M_GUEST_ACCESS_FORBIDDEN",
                "Guest access is disabled",
            )
            .into());
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_UNRECOGNIZED",
                format!("Do not understand membership kind: {other}"),
            )
            .into());
        }
    }
    if has_access_token(&headers, &q) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "An access token should not be provided on requests to /register (except if type is m.login.application_service)",
        )
        .into());
    }
    // rc_registration: checked on every attempt, counted when an account is made (as Synapse).
    s.limiter
        .peek(
            Kind::Registration,
            &ip.key(),
            s.config.rate_limits.registration,
        )
        .map_err(ApiError::from)?;
    let r = s.register_with_uia(body).await?;
    s.limiter.record(
        Kind::Registration,
        &ip.key(),
        s.config.rate_limits.registration,
    );
    let mut out = json!({"user_id": r.user_id, "home_server": s.config.server_name});
    if let (Some(device_id), Some(token)) = (r.device_id, r.access_token) {
        out["device_id"] = json!(device_id);
        out["access_token"] = json!(token);
    }
    Ok(Json(out))
}
