//! Profiles: display name and avatar, the member events that carry a change into every
//! room the user has joined, and the user directory search over them.

use std::collections::HashSet;

use serde_json::Value;

use super::Services;
use super::rooms::{NewEvent, RoomError};
use crate::store::{accounts, rooms as db};

/// A profile field a user can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    DisplayName,
    AvatarUrl,
}

impl ProfileField {
    pub fn parse(name: &str) -> Option<ProfileField> {
        match name {
            "displayname" => Some(ProfileField::DisplayName),
            "avatar_url" => Some(ProfileField::AvatarUrl),
            _ => None,
        }
    }
}

/// Why a profile change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A value that is not a string, or a field matrixd does not keep.
    #[error("{0}")]
    BadJson(String),
    /// A display name longer than Synapse allows.
    #[error("Display name is too long")]
    TooLong,
    #[error(transparent)]
    Room(#[from] RoomError),
}

/// The most bytes a display name may have, as in Synapse.
pub const MAX_DISPLAYNAME_BYTES: usize = 256;

impl Services {
    /// (display name, avatar URL) of a known user, `None` for an unknown one.
    pub async fn profile(
        &self,
        user_id: &str,
    ) -> Result<Option<(Option<String>, Option<String>)>, RoomError> {
        Ok(accounts::get_profile(&self.db, user_id).await?)
    }

    /// Sets the field named `field` from a request body's value as sent: a string sets it
    /// (a display name within MAX_DISPLAYNAME_BYTES), absent or `null` clears it.
    pub async fn set_profile_field_from(
        &self,
        user_id: &str,
        field: &str,
        value: Option<&Value>,
    ) -> Result<(), ProfileError> {
        let value = match value {
            None | Some(Value::Null) => None,
            Some(Value::String(v)) if v.len() <= MAX_DISPLAYNAME_BYTES || field == "avatar_url" => {
                Some(v.as_str())
            }
            Some(Value::String(_)) => return Err(ProfileError::TooLong),
            Some(_) => return Err(ProfileError::BadJson(format!("{field} must be a string"))),
        };
        let field = ProfileField::parse(field)
            .ok_or_else(|| ProfileError::BadJson(format!("Unknown profile field {field}")))?;
        Ok(self.set_profile_field(user_id, field, value).await?)
    }

    /// Sets (or clears) one field, then sends the new member event into every joined room;
    /// a room where that fails is logged and skipped, as in Synapse.
    pub async fn set_profile_field(
        &self,
        user_id: &str,
        field: ProfileField,
        value: Option<&str>,
    ) -> Result<(), RoomError> {
        match field {
            ProfileField::DisplayName => {
                accounts::set_displayname(&self.db, user_id, value).await?
            }
            ProfileField::AvatarUrl => accounts::set_avatar_url(&self.db, user_id, value).await?,
        }
        for (room_id, membership, _, _) in db::memberships_of(&self.db, user_id).await? {
            if membership != "join" {
                continue;
            }
            let content: Value = self.member_content(user_id, "join").await?;
            if let Err(e) = self
                .append(
                    Some(&room_id),
                    None,
                    user_id,
                    NewEvent::state("m.room.member", user_id, content),
                    None,
                )
                .await
            {
                tracing::warn!(room_id, error = %e, "could not update the member event after a profile change");
            }
        }
        Ok(())
    }
    /// The user directory search: users who share a room with `user_id` or are in a public
    /// room, whose id or display name contains `term` (lowercase), sorted by user id, as
    /// (user id, display name, avatar URL).
    #[allow(clippy::type_complexity)]
    pub async fn search_users(
        &self,
        user_id: &str,
        term: &str,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, RoomError> {
        let mut visible: HashSet<String> = self.users_sharing_rooms(user_id).await?;
        for room_id in db::public_rooms(&self.db).await? {
            visible.extend(db::members_with(&self.db, &room_id, "join").await?);
        }
        let mut users: Vec<String> = visible.into_iter().collect();
        users.sort();
        let mut results = Vec::new();
        for user_id in users {
            let Some((name, avatar)) = accounts::get_profile(&self.db, &user_id).await? else {
                continue;
            };
            let hit = user_id.to_lowercase().contains(term)
                || name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(term));
            if hit {
                results.push((user_id, name, avatar));
            }
        }
        Ok(results)
    }
}
