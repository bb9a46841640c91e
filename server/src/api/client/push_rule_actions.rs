//! GET and PUT /_matrix/client/*/pushrules/global/{kind}/{ruleId}/actions — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3pushrulesglobalkindruleidactions

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;

pub async fn get_push_rule_actions_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let rule = s.push_rule(&auth.user_id, &kind, &rule_id).await?;
    Ok(Json(json!({"actions": rule["actions"]})))
}

pub async fn put_push_rule_actions_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((kind, rule_id)): Params<(String, String)>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let Some(actions) = body.get("actions").filter(|a| a.is_array()) else {
        return Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Value for 'actions' must be a list",
        ));
    };
    s.set_push_rule_actions(&auth.user_id, &kind, &rule_id, actions)
        .await?;
    Ok(Json(json!({})))
}
