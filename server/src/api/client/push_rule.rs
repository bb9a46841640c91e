//! GET, PUT and DELETE /_matrix/client/*/pushrules/global/{kind}/{ruleId} — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleid
//! PUT takes `before`/`after` query parameters; server-default rules cannot be deleted.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params, QueryMap};
use crate::service::SharedServices;

pub async fn get_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(s.push_rule(&auth.user_id, &kind, &rule_id).await?))
}

pub async fn put_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let before = q
        .get("before")
        .filter(|b| !b.is_empty())
        .map(String::as_str);
    let after = q.get("after").filter(|a| !a.is_empty()).map(String::as_str);
    s.put_push_rule(&auth.user_id, &kind, &rule_id, &body, before, after)
        .await?;
    Ok(Json(json!({})))
}

pub async fn delete_push_rule_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    s.delete_push_rule(&auth.user_id, &kind, &rule_id).await?;
    Ok(Json(json!({})))
}
