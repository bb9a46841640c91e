//! GET and PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/enabled — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleidenabled

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn get_push_rule_enabled_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let rule = s.push_rule(&auth.user_id, &kind, &rule_id).await?;
    Ok(Json(json!({"enabled": rule["enabled"]})))
}

pub async fn put_push_rule_enabled_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let Some(enabled) = body.get("enabled").and_then(Value::as_bool) else {
        return Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Value for 'enabled' must be boolean",
        ));
    };
    s.set_push_rule_enabled(&auth.user_id, &kind, &rule_id, enabled)
        .await?;
    Ok(Json(json!({})))
}
