//! POST /_matrix/client/*/user_directory/search — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3user_directorysearch
//! As Synapse with its defaults (search_all_users: false): users who share a room with the
//! searcher or are in a public room, matched on user id and display name.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;

pub async fn search_user_directory_route(
    State(s): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let term = body
        .get("search_term")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_json("search_term is required"))?
        .to_lowercase();
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(l) => l
            .as_u64()
            .ok_or_else(|| ApiError::bad_json("limit must be a non-negative integer"))?,
    }
    .clamp(1, 100) as usize;
    let mut results = s.search_users(&auth.user_id, &term).await?;
    let limited = results.len() > limit;
    results.truncate(limit);
    Ok(Json(json!({ "results": results, "limited": limited })))
}
