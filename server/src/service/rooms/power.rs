//! Power levels as clients experience them: a user's level in a room (room creators of v12+
//! rooms are above every level) and the level an action needs. Used for checks that are not
//! events (directory listing, alias deletion, redacting others' events); events themselves are
//! checked by the room version's auth rules.

use serde_json::Value;

use super::RoomError;
use crate::service::Services;

/// A user's power: a number, or infinite for privileged room creators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Power {
    Level(i64),
    Creator,
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    })
}

impl Services {
    pub async fn user_power(&self, room_id: &str, user_id: &str) -> Result<Power, RoomError> {
        let (_, rules) = self.room_rules(room_id).await?;
        let create = self
            .current_state_event(room_id, "m.room.create", "")
            .await?;
        if rules.authorization.explicitly_privilege_room_creators
            && let Some(c) = &create
        {
            let extra = c
                .content_value()
                .get("additional_creators")
                .cloned()
                .unwrap_or(Value::Null);
            if c.sender_str() == user_id
                || extra
                    .as_array()
                    .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(user_id)))
            {
                return Ok(Power::Creator);
            }
        }
        match self
            .current_state_event(room_id, "m.room.power_levels", "")
            .await?
        {
            Some(pl) => {
                let c = pl.content_value();
                Ok(Power::Level(
                    int(c.get("users").and_then(|u| u.get(user_id)))
                        .or(int(c.get("users_default")))
                        .unwrap_or(0),
                ))
            }
            None => Ok(Power::Level(
                if create.is_some_and(|c| c.sender_str() == user_id) {
                    100
                } else {
                    0
                },
            )),
        }
    }

    /// The level needed for `key` (`redact`, `kick`, …) or, with `event_type`, to send that
    /// state event.
    pub async fn required_power(
        &self,
        room_id: &str,
        key: &str,
        event_type: Option<&str>,
    ) -> Result<i64, RoomError> {
        let pl = self
            .current_state_event(room_id, "m.room.power_levels", "")
            .await?
            .map(|p| p.content_value());
        let Some(c) = pl else {
            return Ok(if key == "invite" { 0 } else { 50 });
        };
        if let Some(t) = event_type {
            return Ok(int(c.get("events").and_then(|e| e.get(t)))
                .or(int(c.get("state_default")))
                .unwrap_or(50));
        }
        Ok(int(c.get(key)).unwrap_or(if key == "invite" { 0 } else { 50 }))
    }

    pub async fn has_power(
        &self,
        room_id: &str,
        user_id: &str,
        key: &str,
        event_type: Option<&str>,
    ) -> Result<bool, RoomError> {
        Ok(match self.user_power(room_id, user_id).await? {
            Power::Creator => true,
            Power::Level(l) => l >= self.required_power(room_id, key, event_type).await?,
        })
    }
}
