//! GET and PUT /_matrix/client/*/presence/{userId}/status — https://spec.matrix.org/v1.12/client-server-api/#put_matrixclientv3presenceuseridstatus

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, Params};
use crate::service::SharedServices;
use crate::service::presence::PresenceError;

impl From<PresenceError> for ApiError {
    fn from(e: PresenceError) -> Self {
        let msg = e.to_string();
        match e {
            // Synapse answers these with M_UNKNOWN.
            PresenceError::InvalidState => ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN", msg),
            PresenceError::UnknownUser => ApiError::not_found(msg),
            PresenceError::NotVisible => ApiError::forbidden(msg),
            PresenceError::Room(r) => r.into(),
        }
    }
}

pub async fn get_presence_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(user_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    if ruma::UserId::parse(&user_id).is_err() {
        return Err(ApiError::invalid_param(format!(
            "Invalid user id: {user_id}"
        )));
    }
    Ok(Json(s.presence_of(&auth.user_id, &user_id).await?))
}

pub async fn put_presence_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params(user_id): Params<String>,
    MatrixJson(body): MatrixJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Can only set your own presence state"));
    }
    let unparsable = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Unable to parse state",
        )
    };
    let Some(presence) = body.get("presence").and_then(Value::as_str) else {
        return Err(unparsable());
    };
    let status_msg = match body.get("status_msg") {
        None => None,
        Some(Value::String(m)) => Some(m.as_str()),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_UNKNOWN",
                "status_msg must be a string.",
            ));
        }
    };
    if body.keys().any(|k| k != "presence" && k != "status_msg") {
        return Err(unparsable());
    }
    s.set_presence(&auth.user_id, presence, status_msg).await?;
    Ok(Json(json!({})))
}
