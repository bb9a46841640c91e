//! GET /_matrix/client/*/pushrules/ and /pushrules/global/ (and /pushrules/global/{kind}/, as
//! Synapse serves it) — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3pushrules
//! Also maps `PushRuleError` to Matrix errors for the other push rule endpoints.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Params};
use crate::service::SharedServices;
use crate::service::push_rules::{PushRuleError, rule_kind, ruleset_json};

impl From<PushRuleError> for ApiError {
    fn from(e: PushRuleError) -> Self {
        let msg = e.to_string();
        match e {
            PushRuleError::NotFound => ApiError::not_found(msg),
            PushRuleError::Unrecognized => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_UNRECOGNIZED", msg)
            }
            PushRuleError::Invalid(m) => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", m),
            PushRuleError::ServerDefault => ApiError::invalid_param(msg),
            PushRuleError::Room(r) => r.into(),
        }
    }
}

pub async fn get_push_rules_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({"global": ruleset_json(&s.ruleset(&auth.user_id).await?)}),
    ))
}

pub async fn get_global_push_rules_route(
    State(s): State<SharedServices>,
    auth: Auth,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(ruleset_json(&s.ruleset(&auth.user_id).await?)))
}

pub async fn get_push_rules_of_kind_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(kind): Params<String>,
) -> Result<Json<Value>, ApiError> {
    rule_kind(&kind)?;
    Ok(Json(
        ruleset_json(&s.ruleset(&auth.user_id).await?)[&kind].clone(),
    ))
}
