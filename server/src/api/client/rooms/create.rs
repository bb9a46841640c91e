//! POST /_matrix/client/*/createRoom — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3createroom

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;
use crate::service::rooms::create::CreateRoom;

fn opt_str(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_json(format!("{key} must be a string"))),
    }
}

fn opt_obj(body: &Value, key: &str) -> Result<Map<String, Value>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::bad_json(format!("{key} must be an object"))),
    }
}

pub async fn create_room_route(
    State(services): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let visibility = opt_str(&body, "visibility")?;
    let visibility_public = match visibility.as_deref() {
        None | Some("private") => false,
        Some("public") => true,
        Some(v) => {
            return Err(ApiError::bad_json(format!(
                "visibility must be public or private, not {v:?}"
            )));
        }
    };
    let invite = match body.get("invite") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| ApiError::bad_json("invite must be a list of user ids"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::bad_json("invite must be a list of user ids")),
    };
    let mut initial_state = Vec::new();
    if let Some(items) = body.get("initial_state") {
        let Some(items) = items.as_array() else {
            return Err(ApiError::bad_json("initial_state must be a list"));
        };
        for item in items {
            let kind = item
                .get("type")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_json("initial_state events need a type"))?;
            let sk = item.get("state_key").and_then(Value::as_str).unwrap_or("");
            let content = item
                .get("content")
                .filter(|c| c.is_object())
                .ok_or_else(|| ApiError::bad_json("initial_state events need a content object"))?;
            initial_state.push((kind.to_string(), sk.to_string(), content.clone()));
        }
    }
    let req = CreateRoom {
        visibility_public,
        preset: opt_str(&body, "preset")?,
        name: opt_str(&body, "name")?,
        topic: opt_str(&body, "topic")?,
        room_alias_name: opt_str(&body, "room_alias_name")?,
        invite,
        is_direct: body
            .get("is_direct")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        initial_state,
        creation_content: opt_obj(&body, "creation_content")?,
        power_level_content_override: opt_obj(&body, "power_level_content_override")?,
        room_version: opt_str(&body, "room_version")?,
    };
    let room_id = services.create_room(&auth.user_id, req).await?;
    Ok(Json(json!({ "room_id": room_id })))
}
