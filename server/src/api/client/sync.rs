//! GET /_matrix/client/*/sync — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3sync
//! The filters it names live in `filter.rs`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, QueryMap, uint_param};
use crate::service::SharedServices;
use crate::service::sync::{SyncFilter, SyncRequest, Token};

/// Synapse caps long-polls; clients usually ask for 30 s.
const MAX_TIMEOUT: Duration = Duration::from_secs(180);

pub async fn sync_route(
    State(services): State<SharedServices>,
    auth: Auth,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let since = match q.get("since") {
        Some(s) => {
            Some(Token::parse(s).ok_or_else(|| ApiError::invalid_param("Invalid since token"))?)
        }
        None => None,
    };
    let timeout = Duration::from_millis(uint_param(&q, "timeout")?.unwrap_or(0)).min(MAX_TIMEOUT);
    let full_state = q.get("full_state").is_some_and(|v| v == "true");
    let filter = match q.get("filter") {
        None => SyncFilter::default(),
        Some(f) if f.trim_start().starts_with('{') => {
            let v: Value = serde_json::from_str(f).map_err(|_| {
                ApiError::new(
                    http::StatusCode::BAD_REQUEST,
                    "M_NOT_JSON",
                    "filter is not valid JSON",
                )
            })?;
            SyncFilter::from_json(&v)
        }
        Some(id) => {
            let id: i64 = id
                .parse()
                .map_err(|_| ApiError::invalid_param("Invalid filter id"))?;
            let filter = services
                .filter(&auth.user_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("No such filter"))?;
            SyncFilter::from_json(&filter)
        }
    };
    let req = SyncRequest {
        since,
        timeout,
        full_state,
        filter,
    };
    Ok(Json(
        services.sync(&auth.user_id, &auth.device_id, &req).await?,
    ))
}
