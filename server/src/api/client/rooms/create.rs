//! POST /_matrix/client/*/createRoom — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3createroom

use axum::extract::State;
use ruma::api::client::room::{Visibility, create_room::v3 as create_room};
use ruma::serde::Raw;
use ruma::{OwnedRoomId, RoomVersionId};
use serde_json::{Map, Value};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::rooms::create::CreateRoom;

/// A raw JSON object of the request (creation_content, the power level override).
fn object<T>(raw: Option<&Raw<T>>, key: &str) -> Result<Map<String, Value>, ApiError> {
    match raw.map(|r| serde_json::from_str::<Value>(r.json().get())) {
        None | Some(Ok(Value::Null)) => Ok(Map::new()),
        Some(Ok(Value::Object(m))) => Ok(m),
        _ => Err(ApiError::bad_json(format!("{key} must be an object"))),
    }
}

pub async fn create_room_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_room::Request>,
) -> Result<RumaResponse<create_room::Response>, ApiError> {
    let visibility_public = match req.visibility {
        Visibility::Private => false,
        Visibility::Public => true,
        v => {
            return Err(ApiError::bad_json(format!(
                "visibility must be public or private, not {:?}",
                v.as_str()
            )));
        }
    };
    let mut initial_state = Vec::new();
    for item in &req.initial_state {
        let item: Value = serde_json::from_str(item.json().get())
            .map_err(|e| ApiError::bad_json(e.to_string()))?;
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
    let room = CreateRoom {
        visibility_public,
        preset: req.preset.as_ref().map(|p| p.as_str().to_string()),
        name: req.name.clone(),
        topic: req.topic.clone(),
        room_alias_name: req.room_alias_name.clone(),
        invite: req.invite.iter().map(|u| u.to_string()).collect(),
        is_direct: req.is_direct,
        initial_state,
        creation_content: object(req.creation_content.as_ref(), "creation_content")?,
        power_level_content_override: object(
            req.power_level_content_override.as_ref(),
            "power_level_content_override",
        )?,
        room_version: req.room_version.as_ref().map(RoomVersionId::to_string),
    };
    let room_id = services.create_room(&auth.user_id, room).await?;
    let room_id = OwnedRoomId::try_from(room_id).map_err(|_| ApiError::internal())?;
    Ok(RumaResponse(create_room::Response::new(room_id)))
}
