//! Account data (global and per room) and room tags, which are the `m.tag` room account data,
//! on the global stream.

use serde_json::{Map, Value, json};

use super::Services;
use super::rooms::RoomError;
use super::streams::Scope;
use crate::store::userdata;

/// Tag names are at most this long, in bytes.
const MAX_TAG_BYTES: usize = 255;

impl Services {
    /// A user's account data of one type (`room_id` "" for global), if set.
    pub async fn account_data(
        &self,
        user_id: &str,
        room_id: &str,
        kind: &str,
    ) -> Result<Option<Value>, RoomError> {
        Ok(userdata::get_account_data(&self.db, user_id, room_id, kind)
            .await?
            .map(|c| serde_json::from_str(&c).unwrap_or(json!({}))))
    }

    /// Sets account data on the global stream.
    pub async fn set_account_data(
        &self,
        user_id: &str,
        room_id: &str,
        kind: &str,
        content: &Value,
    ) -> Result<(), RoomError> {
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        userdata::set_account_data(&self.db, user_id, room_id, kind, &content.to_string(), pos)
            .await?;
        self.hints.account_data.record([(user_id, pos)]);
        self.streams.note(pos, [Scope::User(user_id)]);
        g.commit();
        Ok(())
    }

    /// The user's tags on a room: tag name → {order?}.
    pub async fn room_tags(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Map<String, Value>, RoomError> {
        Ok(self
            .account_data(user_id, room_id, "m.tag")
            .await?
            .and_then(|v| v.get("tags").and_then(Value::as_object).cloned())
            .unwrap_or_default())
    }

    /// Sets one tag (its `order`, when given, must be a number).
    pub async fn set_room_tag(
        &self,
        user_id: &str,
        room_id: &str,
        tag: &str,
        info: Value,
    ) -> Result<(), RoomError> {
        if tag.len() > MAX_TAG_BYTES {
            return Err(RoomError::InvalidParam(format!(
                "Tag names may be at most {MAX_TAG_BYTES} bytes"
            )));
        }
        if info.get("order").is_some_and(|o| !o.is_number()) {
            return Err(RoomError::BadEvent("order must be a number".into()));
        }
        let mut tags = self.room_tags(user_id, room_id).await?;
        tags.insert(tag.to_string(), info);
        self.set_account_data(user_id, room_id, "m.tag", &json!({ "tags": tags }))
            .await
    }

    /// Removes one tag; removing an absent one changes nothing.
    pub async fn delete_room_tag(
        &self,
        user_id: &str,
        room_id: &str,
        tag: &str,
    ) -> Result<(), RoomError> {
        let mut tags = self.room_tags(user_id, room_id).await?;
        if tags.remove(tag).is_some() {
            self.set_account_data(user_id, room_id, "m.tag", &json!({ "tags": tags }))
                .await?;
        }
        Ok(())
    }
}
